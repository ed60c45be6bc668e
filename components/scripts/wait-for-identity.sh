# Waits until the GKE metadata server hands this pod a token for its identity.
# A fresh pod may ask before the metadata server knows it, and a new binding
# may still be propagating through IAM: both pass within about a minute.
#
# It runs in the google-cloud-cli image, which has sh, coreutils and gcloud but
# no curl, wget or python on its PATH (see docs/verification.md), so it asks
# gcloud, which reads the token from the metadata server as the job will.
if ! command -v gcloud >/dev/null 2>&1; then
  echo "wait-for-identity: gcloud is not on PATH (${PATH}); this container must run the google-cloud-cli image." >&2
  exit 1
fi
config="${CLOUDSDK_CONFIG:-${HOME}/.config/gcloud}"
errors=$(mktemp)
delay=1
attempt=1
while :; do
  # gcloud remembers for ten minutes that the metadata server did not answer
  # (the file "gce" in its configuration directory), so without this every
  # retry after an early miss would fail the same way.
  rm -f "${config}/gce"
  if gcloud auth print-access-token >/dev/null 2>"${errors}"; then
    echo "wait-for-identity: token received on attempt ${attempt}"
    exit 0
  fi
  [ "${attempt}" -ge 8 ] && break
  echo "wait-for-identity: no token yet (attempt ${attempt}: $(tail -n 1 "${errors}")), retrying in ${delay}s"
  sleep "${delay}"
  delay=$((delay * 2 > 16 ? 16 : delay * 2))
  attempt=$((attempt + 1))
done
cat "${errors}" >&2
echo "wait-for-identity: the GKE metadata server gave no token after about a minute." >&2
echo "Read its logs with the metadataServerLogFilter stack output in Cloud Logging; check the KSA's" >&2
echo "iam.gke.io/gcp-service-account annotation and the GSA's roles/iam.workloadIdentityUser binding." >&2
exit 1
