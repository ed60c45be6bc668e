package tests

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestMain gives the tests' garbage collector more room: a run allocates
// much and lives for about a second on 2 cores, and collects less often at
// GOGC=400. A GOGC in the environment wins.
func TestMain(m *testing.M) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(m.Run())
}
