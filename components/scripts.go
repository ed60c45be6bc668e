package components

import _ "embed"

// waitForTokenScript runs first in every job pod: in the CronJob's pods as
// their init container, in the verification's before the check.
//
//go:embed scripts/wait-for-identity.sh
var waitForTokenScript string

// verifyScript runs in the verification Job.
//
//go:embed scripts/verify.sh
var verifyScript string

// proveGrantsScript runs in the verification Job after verifyScript when
// there are grants.
//
//go:embed scripts/prove-grants.sh
var proveGrantsScript string
