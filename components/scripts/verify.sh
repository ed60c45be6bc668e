# Proves Workload Identity end to end: this pod must act as EXPECTED_GSA and
# get an access token for it.
set -u
errors=/tmp/verify.err
active=$(gcloud auth list --filter=status:ACTIVE --format='value(account)' 2>"${errors}")
if [ "${active}" != "${EXPECTED_GSA}" ]; then
  cat "${errors}" >&2
  echo "verify: FAILED: the pod acts as '${active}', want '${EXPECTED_GSA}'." >&2
  echo "Check the KSA's annotation and the workloadIdentityUser binding on the GSA." >&2
  exit 1
fi
if ! gcloud auth print-access-token >/dev/null; then
  echo "verify: FAILED: no access token for ${EXPECTED_GSA}; see the gke-metadata-server logs." >&2
  exit 1
fi
echo "verify: OK: the pod acts as ${EXPECTED_GSA} and has a token."
