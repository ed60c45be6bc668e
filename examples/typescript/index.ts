// A TypeScript program that uses the gkewi component package, as `pulumi
// package add ../../provider` sets it up: the dev stack's values, and the
// outputs a user needs. The tests install the SDK as `pulumi install` does
// and type-check this program against it.
import * as pulumi from "@pulumi/pulumi";
import * as gkewi from "@pulumi/gkewi";

// The project, region and zone are the Google provider's own settings; the
// authorized networks must include the address of the machine that runs
// `pulumi up` (Pulumi.dev.yaml).
const gcp = new pulumi.Config("gcp");
const config = new pulumi.Config();

const job = new gkewi.WorkloadIdentityCronJob("reports", {
    project: gcp.require("project"),
    region: gcp.require("region"),
    zone: gcp.require("zone"),
    network: "gkewi-dev",
    subnetwork: "gkewi-dev-asia-northeast1",
    subnetCidr: "10.0.0.0/24",
    masterCidr: "172.16.0.0/28",
    authorizedNetworks: config.requireObject<string[]>("authorizedNetworks"),
    clusterName: "gkewi-dev",
    deletionProtection: false,
    roles: ["roles/browser"],
    namespace: "wi-demo",
    kubernetesServiceAccount: "wi-demo",
    cronJobName: "workload-identity-test",
    schedule: "*/5 * * * *",
});

export const gsaEmail = job.gsaEmail;
export const workloadIdentityMember = job.workloadIdentityMember;
export const kubeconfig = job.kubeconfig;
export const runNowCommand = job.runNowCommand;
