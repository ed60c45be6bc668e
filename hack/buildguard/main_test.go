package buildguard_test

import (
	"os"
	"testing"

	"github.com/gkewi/gkewi/tests/lowpriority"
)

// TestMain runs the guards at a lower priority, beside the link of the
// tests package's binary (tests/lowpriority says why).
func TestMain(m *testing.M) {
	os.Exit(lowpriority.Run(m))
}
