"""A Python program that uses the gkewi component package, as `pulumi package
add ../../provider` sets it up. The tests byte-compile it with the generated SDK;
they cannot run it, since PyPI, where the pulumi package comes from, is out of
reach."""

import pulumi
import pulumi_gkewi as gkewi

# The project, region and zone are the Google provider's own settings; the
# authorized networks must include the address of the machine that runs
# `pulumi up` (Pulumi.dev.yaml).
gcp = pulumi.Config("gcp")
config = pulumi.Config()

job = gkewi.WorkloadIdentityCronJob(
    "reports",
    project=gcp.require("project"),
    region=gcp.require("region"),
    zone=gcp.require("zone"),
    network="gkewi-dev",
    subnetwork="gkewi-dev-asia-northeast1",
    subnet_cidr="10.0.0.0/24",
    master_cidr="172.16.0.0/28",
    authorized_networks=config.require_object("authorizedNetworks"),
    cluster_name="gkewi-dev",
    deletion_protection=False,
    namespace="wi-demo",
    kubernetes_service_account="wi-demo",
    schedule="*/5 * * * *",
)

pulumi.export("gsaEmail", job.gsa_email)
pulumi.export("runNowCommand", job.run_now_command)
