package pool_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
	"github.com/mpigo/mpigo/pool"
)

func TestMain(m *testing.M) { mpitest.Main(m) }

// Map returns the results in order; every task runs exactly once; uneven
// tasks are shared out as ranks get free (dynamic balancing: the ranks that
// drew a slow task run fewer); a task's error and panic fail only their
// futures; Submit after Close is ErrClosed.
func TestPool(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		type out struct {
			X, Rank int
		}
		p, err := pool.Start(w, func(x int) (out, error) {
			switch {
			case x == -1:
				return out{}, errors.New("minus one")
			case x == -2:
				panic("minus two")
			case x%10 == 0:
				time.Sleep(20 * time.Millisecond) // a slow task
			}
			return out{X: x * x, Rank: w.Rank()}, nil
		})
		if p == nil {
			if err != nil {
				t.Fatal(err)
			}
			return // a worker: served until Close
		}
		const n = 200
		ins := make([]int, n)
		for i := range ins {
			ins[i] = i
		}
		outs, err := p.Map(ins)
		if err != nil {
			t.Fatal(err)
		}
		perRank := map[int]int{}
		for i, o := range outs {
			if o.X != i*i {
				t.Fatalf("output %d is %d, want %d", i, o.X, i*i)
			}
			perRank[o.Rank]++
		}
		if len(perRank) != w.Size() {
			t.Errorf("tasks ran on %d ranks of %d: %v", len(perRank), w.Size(), perRank)
		}
		bad, err := p.Submit(-1)
		if err != nil {
			t.Fatal(err)
		}
		panicky, err := p.Submit(-2)
		if err != nil {
			t.Fatal(err)
		}
		good, _ := p.Submit(3)
		var te *pool.TaskError
		if _, err := bad.Wait(); !errors.As(err, &te) || te.Msg != "minus one" || te.Stack != "" {
			t.Errorf("a failing task: %v", err)
		}
		if _, err := panicky.Wait(); !errors.As(err, &te) || te.Msg != "minus two" || !strings.Contains(te.Stack, "pool_test.go") {
			t.Errorf("a panicking task: %v", err)
		}
		if o, err := good.Wait(); err != nil || o.X != 9 {
			t.Errorf("a task after the failures: %v, %v", o, err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Submit(1); !errors.Is(err, pool.ErrClosed) {
			t.Errorf("Submit after Close: %v", err)
		}
		t.Logf("tasks per rank: %v", perRank)
	}, mpitest.Ranks(1, 2, 3, 4))
}

// Map over strings (any codec type), with one failing task: the error names
// the task and the rank, and the other outputs are there.
func TestPoolMapError(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		p, err := pool.Start(w, func(s string) ([]string, error) {
			if s == "bad" {
				return nil, fmt.Errorf("cannot split %q", s)
			}
			return strings.Split(s, ","), nil
		})
		if p == nil {
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		defer p.Close()
		outs, err := p.Map([]string{"a,b", "bad", "c"})
		var te *pool.TaskError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), "task 1") {
			t.Fatalf("Map with a failing task: %v", err)
		}
		if !slices.Equal(outs[0], []string{"a", "b"}) || !slices.Equal(outs[2], []string{"c"}) {
			t.Errorf("outputs %v", outs)
		}
	}, mpitest.Ranks(1, 3))
}
