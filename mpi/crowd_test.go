package mpi_test

import (
	"testing"
	"time"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// A goroutine that calls MPI while another goroutine's call is still in C
// first waits for that call to end, for at most CrowdWait, so that threads
// do not pile up inside MPI (see crowded in exec.go).
func TestCallWaitsWhileAnotherIsInC(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		// The other call never ends while this one waits: it waits it out.
		release := mpi.OccupyC()
		start := time.Now()
		_, _, err := w.Iprobe(mpi.AnySource, 0)
		waited := time.Since(start)
		release()
		must(t, err)
		if waited < mpi.CrowdWait() {
			t.Errorf("Iprobe made while another call was in C returned after %v, want it to wait %v for that call", waited, mpi.CrowdWait())
		}

		// The other call ends while this one (most likely) waits: it goes
		// ahead, counted in C once, and out again when it returns.
		release = mpi.OccupyC()
		done := make(chan error)
		go func() {
			_, _, err := w.Iprobe(mpi.AnySource, 0)
			done <- err
		}()
		time.Sleep(mpi.CrowdWait() / 4)
		release()
		must(t, <-done)
		if n, w := mpi.InC(), mpi.Wanting(); n != 0 || w != 0 {
			t.Errorf("after every call returned: %d goroutines counted in C and %d waiting to enter, want 0 and 0", n, w)
		}

		// Without a call in C, a call does not wait: many in a row, then none counted.
		for range 1000 {
			_, _, err := w.Iprobe(mpi.AnySource, 0)
			must(t, err)
		}
		if n := mpi.InC(); n != 0 {
			t.Errorf("%d goroutines counted in C after 1000 calls, want 0", n)
		}
	}, mpitest.Ranks(1))
}
