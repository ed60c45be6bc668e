// Package stacks turns a stack's configuration into validated
// WorkloadIdentityCronJob arguments and runs the gkewi program: Program is
// exactly what `pulumi up` runs, so the tests can run it too.
package stacks
