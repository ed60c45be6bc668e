# Proves Workload Identity end to end: this pod must act as EXPECTED_ACCOUNT
# (the GSA's email, or in direct mode the workload pool) and get an access
# token for it. Like wait-for-identity.sh, it needs only sh, coreutils and gcloud.
set -u
if ! command -v gcloud >/dev/null 2>&1; then
  echo "verify: FAILED: gcloud is not on PATH (${PATH}); this container must run the google-cloud-cli image." >&2
  exit 1
fi
errors=$(mktemp)
active=$(gcloud auth list --filter=status:ACTIVE --format='value(account)' 2>"${errors}")
if [ "${active}" != "${EXPECTED_ACCOUNT}" ]; then
  cat "${errors}" >&2
  echo "verify: FAILED: the pod acts as '${active}', want '${EXPECTED_ACCOUNT}'." >&2
  echo "Check the KSA's annotation and the workloadIdentityUser binding on the GSA (impersonation)," >&2
  echo "or that the pod runs on a node with the GKE metadata server (direct)." >&2
  exit 1
fi
if ! gcloud auth print-access-token >/dev/null 2>"${errors}"; then
  cat "${errors}" >&2
  echo "verify: FAILED: no access token for ${EXPECTED_ACCOUNT}; read the GKE metadata server's logs" >&2
  echo "with the metadataServerLogFilter stack output in Cloud Logging." >&2
  exit 1
fi
echo "verify: OK: the pod acts as ${EXPECTED_ACCOUNT} and has a token."
