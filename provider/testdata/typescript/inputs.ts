// Which inputs of the gkewi component take Outputs, as the SDK types them:
// the package tests type-check this file against the generated SDK. The
// inputs whose Go fields take Outputs accept them, as lists or item by item;
// each of the others decides which resources exist, must be known before
// any cloud call, and refuses an Output at compile time rather than at run
// time with "expected destination type to implement pulumi.Input".
import * as pulumi from "@pulumi/pulumi";
import * as gkewi from "@pulumi/gkewi";

const required = {
    project: "my-gkewi-dev-project",
    namespace: "wi-demo",
    kubernetesServiceAccount: "wi-demo",
    schedule: "@daily",
};
const bucket = pulumi.output("reports-bucket");
const runnerAddress = pulumi.output("198.51.100.7");
const otherStacksKubeconfig = pulumi.secret("apiVersion: v1\nkind: Config\n");

new gkewi.WorkloadIdentityCronJob("item-outputs", {
    ...required,
    command: ["gsutil", "ls", pulumi.interpolate`gs://${bucket}`],
    authorizedNetworks: [pulumi.interpolate`${runnerAddress}/32`],
});
new gkewi.WorkloadIdentityCronJob("list-outputs", {
    ...required,
    command: bucket.apply((name) => ["gsutil", "ls", `gs://${name}`]),
    authorizedNetworks: runnerAddress.apply((address) => [`${address}/32`]),
});
new gkewi.WorkloadIdentityCronJob("kubeconfig-output", {
    ...required,
    kubeconfig: otherStacksKubeconfig,
});

new gkewi.WorkloadIdentityCronJob("plain-inputs", {
    ...required,
    // @ts-expect-error roles must be plain
    roles: pulumi.output(["roles/browser"]),
    // @ts-expect-error additionalProjectRoles must be plain
    additionalProjectRoles: pulumi.output({ "other-project": ["roles/logging.viewer"] }),
    // @ts-expect-error existingCluster must be plain
    existingCluster: pulumi.output({ name: "shared", location: "asia-northeast1" }),
});
new gkewi.WorkloadIdentityCronJob("plain-items", {
    ...required,
    // @ts-expect-error each role must be plain
    roles: [pulumi.output("roles/browser")],
    // @ts-expect-error each project's roles must be plain
    additionalProjectRoles: { "other-project": pulumi.output(["roles/logging.viewer"]) },
    // @ts-expect-error each field of existingCluster must be plain
    existingCluster: { name: pulumi.output("shared"), location: "asia-northeast1" },
});
