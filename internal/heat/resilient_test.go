package heat_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/mpigo/mpigo/internal/heat"
	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// A resilient solve with ranks killed mid-run (before a checkpoint, after
// one, rank 0, a neighbour pair, two failures at different steps) ends on
// the survivors with the serial run's field and residual, bit for bit, and
// reports each recovery. 10 jobs.
func TestSolveResilient(t *testing.T) {
	if !mpi.HasULFM() {
		t.Skip("no ULFM in this library: TestSolveResilientRefused covers it")
	}
	cases := []struct {
		np   int
		kill map[int]int // rank → step
	}{
		{2, map[int]int{1: 37}},
		{2, map[int]int{0: 12}}, // before the first checkpoint: from the cold field
		{3, map[int]int{1: 41}},
		{3, map[int]int{0: 60}},
		{3, map[int]int{2: 20}},
		{4, map[int]int{3: 33}},
		{4, map[int]int{0: 45}},
		{4, map[int]int{1: 50, 2: 50}}, // a neighbour pair at once
		{4, map[int]int{2: 20, 0: 61}}, // two failures, two recoveries
		{4, map[int]int{1: 1, 3: 79}},
	}
	for _, tc := range cases {
		victims := slices.Sorted(mapKeys(tc.kill))
		t.Run(fmt.Sprintf("np%d-kill%v", tc.np, tc.kill), func(t *testing.T) {
			mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
				dir := mpitest.SharedDir(t, w) // cleaned up by rank 0, which may die: then left in /tmp
				cfg := heat.Config{N: 23, Steps: 80, Exchange: heat.Sendrecv}
				res, err := heat.SolveResilient(w, cfg, heat.Resilience{Every: 10, Dir: dir, Kill: tc.kill})
				if err != nil {
					t.Fatal(err)
				}
				survivors := tc.np - len(tc.kill)
				if res.Comm.Size() != survivors {
					t.Fatalf("ended on %d ranks; want %d", res.Comm.Size(), survivors)
				}
				if len(res.Recoveries) < 1 || len(res.Recoveries) > len(tc.kill) {
					t.Errorf("%d recoveries for %d deaths", len(res.Recoveries), len(tc.kill))
				}
				lost := 0
				for _, rec := range res.Recoveries {
					lost += rec.Lost
					if rec.FromStep%10 != 0 || rec.FromStep > rec.AtStep || rec.Seconds <= 0 {
						t.Errorf("recovery %+v", rec)
					}
				}
				if lost != len(tc.kill) {
					t.Errorf("recoveries lost %d ranks; want %d", lost, len(tc.kill))
				}
				want, residual, err := heat.Serial(cfg)
				if err != nil {
					t.Fatal(err)
				}
				if res.Residual != residual {
					t.Errorf("residual %g; serial %g", res.Residual, residual)
				}
				if res.Comm.Rank() == 0 {
					if !slices.Equal(res.Field, want) {
						t.Errorf("the field differs from the serial run's")
					}
				} else if res.Field != nil {
					t.Errorf("a field at rank %d of the survivors", res.Comm.Rank())
				}
				if res.Comm != w {
					res.Comm.Free()
				}
			}, mpitest.Ranks(tc.np), mpitest.Kills(func(int) []int { return victims }))
		})
	}
}

func mapKeys(m map[int]int) func(func(int) bool) {
	return func(yield func(int) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// Without fault tolerance a resilient solve is refused before any step.
func TestSolveResilientRefused(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		_, err := heat.SolveResilient(w, heat.Config{N: 10, Steps: 5, Exchange: heat.Sendrecv}, heat.Resilience{Every: 2, Dir: t.TempDir()})
		if !errors.Is(err, mpi.ErrUnsupported) {
			t.Errorf("SolveResilient without fault tolerance: %v; want ErrUnsupported", err)
		}
	}, mpitest.Ranks(1, 2))
}
