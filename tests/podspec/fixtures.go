package podspec

import (
	"os"

	"go.yaml.in/yaml/v3"
)

// FixturesFile is where `make plan` writes the pods' commands, from the
// program under the mocks (TestPodFixturesAreCurrent in tests), and where
// the image tests (components/scripts) read them, to run them as the default image
// would without running the program itself.
const FixturesFile = "testdata/pods.yaml"

// Fixtures are the dev fixture's pods' commands, and the identity they run
// as.
type Fixtures struct {
	Project   string `yaml:"project"`
	Account   string `yaml:"account"`
	Namespace string `yaml:"namespace"`
	KSA       string `yaml:"ksa"`
	// Containers are the command and environment of each container that the
	// image tier runs, by name.
	Containers map[string]Command `yaml:"containers"`
	// Outputs are the stack outputs that are commands to paste in a shell,
	// by name.
	Outputs map[string]string `yaml:"outputs"`
}

// Command is a container's command and environment.
type Command struct {
	Command []string          `yaml:"command"`
	Env     map[string]string `yaml:"env"`
}

// The containers of Fixtures.
const (
	CronJobWaitForIdentity = "the CronJob's wait-for-identity"
	CronJobJob             = "the CronJob's job"
	Verification           = "the verification"
	VerificationWithGrants = "the verification, with every kind of grant"
)

// The outputs of Fixtures.
const (
	VerifyCommand           = "verifyCommand"
	VerifyCommandWithGrants = "verifyCommand, with every kind of grant"
	RunNowCommand           = "runNowCommand"
)

// LoadFixtures reads the fixtures from path.
func LoadFixtures(path string) (*Fixtures, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f Fixtures
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	return &f, nil
}
