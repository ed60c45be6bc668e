//go:build engine && node

package tests

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/gkewi/gkewi/tests/standin/typical"
)

// benchRounds is how many times `make bench-engine` takes the dev stack up
// and down; it reports the median.
const benchRounds = 3

// TestBenchEngineUp is `make bench-engine`: the dev stack's `up` under the
// real engine, against the critical path that `make plan` computes, weighed
// with the same delays the GCP stand-in takes (GCP's typical times scaled
// 1:60) and with the verification Job's own time as the engine saw it,
// since the Job really runs here; and a preview of the stack up to date,
// which follows the build that `make bench` times. Only the benchmark
// target runs it.
func TestBenchEngineUp(t *testing.T) {
	if os.Getenv("GKEWI_BENCH") == "" {
		t.Skip("make bench-engine runs it")
	}
	started := time.Now()
	w := startEngineWorld(t)
	tierStart := time.Since(started)
	rec := mustRecord(t, devFixture())
	types := map[string]string{}
	for _, reg := range rec.resources {
		types[reg.Name] = reg.Type
	}
	var ups, models, jobs []float64
	var chain []string
	var preview time.Duration
	var lastTimeline string
	for round := range benchRounds {
		stack := w.stack(t, "bench", devFixture())
		wall, steps := timedUp(t, stack)
		var job float64
		for name, typ := range types {
			if typ == jobType {
				job = (steps[name].end - steps[name].start).Seconds()
			}
		}
		weigh := func(typ string) float64 {
			if typ == jobType {
				return job
			}
			return float64(typical.Seconds[typ]) / typical.Scale
		}
		var model float64
		chain, model = longestChain(rec, weigh)
		lastTimeline = timeline(chain, steps, func(name string) float64 { return weigh(types[name]) })
		ups, models, jobs = append(ups, wall.Seconds()), append(models, model), append(jobs, job)
		if round == 0 {
			previewStarted := time.Now()
			if _, err := stack.Preview(context.Background()); err != nil {
				t.Fatal(err)
			}
			preview = time.Since(previewStarted)
		}
		if _, err := stack.Destroy(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	up, model := median(ups), median(models)
	t.Logf(`
engine tier, dev stack, median of %d rounds (%s)
  up, wall time                                  %6.1f s   (rounds: %s)
  critical path, scaled, with the Job's own time %6.1f s   (the Job %.1f s)
  up / critical path                             %6.2f×   (goal ≤ 1.10×)
  preview of the dev stack, up to date           %6.1f s   (after the build that make bench times)
  tier start (stand-ins built, node Ready)       %6.1f s   (node Ready after %.1f s)
  the critical path in the last up:%s`,
		benchRounds, machine(), up, seconds(ups), model, median(jobs),
		up/model, preview.Seconds(),
		tierStart.Seconds(), w.readyAfter.Seconds(), lastTimeline)
}

// span is when a resource's step ran, from the start of up.
type span struct{ start, end time.Duration }

// timedUp runs up and times it, and each resource's step as the engine
// reports it, from its start to its outputs, by resource name.
func timedUp(t *testing.T, stack auto.Stack) (time.Duration, map[string]span) {
	t.Helper()
	stream := make(chan events.EngineEvent)
	steps := map[string]span{}
	done := make(chan struct{})
	started := time.Now()
	go func() {
		defer close(done)
		for event := range stream {
			now := time.Since(started)
			switch {
			case event.ResourcePreEvent != nil:
				name := resource.URN(event.ResourcePreEvent.Metadata.URN).Name()
				steps[name] = span{start: now}
			case event.ResOutputsEvent != nil:
				name := resource.URN(event.ResOutputsEvent.Metadata.URN).Name()
				step := steps[name]
				step.end = now
				steps[name] = step
			}
		}
	}()
	if up, err := stack.Up(context.Background(), optup.EventStreams(stream)); err != nil {
		t.Fatalf("up failed: %v\n%s", err, up.StdOut)
	}
	wall := time.Since(started)
	<-done
	return wall, steps
}

// timeline is the critical path's steps as one up ran them, against the
// time each was modelled to take.
func timeline(chain []string, steps map[string]span, weigh func(name string) float64) string {
	var b strings.Builder
	for _, name := range chain {
		step := steps[name]
		fmt.Fprintf(&b, "\n    %-45s %6.1f → %6.1f s  took %5.1f s, modelled %5.1f s",
			name, step.start.Seconds(), step.end.Seconds(), (step.end - step.start).Seconds(), weigh(name))
	}
	return b.String()
}

func median(values []float64) float64 {
	sorted := slices.Sorted(slices.Values(values))
	return sorted[len(sorted)/2]
}

func seconds(values []float64) string {
	var out []string
	for _, v := range values {
		out = append(out, fmt.Sprintf("%.1f", v))
	}
	return strings.Join(out, ", ")
}

// machine is the machine's core count and Go version, for the table.
func machine() string {
	return fmt.Sprintf("%d cores, %s", runtime.NumCPU(), runtime.Version())
}
