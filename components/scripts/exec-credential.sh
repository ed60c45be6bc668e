# The exec credential of gkewi:kubernetesAuth accessToken: client-go runs it
# with the Kubernetes provider's environment whenever the provider needs a
# token, so the kubeconfig that Pulumi keeps in state holds none. It prints
# the token as a client.authentication.k8s.io/v1 ExecCredential, with no
# expiry: client-go keeps it until the API server answers 401. gcloud's
# variable comes first, as gke-gcloud-auth-plugin reads it and as Pulumi
# ESC's gcp-login sets it.
token=${CLOUDSDK_AUTH_ACCESS_TOKEN:-${GOOGLE_OAUTH_ACCESS_TOKEN:-}}
if [ -z "$token" ]; then
  echo "$0: neither CLOUDSDK_AUTH_ACCESS_TOKEN nor GOOGLE_OAUTH_ACCESS_TOKEN is set; gkewi:kubernetesAuth accessToken reads the cluster's access token from one of them" >&2
  exit 1
fi
# An OAuth 2.0 bearer token (RFC 6750, b64token) needs no escaping in JSON.
# Character classes, unlike ranges, mean the same in every locale.
case $token in
*[![:alnum:]._~+/=-]*)
  echo "$0: the value of CLOUDSDK_AUTH_ACCESS_TOKEN or GOOGLE_OAUTH_ACCESS_TOKEN is not an OAuth access token" >&2
  exit 1
  ;;
esac
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\n' "$token"
