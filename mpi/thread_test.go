package mpi_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// concurrentUse has goroutines of every rank use MPI at once: point-to-point
// in a ring (per-goroutine tags), a receive that only another goroutine of
// the same rank can satisfy (it deadlocks if a blocking call holds a lock or
// the serving thread while it waits), and collectives on per-goroutine
// communicators; with collectivesApart (ThreadSingle, where a blocking
// collective holds the lock) the collectives come after, one at a time.
func concurrentUse(t *testing.T, w *mpi.Comm, want mpi.ThreadLevel, collectivesApart bool) {
	if got := mpi.Provided(); got != want {
		t.Fatalf("provided %v, want %v", got, want)
	}
	r, p := w.Rank(), w.Size()
	const goroutines = 6
	comms := make([]*mpi.Comm, goroutines)
	for g := range comms {
		var err error
		comms[g], err = w.Dup()
		must(t, err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3*goroutines)
	for g := range goroutines {
		wg.Add(2)
		go func() { // ring traffic and collectives on its own communicator
			defer wg.Done()
			c := comms[g]
			send, recv := make([]int64, 3000), make([]int64, 3000)
			for i := range 20 {
				fill(send, r+g+i)
				rr, err := w.Irecv(mpi.Buf(recv), (r+p-1)%p, g)
				if err == nil {
					err = w.Send(mpi.Buf(send), (r+1)%p, g)
				}
				if err == nil {
					_, err = rr.Wait()
				}
				if err == nil && !collectivesApart {
					err = collectives(c, p)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() { // a receive from this same rank, sent by the goroutine below
			defer wg.Done()
			got := make([]int, 1)
			if _, err := w.Recv(mpi.Buf(got), r, 1000+g); err != nil {
				errs <- err
			} else if got[0] != g {
				errs <- fmt.Errorf("self message %d, want %d", got[0], g)
			}
		}()
	}
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Send(mpi.Buf([]int{g}), r, 1000+g); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, c := range comms {
		if collectivesApart {
			for range 20 {
				must(t, collectives(c, p))
			}
		}
		must(t, c.Free())
	}
}

// collectives runs an Allreduce and a Barrier over c, of p ranks.
func collectives(c *mpi.Comm, p int) error {
	var sum, one int64 = 0, 1
	if err := c.Allreduce(mpi.One(&one), mpi.One(&sum), mpi.Sum); err != nil {
		return err
	}
	if sum != int64(p) {
		return fmt.Errorf("Allreduce gave %d, want %d", sum, p)
	}
	return c.Barrier()
}

func TestThreadMultiple(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) { concurrentUse(t, w, mpi.ThreadMultiple, false) },
		mpitest.Ranks(2, 3))
}

func TestThreadSerialized(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) { concurrentUse(t, w, mpi.ThreadSerialized, false) },
		mpitest.Ranks(2, 3), mpitest.Thread(mpi.ThreadSerialized))
}

// Asked for ThreadSingle, the binding gets it (MPI takes no locks of its
// own) and serializes calls from any goroutine with its lock. Point-to-point
// waits poll, so goroutines still overlap there; a blocking collective is
// one blocking call that holds the lock (as at ThreadMultiple, without it).
func TestThreadSingleLocked(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		concurrentUse(t, w, mpi.ThreadSingle, true)
		if !mpi.BlockingCollectives() {
			t.Fatal("blocking collectives are polled nonblocking ones at ThreadSingle")
		}
	}, mpitest.Ranks(2, 3), mpitest.Thread(mpi.ThreadSingle))
}

// Asked for ThreadFunneled, the binding asks the library for
// ThreadSerialized (OpenMPI grants it) and serializes calls with its lock.
func TestThreadFunneledAsksForSerialized(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) { concurrentUse(t, w, mpi.ThreadSerialized, false) },
		mpitest.Ranks(2), mpitest.Thread(mpi.ThreadFunneled))
}

// Where the binding keeps to the letter of ThreadFunneled or ThreadSingle
// (as it does where the library lowered the level it asked for), every call
// runs on the thread that initialized MPI.
func TestThreadFunneled(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, _ *mpi.Comm) {
		concurrentUse(t, initExactly(t, mpi.ThreadFunneled), mpi.ThreadFunneled, false)
	},
		mpitest.Ranks(2, 3), mpitest.NoInit())
}

func TestThreadSingle(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, _ *mpi.Comm) {
		concurrentUse(t, initExactly(t, mpi.ThreadSingle), mpi.ThreadSingle, false)
	},
		mpitest.Ranks(2, 3), mpitest.NoInit())
}

// initExactly initializes MPI at exactly level (mpitest finalizes it) and returns the world.
func initExactly(t *testing.T, level mpi.ThreadLevel) *mpi.Comm {
	got, err := mpi.InitThreadExactly(level)
	must(t, err)
	if got != level {
		t.Fatalf("asked for exactly %v, got %v", level, got)
	}
	return mpi.World()
}
