package mpi_test

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

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
// cores (never more than the runtime chose), with a spare P where the share
// is one core, unless the environment sets GOMAXPROCS; the spare goes once
// two goroutines of the rank wait in MPI at the same time.
func TestGOMAXPROCSFitsTheRanks(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		node, err := w.SplitShared(0)
		must(t, err)
		defer node.Free()
		share := max(1, mpi.OnlineCPUs()/node.Size())
		want := min(share, runtime.NumCPU())
		if share == 1 {
			want = min(2, runtime.NumCPU())
		}
		_, set := os.LookupEnv("GOMAXPROCS")
		if set {
			want, _ = strconv.Atoi(os.Getenv("GOMAXPROCS"))
		}
		if got := runtime.GOMAXPROCS(0); got != want {
			t.Fatalf("GOMAXPROCS %d with %d ranks on a node of %d CPUs (GOMAXPROCS=%q); want %d",
				got, node.Size(), mpi.OnlineCPUs(), os.Getenv("GOMAXPROCS"), want)
		}
		if w.Size() < 2 {
			return
		}
		// Two goroutines wait for messages that cannot come before this
		// rank says it is ready (a fixed sleep was not enough: under load a
		// peer's message arrived before a goroutine had posted its Recv, so
		// the two never waited at once).
		next, prev := (w.Rank()+1)%w.Size(), (w.Rank()+w.Size()-1)%w.Size()
		var wg sync.WaitGroup
		for tag := range 2 {
			wg.Go(func() {
				var v [1]int32
				if _, err := w.Recv(mpi.Buf(v[:]), next, tag); err != nil || v[0] != int32(next) {
					t.Errorf("goroutine %d: Recv = %v, %v; want %d", tag, v[0], err, next)
				}
			})
		}
		spare := share == 1 && !set && want == 2
		if spare {
			for deadline := time.Now().Add(10 * time.Second); runtime.GOMAXPROCS(0) != 1; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("GOMAXPROCS %d 10 s after two goroutines began to wait; want 1", runtime.GOMAXPROCS(0))
				}
			}
		} else {
			time.Sleep(20 * time.Millisecond)
		}
		must(t, w.Send(mpi.Buf([]int32{1}), next, 2)) // ready
		var ready [1]int32
		_, err = w.Recv(mpi.Buf(ready[:]), prev, 2)
		must(t, err)
		for tag := range 2 {
			must(t, w.Send(mpi.Buf([]int32{int32(w.Rank())}), prev, tag))
		}
		wg.Wait()
		if spare {
			want = 1
		}
		if got := runtime.GOMAXPROCS(0); got != want {
			t.Fatalf("GOMAXPROCS %d after two goroutines waited at once; want %d", got, want)
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
