// Package tests runs the gkewi program and component offline, under the Pulumi
// SDK's mocks, and asserts on a recording of every resource they register.
package tests
