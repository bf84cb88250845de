package bench

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mpigo/mpigo/collectives"
	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

func TestMain(m *testing.M) { mpitest.Main(m) }

// TestSuite runs every benchmark and algorithm with validation on, at the
// smallest iteration counts, and checks what rank 0 receives: one series per
// benchmark, algorithm and size, each with the method's sample count.
func TestSuite(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		cfg := Config{Sizes: []int{1, 4097, 70000}, CollSizes: []int{1, 8, 4097, 70000}, Scale: 0.001,
			Validate: true, Algos: true, Hosts: make([]int, w.Size()), HugePages: w.Size()%2 == 0}
		var got []Series
		if err := Run(w, cfg, func(s Series) error { got = append(got, s); return nil }); err != nil {
			t.Fatal(err)
		}
		if w.Rank() != 0 {
			if len(got) != 0 {
				t.Fatalf("rank %d emitted %d series", w.Rank(), len(got))
			}
			return
		}
		want := 0
		for _, b := range Benchmarks {
			if !b.Collective && w.Size() < 2 {
				continue
			}
			r := &runner{cfg: cfg, p: w.Size()}
			want += len(r.sizes(b)) * (1 + len(Algorithms(b.Name))*boolInt(b.Collective))
		}
		if len(got) != want {
			t.Fatalf("%d series, want %d", len(got), want)
		}
		for _, s := range got {
			if err := cfg.check(s); err != nil {
				t.Fatal(err)
			}
			for _, v := range s.Values {
				if !(v > 0) || math.IsInf(v, 0) {
					t.Fatalf("%s %d B: sample %g", s.Label(), s.Size, v)
				}
			}
		}
	}, mpitest.Ranks(1, 2, 3, 4), mpitest.Timeout(3*time.Minute))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSlowestRank: a collective's sample is the slowest rank's time, not
// rank 0's: here the last rank takes 3 ms and the others return at once.
func TestSlowestRank(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r := &runner{world: w, rank: w.Rank(), p: w.Size()}
		op := collectiveOp{run: func() error {
			if w.Rank() == w.Size()-1 {
				time.Sleep(3 * time.Millisecond)
			}
			return nil
		}}
		v, err := r.timeCollective(op, 3, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, us := range v {
			if us < 3000 {
				t.Fatalf("rank %d: samples %v µs, want each ≥ 3000", w.Rank(), v)
			}
		}
	}, mpitest.Ranks(2, 3))
}

// damaging is a transport that flips a bit of the at-th message it receives.
type damaging struct {
	collectives.Transport
	n, at int
}

func (d *damaging) Recv(buf []byte, src, tag int) (int, error) {
	n, err := d.Transport.Recv(buf, src, tag)
	return n, d.damage(buf[:n], err)
}

func (d *damaging) Sendrecv(out []byte, dest int, in []byte, src, tag int) (int, error) {
	n, err := d.Transport.Sendrecv(out, dest, in, src, tag)
	return n, d.damage(in[:n], err)
}

func (d *damaging) damage(got []byte, err error) error {
	if d.n++; d.n == d.at && len(got) > 0 {
		got[0] ^= 0x40
	}
	return err
}

// TestValidationCatchesCorruption: with Validate, an algorithm whose data
// arrives damaged is an error naming the rank and the iteration. Both ranks
// of a recursive-doubling allreduce receive one message an iteration; the
// third (timed iteration 1, after one warm-up) is damaged on both.
func TestValidationCatchesCorruption(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r := &runner{world: w, tr: &damaging{Transport: collectives.FromComm(w), at: 3},
			cfg: Config{Validate: true}, rank: w.Rank(), p: w.Size()}
		op, err := r.collective("allreduce", "recursive-doubling", 4096)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.timeCollective(op, 4, 1)
		want := fmt.Sprintf("rank %d, iteration 1: validation: element 0 of 512", w.Rank())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%v; want an error with %q", err, want)
		}
	}, mpitest.Ranks(2))
}

// TestDrive runs two fake implementations (shell scripts that print raw
// lines) through the driver: rounds, ratios to C, the method check, and the
// placement and library recorded.
func TestDrive(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c := script("c.sh", "echo 'meta library Fake MPI 1.0'\necho 'meta host.0 nodeA'\necho 'sample c - latency 1 us 1 1'\n")
	g := script("go.sh", "echo 'sample mpigo - latency 1 us 2 2'\necho 'meta host.0 nodeA'\n")
	bad := script("bad.sh", "echo 'sample mpigo - latency 1 us 2 2 2'\n")
	job := Job{Ranks: 1, Rounds: 2, Env: mpitest.Env(1), Timeout: time.Minute,
		Config:   Config{Benches: []string{"latency"}, Sizes: []int{1}, Scale: 0.0001},
		Programs: []Program{{Name: "c", Argv: []string{c}}, {Name: "mpigo", Argv: []string{g}}}}
	f, err := Drive(job)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(f.Results, func(r Result) bool { return r.Impl == "mpigo" })
	if len(f.Results) != 2 || i < 0 || f.Results[i].Ratio != 2 || f.Results[i].Rounds != 2 || f.Results[i].Ref != "c" {
		t.Fatalf("results %+v", f.Results)
	}
	if !slices.Equal(f.Meta.Placement, []string{"nodeA"}) || !strings.HasPrefix(f.Meta.Libraries["c"], "Fake MPI 1.0") {
		t.Fatalf("meta %+v", f.Meta)
	}
	job.Programs[1].Argv = []string{bad}
	if _, err := Drive(job); err == nil || !strings.Contains(err.Error(), "the method says 2") {
		t.Fatalf("a program with 3 samples where the method says 2: %v", err)
	}
}
