// Package buildguard holds the tests that guard how the program builds: the
// Makefile's link flags still leave a panic its function and line, and an
// edit in components/ stays cheap to compile. They run go itself, so they
// are a test binary of their own, which links no Pulumi SDK: `go test ./...`
// starts it, as it starts every package's tests in import-path order, while
// it links the tests package's binary, rather than after.
package buildguard
