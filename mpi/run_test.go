package mpi_test

import (
	"errors"
	"testing"
	"time"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// A rank whose main function fails makes Run abort the whole job at once,
// with a message naming the rank, while the other ranks wait in a collective
// that the failed rank never joins: nothing hangs.
func TestRunAbortsJobOnError(t *testing.T) {
	start := time.Now()
	mpitest.Run(t, func(t *testing.T, _ *mpi.Comm) {
		mpi.Run(func(world *mpi.Comm) error {
			if world.Rank() == world.Size()-1 {
				return errors.New("boom")
			}
			return world.Barrier() // never completes: the last rank does not come
		})
	}, mpitest.NoInit(), mpitest.Ranks(1, 3), mpitest.Timeout(30*time.Second),
		mpitest.ExpectFailure("failed: boom"))
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the failed jobs took %v to end", d)
	}
}

func TestRunAbortsJobOnPanic(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, _ *mpi.Comm) {
		mpi.Run(func(world *mpi.Comm) error {
			if world.Rank() == 0 {
				var m map[string]int
				m["x"] = 1 // panics: assignment to a nil map
			}
			return world.Barrier()
		})
	}, mpitest.NoInit(), mpitest.Ranks(2), mpitest.Timeout(30*time.Second),
		mpitest.ExpectFailure("rank 0 of ", "failed: panic: assignment to entry in nil map"))
}
