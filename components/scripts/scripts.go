// Package scripts holds gkewi's shell scripts, embedded: those its pods run,
// and the exec credential of its kubeconfigs. A package of its own, light to
// compile, because both the component and its workload embed them.
package scripts

import _ "embed"

// ExecCredential prints the access token of the environment as an
// ExecCredential, for the kubeconfigs that authenticate with one.
//
//go:embed exec-credential.sh
var ExecCredential string

// WaitForIdentity runs first in every job pod: in the CronJob's pods as
// their init container, in the verification's before the check.
//
//go:embed wait-for-identity.sh
var WaitForIdentity string

// Verify runs in the verification Job.
//
//go:embed verify.sh
var Verify string

// ProveGrants runs in the verification Job after Verify when there are
// grants.
//
//go:embed prove-grants.sh
var ProveGrants string
