package mpi_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// digits is the concatenation of the ranks from..to-1: the expected fold of
// a concatenation, which does not commute.
func digits(from, to int) string {
	var b strings.Builder
	for r := from; r < to; r++ {
		fmt.Fprintf(&b, "%d,", r)
	}
	return b.String()
}

func TestCollectiveValues(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		items := make([]string, p)
		for j := range items {
			items[j] = fmt.Sprintf("%d->%d", r, j)
		}
		got, err := mpi.AlltoallValues(w, items)
		must(t, err)
		for i, s := range got {
			if s != fmt.Sprintf("%d->%d", i, r) {
				t.Fatalf("AlltoallValues: item %d is %q", i, s)
			}
		}
		concat := func(a, b string) string { return a + b }
		mine := fmt.Sprintf("%d,", r)
		root := p - 1
		red, err := mpi.ReduceValues(w, mine, concat, root)
		must(t, err)
		if want := map[bool]string{true: digits(0, p), false: ""}[r == root]; red != want {
			t.Errorf("ReduceValues at rank %d: %q, want %q", r, red, want)
		}
		all, err := mpi.AllreduceValues(w, mine, concat)
		must(t, err)
		scan, err := mpi.ScanValues(w, mine, concat)
		must(t, err)
		ex, ok, err := mpi.ExscanValues(w, mine, concat)
		must(t, err)
		if all != digits(0, p) || scan != digits(0, r+1) || ex != digits(0, r) || ok != (r > 0) {
			t.Errorf("rank %d: allreduce %q, scan %q, exscan %q (%v)", r, all, scan, ex, ok)
		}
		// Values of any type: maps merged, counting every rank once.
		merged, err := mpi.AllreduceValues(w, map[string]int{fmt.Sprint(r): 1, "all": 1},
			func(a, b map[string]int) map[string]int {
				for k, v := range b {
					a[k] += v
				}
				return a
			})
		must(t, err)
		if merged["all"] != p || len(merged) != p+1 {
			t.Errorf("merged maps: %v", merged)
		}
	}, mpitest.Ranks(1, 2, 3, 4))
}

// Wrong arguments on one rank: with AgreeOnArgErrors every rank returns the
// error, naming that rank, and nobody waits.
func TestCollectiveValuesBadArguments(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t)
		r, p := w.Rank(), w.Size()
		items := make([]int, p)
		if r == p-1 {
			items = items[:p-1]
		}
		if _, err := mpi.AlltoallValues(w, items); !errors.Is(err, mpi.ErrBuffer) || r != p-1 && !strings.Contains(err.Error(), fmt.Sprint("rank ", p-1)) {
			t.Errorf("AlltoallValues with %d items on the last rank: %v", p-1, err)
		}
		var fn func(a, b int) int
		if r != 0 {
			fn = func(a, b int) int { return a + b }
		}
		if _, err := mpi.AllreduceValues(w, r, fn); !errors.Is(err, mpi.ErrOp) {
			t.Errorf("AllreduceValues with a nil function on rank 0: %v", err)
		}
		if _, err := mpi.ReduceValues(w, r, func(a, b int) int { return a + b }, p); !errors.Is(err, mpi.ErrRoot) {
			t.Errorf("ReduceValues to root %d: %v", p, err)
		}
		sum, err := mpi.AllreduceValues(w, r, func(a, b int) int { return a + b })
		must(t, err)
		if sum != p*(p-1)/2 {
			t.Errorf("after the errors, the sum is %d", sum)
		}
	}, mpitest.Ranks(1, 2, 3))
}
