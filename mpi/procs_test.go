package mpi_test

import (
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

func TestCPUListAndShare(t *testing.T) {
	for _, c := range []struct {
		list string
		n    int
		ok   bool
	}{{"0-3,6\n", 5, true}, {"0", 1, true}, {"0-1", 2, true}, {"0-63,128-191", 128, true}, {"", 0, false}, {"3-1", 0, false}, {"a-b", 0, false}} {
		if n, ok := mpi.CountCPUs(c.list); n != c.n || ok != c.ok {
			t.Errorf("CountCPUs(%q) = %d, %v; want %d, %v", c.list, n, ok, c.n, c.ok)
		}
	}
	for _, c := range []struct{ ranks, cpus, want int }{{4, 2, 1}, {2, 2, 1}, {1, 2, 2}, {2, 16, 8}, {3, 8, 2}, {0, 8, 0}} {
		if got := mpi.RankShare(c.ranks, c.cpus); got != c.want {
			t.Errorf("RankShare(%d ranks, %d CPUs) = %d, want %d", c.ranks, c.cpus, got, c.want)
		}
	}
}

// TestGOMAXPROCSFitsTheRanks: Init leaves each rank its share of the node's
// cores (at least one, never more than the runtime chose), unless the
// environment sets GOMAXPROCS.
func TestGOMAXPROCSFitsTheRanks(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		node, err := w.SplitShared(0)
		must(t, err)
		defer node.Free()
		want := min(max(1, mpi.OnlineCPUs()/node.Size()), runtime.NumCPU())
		if s, set := os.LookupEnv("GOMAXPROCS"); set {
			want, _ = strconv.Atoi(s)
		}
		if got := runtime.GOMAXPROCS(0); got != want {
			t.Fatalf("GOMAXPROCS %d with %d ranks on a node of %d CPUs (GOMAXPROCS=%q); want %d",
				got, node.Size(), mpi.OnlineCPUs(), os.Getenv("GOMAXPROCS"), want)
		}
	}, mpitest.Ranks(1, 4))
}

func TestGOMAXPROCSFromTheEnvironment(t *testing.T) {
	if !mpitest.IsRank() {
		t.Setenv("GOMAXPROCS", "3")
	}
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		if got := runtime.GOMAXPROCS(0); got != 3 {
			t.Fatalf("GOMAXPROCS %d, want the environment's 3", got)
		}
	}, mpitest.Ranks(4))
}
