# Waits until the GKE metadata server hands this pod a token for its identity.
# A fresh pod may ask before the metadata server knows it, and a new binding
# may still be propagating through IAM: both pass within about a minute.
delay=1
for attempt in 1 2 3 4 5 6 7 8; do
  if curl --silent --fail --max-time 5 -H 'Metadata-Flavor: Google' \
    http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token >/dev/null; then
    echo "wait-for-identity: token received on attempt ${attempt}"
    exit 0
  fi
  [ "${attempt}" = 8 ] && break
  echo "wait-for-identity: no token yet (attempt ${attempt}), retrying in ${delay}s"
  sleep "${delay}"
  delay=$((delay * 2 > 16 ? 16 : delay * 2))
done
echo "wait-for-identity: the GKE metadata server gave no token after about a minute." >&2
echo "Check the gke-metadata-server logs (see the metadataServerLogFilter stack output)," >&2
echo "the KSA's iam.gke.io/gcp-service-account annotation and the GSA's workloadIdentityUser binding." >&2
exit 1
