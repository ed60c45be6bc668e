package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

// The stand-in's GCP outlives each run of the plugin: what exists is kept in
// GKEWI_GCP_DIR/world.json, which a test may seed with what exists before
// the stack (an account, a network), and every call is appended to
// GKEWI_GCP_DIR/calls.jsonl, which the tests read.

// Stored is one thing that exists at GCP. Its properties are the plugin
// protocol's JSON, secrets and all.
type Stored struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Inputs  json.RawMessage `json:"inputs,omitempty"`
	Outputs json.RawMessage `json:"outputs"`
}

// Call is one call the engine made, as the log records it.
type Call struct {
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Method  string    `json:"method"`
	Type    string    `json:"type"`
	Name    string    `json:"name,omitempty"`
	ID      string    `json:"id,omitempty"`
	Preview bool      `json:"preview,omitempty"`
	Error   string    `json:"error,omitempty"`
}

// world is the stand-in's GCP on disk.
type world struct{ dir string }

func (w world) path(name string) string { return filepath.Join(w.dir, name) }

// update runs change on what exists, under a lock that keeps two plugins of
// one run from losing each other's writes, and saves the result.
func (w world) update(change func(things map[string]Stored) error) error {
	lock, err := os.OpenFile(w.path("world.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return err
	}
	things, err := w.load()
	if err != nil {
		return err
	}
	if err := change(things); err != nil {
		return err
	}
	data, err := json.MarshalIndent(things, "", "  ")
	if err != nil {
		return err
	}
	partial := w.path("world.json.partial")
	if err := os.WriteFile(partial, data, 0o600); err != nil {
		return err
	}
	return os.Rename(partial, w.path("world.json"))
}

// load is what exists, by key.
func (w world) load() (map[string]Stored, error) {
	things := map[string]Stored{}
	data, err := os.ReadFile(w.path("world.json"))
	if os.IsNotExist(err) {
		return things, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &things); err != nil {
		return nil, fmt.Errorf("reading %s: %w", w.path("world.json"), err)
	}
	return things, nil
}

// key names a thing in the world by type and id.
func key(typ, id string) string { return typ + " " + id }

// log appends a call to calls.jsonl.
func (w world) log(call Call) {
	data, err := json.Marshal(call)
	if err != nil {
		return
	}
	f, err := os.OpenFile(w.path("calls.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.Write(append(data, '\n'))
}

// encode and decode move properties between the plugin protocol's form and
// the JSON the world keeps.
func encode(m resource.PropertyMap) (json.RawMessage, error) {
	s, err := plugin.MarshalProperties(m, options)
	if err != nil {
		return nil, err
	}
	return protojson.Marshal(s)
}

func decode(data json.RawMessage) (resource.PropertyMap, error) {
	if len(data) == 0 {
		return resource.PropertyMap{}, nil
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(data, s); err != nil {
		return nil, err
	}
	return plugin.UnmarshalProperties(s, options)
}
