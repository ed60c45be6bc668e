package tests

import (
	"slices"
	"strings"
	"testing"

	"github.com/gkewi/gkewi/components"
)

var cronPod = []any{"spec", "jobTemplate", "spec", "template", "spec"}

func TestJobSurvivesPreemptionAndMissedStarts(t *testing.T) {
	t.Parallel()
	cron := mustRecord(t, devFixture()).one(t, cronJobType, "gkewi-cronjob")
	assertPath(t, cron, "Forbid", "spec", "concurrencyPolicy")
	assertPath(t, cron, 300.0, "spec", "startingDeadlineSeconds")
	job := []any{"spec", "jobTemplate", "spec"}
	assertPath(t, cron, 3.0, at(job, "backoffLimit")...)
	assertPath(t, cron, 600.0, at(job, "activeDeadlineSeconds")...)
	assertPath(t, cron, []any{map[string]any{
		"action":          "Ignore",
		"onPodConditions": []any{map[string]any{"type": "DisruptionTarget", "status": "True"}},
	}}, at(job, "podFailurePolicy", "rules")...)
	if get(cron.Inputs, "spec", "timeZone") != nil {
		t.Error("timeZone is sent although the stack sets none")
	}
}

func TestJobLimitsAndTimeZoneComeFromConfig(t *testing.T) {
	t.Parallel()
	rec, err := recordRun(t, withConfig(devFixture(), map[string]string{
		"gkewi:concurrencyPolicy":       "Replace",
		"gkewi:startingDeadlineSeconds": "60",
		"gkewi:backoffLimit":            "0",
		"gkewi:activeDeadlineSeconds":   "120",
		"gkewi:timeZone":                "Asia/Tokyo",
	}))
	if err != nil {
		t.Fatal(err)
	}
	cron := rec.one(t, cronJobType, "gkewi-cronjob")
	assertInputs(t, cron, map[string]any{
		"spec.concurrencyPolicy":       "Replace",
		"spec.startingDeadlineSeconds": 60.0,
		"spec.timeZone":                "Asia/Tokyo",
	})
	assertPath(t, cron, 0.0, "spec", "jobTemplate", "spec", "backoffLimit")
	assertPath(t, cron, 120.0, "spec", "jobTemplate", "spec", "activeDeadlineSeconds")
}

func TestJobWaitsForItsIdentityBeforeItRuns(t *testing.T) {
	t.Parallel()
	cron := mustRecord(t, devFixture()).one(t, cronJobType, "gkewi-cronjob")
	assertPath(t, cron, "wait-for-identity", at(cronPod, "initContainers", 0, "name")...)
	assertPath(t, cron, components.DefaultImage, at(cronPod, "initContainers", 0, "image")...)
}

func TestJobPodIsLockedDown(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	cron := rec.one(t, cronJobType, "gkewi-cronjob")
	assertPath(t, cron, false, at(cronPod, "automountServiceAccountToken")...)
	assertPath(t, cron, "true", at(cronPod, "nodeSelector", components.MetadataServerNodeLabel)...)
	assertPath(t, cron, "RuntimeDefault", at(cronPod, "securityContext", "seccompProfile", "type")...)
	assertPath(t, cron, true, at(cronPod, "securityContext", "runAsNonRoot")...)
	batch := at(cronPod, "containers", 0)
	assertPath(t, cron, components.JobContainerName, at(batch, "name")...)
	assertPath(t, cron, true, at(batch, "securityContext", "readOnlyRootFilesystem")...)
	assertPath(t, cron, "/tmp", at(batch, "volumeMounts", 0, "mountPath")...)
	assertPath(t, cron, map[string]any{}, at(cronPod, "volumes", 0, "emptyDir")...)
	assertPath(t, cron, map[string]any{"name": "CLOUDSDK_CONFIG", "value": "/tmp/gcloud"}, at(batch, "env", 1)...)
	ksa := rec.one(t, ksaType, "gkewi-ksa")
	assertPath(t, ksa, false, "automountServiceAccountToken")
}

func TestVerificationJobProvesTheIdentityAfterNodesExist(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	verify := rec.one(t, jobType, "gkewi-verify")
	pod := []any{"spec", "template", "spec"}
	assertPath(t, verify, devNamespace, "metadata", "namespace")
	assertPath(t, verify, devKSA, at(pod, "serviceAccountName")...)
	assertPath(t, verify, []any{map[string]any{"name": "HOME", "value": "/tmp"},
		map[string]any{"name": "CLOUDSDK_CONFIG", "value": "/tmp/gcloud"},
		map[string]any{"name": "EXPECTED_ACCOUNT", "value": devGSAEmail}}, at(pod, "containers", 0, "env")...)
	assertPath(t, verify, "serviceAccount:"+devProject+".svc.id.goog["+devNamespace+"/"+devKSA+"]",
		"spec", "template", "metadata", "annotations", "gkewi/workload-identity-member")
	command, _ := verification(t)
	_, script := verificationScripts(t, command)
	for _, want := range []string{"gcloud auth list", "EXPECTED_ACCOUNT", "gcloud auth print-access-token", "exit 1"} {
		if !strings.Contains(script, want) {
			t.Errorf("the verification script lacks %q", want)
		}
	}
	for _, dep := range []string{"gkewi-node-pool", "gkewi-workload-identity", "gkewi-roles-browser", "gkewi-ksa"} {
		if !slices.Contains(verify.DependsOn, dep) {
			t.Errorf("the verification Job does not wait for %s: %v", dep, verify.DependsOn)
		}
	}
	if get(verify.Inputs, "metadata", "name") != nil {
		t.Error("the verification Job has a fixed name, so a changed wiring cannot replace it before deleting the old one")
	}
}

func TestVerificationCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	rec, err := recordRun(t, withConfig(devFixture(), map[string]string{"gkewi:verify": "false"}))
	if err != nil {
		t.Fatal(err)
	}
	if jobs := rec.byType(jobType); len(jobs) != 0 {
		t.Errorf("verify=false still registers %d Jobs", len(jobs))
	}
}

func TestMetadataServerLogFilterNamesThisCluster(t *testing.T) {
	t.Parallel()
	filter, _ := mustRecord(t, devFixture()).output("metadataServerLogFilter").(string)
	for _, want := range []string{`resource.labels.cluster_name="gkewi-dev"`, `resource.labels.project_id="` + devProject + `"`,
		`resource.labels.container_name="gke-metadata-server"`, `resource.labels.location="asia-northeast1-a"`} {
		if !strings.Contains(filter, want) {
			t.Errorf("metadataServerLogFilter lacks %s:\n%s", want, filter)
		}
	}
}
