// Package buildguard holds the tests that guard how the program builds: the
// Makefile's link flags still leave a panic its function and line, and an
// edit in components/ stays cheap to compile. They need no Pulumi SDK, so
// they are a test binary of their own, which links in under half a second
// and, as hack/ sorts before tests, runs while `go test ./...` links the
// tests package's binary: go starts the packages' tests in import-path
// order. In tests they ran after that link, for a third of a second of its
// run.
package buildguard
