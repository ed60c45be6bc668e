package components

import _ "embed"

// waitForTokenScript runs in every job pod's init container.
//
//go:embed scripts/wait-for-identity.sh
var waitForTokenScript string

// verifyScript runs in the verification Job.
//
//go:embed scripts/verify.sh
var verifyScript string
