# Proves each grant in GRANTS, one a line:
#   KIND PROJECT NAME ROLE PERMISSION,PERMISSION...
# by asking the resource which of those permissions this pod holds, as the
# pod's own identity, and fails when one is still missing after
# GRANT_PROPAGATION_SECONDS. It runs after verify.sh, and like it needs only
# sh, coreutils, grep, sed and gcloud.
set -u

# ask asks a Google API as this pod, through gcloud's generic method caller:
# gcloud has no command of its own for testIamPermissions. Its flags are made
# from the API's request message (googlecloudsdk/command_lib/util/apis/
# arg_marshalling.py), and --collection must come before the method. It
# writes down when gcloud refused the call itself (exit 2: a flag or method
# that this gcloud does not know), which no waiting mends. Its stdin is not
# the list of grants that the loop below reads.
ask() {
  gcloud meta apis methods call "$@" </dev/null
  code=$?
  [ "${code}" -ne 2 ] || : >"${refused}"
  return "${code}"
}

# call prints the permissions that a testIamPermissions answers, one a line:
# value() joins a list with ';'.
call() {
  ask "$@" --format='value(permissions)' | tr ';' '\n'
}

# granted prints which of PERMISSIONS (comma-separated) this pod holds on the
# resource, one a line. Every call only asks; none reads or changes data.
granted() { # KIND PROJECT NAME PERMISSIONS
  case "$1" in
  bucket)
    # Cloud Storage's method takes one permission a call.
    for permission in $(echo "$4" | tr ',' ' '); do
      call --collection=storage.buckets testIamPermissions --bucket="$3" --permissions="${permission}"
    done
    ;;
  secret) call --collection=secretmanager.projects.secrets testIamPermissions "projects/$2/secrets/$3" --request.permissions="$4" ;;
  topic) call --collection=pubsub.projects.topics testIamPermissions "projects/$2/topics/$3" --request.permissions="$4" ;;
  subscription) call --collection=pubsub.projects.subscriptions testIamPermissions "projects/$2/subscriptions/$3" --request.permissions="$4" ;;
  dataset)
    # BigQuery has no testIamPermissions for datasets. Reading the dataset's
    # metadata needs bigquery.datasets.get and nothing else.
    ask --collection=bigquery.datasets get --projectId="$2" --datasetId="$3" \
      --datasetView=metadata --format='value(id)' >/dev/null && echo "$4"
    ;;
  esac
}

# inspect is the command that shows who holds what on the resource.
inspect() { # KIND PROJECT NAME
  case "$1" in
  bucket) echo "gcloud storage buckets get-iam-policy gs://$3" ;;
  secret) echo "gcloud secrets get-iam-policy $3 --project=$2" ;;
  topic) echo "gcloud pubsub topics get-iam-policy $3 --project=$2" ;;
  subscription) echo "gcloud pubsub subscriptions get-iam-policy $3 --project=$2" ;;
  dataset) echo "bq show --format=prettyjson $2:$3 (its access list)" ;;
  esac
}

# missing prints the PERMISSIONS that GRANTED lacks, comma-separated.
missing() { # PERMISSIONS GRANTED
  for permission in $(echo "$1" | tr ',' ' '); do
    printf '%s\n' "$2" | grep -qxF "${permission}" || printf '%s' "${permission},"
  done | sed 's/,$//'
}

# A new grant takes effect within minutes, so a missing permission is asked
# for again every 10 seconds until the window closes: by the clock, which in
# a pod ends it first, since every round takes more than its 10 seconds; the
# count of waits ends it where sleep returns at once, as in the tests.
errors=$(mktemp)
refused="${errors}.refused"
window="${GRANT_PROPAGATION_SECONDS:-0}"
deadline=$(($(date +%s) + window))
waits=$((window / 10))
while read -r kind project name role permissions; do
  [ -n "${kind}" ] || continue
  while :; do
    lacking=$(missing "${permissions}" "$(granted "${kind}" "${project}" "${name}" "${permissions}" 2>"${errors}")")
    answer=$(tail -n 1 "${errors}")
    [ -n "${lacking}" ] || break
    if [ -e "${refused}" ]; then
      cat "${errors}" >&2
      echo "prove-grants: FAILED: gcloud refused to ask about grant ${role} on the ${kind} ${project}/${name}:" >&2
      echo "this image's gcloud does not take \`gcloud meta apis methods call\` as gkewi calls it." >&2
      exit 1
    fi
    if [ "${waits}" -le 0 ] || [ "$(date +%s)" -ge "${deadline}" ]; then
      cat "${errors}" >&2
      echo "prove-grants: FAILED: grant ${role} on the ${kind} ${project}/${name}: the job's identity lacks ${lacking} after ${window}s." >&2
      echo "Inspect the binding with: $(inspect "${kind}" "${project}" "${name}")" >&2
      exit 1
    fi
    echo "prove-grants: ${role} on the ${kind} ${project}/${name}: ${lacking} not granted yet${answer:+ (${answer})}, asking again in 10s"
    sleep 10
    waits=$((waits - 1))
  done
  echo "prove-grants: OK: grant ${role} on the ${kind} ${project}/${name}: proven (${permissions})."
done <<EOF
${GRANTS}
EOF
