#!/bin/sh
# drift.sh STACK: does the live infrastructure still match the code?
#
# Runs `pulumi preview --refresh --run-program --expect-no-changes` on the
# stack, as the drift workflow does every day, and writes the result to the
# run's summary ($GITHUB_STEP_SUMMARY): the diff when something changed
# outside Pulumi. --run-program refreshes with the providers' configuration
# as the program computes it now, not as the state last held it.
# Exits 0 when nothing drifted, 1 when something did, 2 when the preview
# itself failed (credentials, state lock, a bad configuration).
set -u

stack=${1:?usage: drift.sh STACK}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
output=$(mktemp)
trap 'rm -f "$output"' EXIT

status=0
pulumi preview --stack "$stack" --refresh --run-program --expect-no-changes --diff --non-interactive --color=never \
  >"$output" 2>&1 || status=$?
cat "$output"

# The CLI exits 7 (ExitNoChanges, pkg/cmd/pulumi/cmd/exit_codes.go in
# v3.274.1) when --expect-no-changes finds changes, after it prints
# "error: no changes were expected for preview but changes were proposed";
# CLIs before the exit codes print the same words with another status.
if [ "$status" -eq 0 ]; then
  verdict="no drift: the live resources match the code"
  result=0
elif [ "$status" -eq 7 ] || grep -q '^error: no changes were expected' "$output"; then
  verdict="drift: the live resources differ from the code"
  result=1
else
  verdict="the drift check failed before it could compare (pulumi exited $status)"
  result=2
fi

{
  printf '### Stack %s: %s\n\n' "$stack" "$verdict"
  if [ "$result" -ne 0 ]; then
    printf 'What to do: see "Drift" in the README.\n\n'
    printf '```diff\n'
    cat "$output"
    printf '```\n'
  fi
} >>"$summary"
exit "$result"
