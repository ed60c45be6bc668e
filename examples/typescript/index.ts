// A TypeScript program that uses the gkewi component package, as `pulumi
// package add` sets it up: the dev stack's values, and the outputs a user
// needs. The tests type-check it against the generated SDK.
import * as gkewi from "@pulumi/gkewi";

const job = new gkewi.WorkloadIdentityCronJob("reports", {
    project: "my-gkewi-dev-project",
    region: "asia-northeast1",
    zone: "asia-northeast1-a",
    network: "gkewi-dev",
    subnetwork: "gkewi-dev-asia-northeast1",
    subnetCidr: "10.0.0.0/24",
    masterCidr: "172.16.0.0/28",
    authorizedNetworks: ["203.0.113.0/24"],
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
