# Proves Workload Identity end to end: this pod must act as EXPECTED_ACCOUNT
# (the GSA's email, or in direct mode the workload pool) and get an access
# token for it.
set -u
errors=/tmp/verify.err
active=$(gcloud auth list --filter=status:ACTIVE --format='value(account)' 2>"${errors}")
if [ "${active}" != "${EXPECTED_ACCOUNT}" ]; then
  cat "${errors}" >&2
  echo "verify: FAILED: the pod acts as '${active}', want '${EXPECTED_ACCOUNT}'." >&2
  echo "Check the KSA's annotation and the workloadIdentityUser binding on the GSA (impersonation)," >&2
  echo "or that the pod runs on a node with the GKE metadata server (direct)." >&2
  exit 1
fi
if ! gcloud auth print-access-token >/dev/null; then
  echo "verify: FAILED: no access token for ${EXPECTED_ACCOUNT}; see the gke-metadata-server logs." >&2
  exit 1
fi
echo "verify: OK: the pod acts as ${EXPECTED_ACCOUNT} and has a token."
