package mpi_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// A wait that lasts gives the core away (sched_yield) between polling
// rounds, so that a peer sharing the core can run (see yieldFirst in
// exec.go); a wait that ends at once does not. Every kind of wait: blocking
// Recv (staged and probed), a blocking Send waiting for its receiver, Probe,
// Request.Wait and WaitAll. Rank 1 keeps rank 0 waiting 3 ms each time.
func TestLongWaitGivesCoreAway(t *testing.T) {
	type wait struct {
		name       string
		wait, peer func(w *mpi.Comm, got []byte) error // rank 0 waits (into got); rank 1 makes it wait
		want       []byte                              // what rank 0 then holds (nil: nothing)
	}
	small, large := make([]byte, 100), make([]byte, 256<<10)
	fill(small, 1)
	fill(large, 2)
	recv := func(w *mpi.Comm, got []byte) error { _, err := w.Recv(mpi.Buf(got), mpi.AnySource, 0); return err }
	sendTo := func(dest int, b []byte) func(*mpi.Comm, []byte) error {
		return func(w *mpi.Comm, _ []byte) error { return w.Send(mpi.Buf(b), dest, 0) }
	}
	waits := []wait{
		{"Recv small", recv, sendTo(0, small), small},
		{"Recv large", recv, sendTo(0, large), large},
		{"Send large", sendTo(1, large), recv, nil},
		{"Probe", func(w *mpi.Comm, got []byte) error {
			if _, err := w.Probe(1, 0); err != nil {
				return err
			}
			return recv(w, got)
		}, sendTo(0, small), small},
		{"Wait", func(w *mpi.Comm, got []byte) error {
			r, err := w.Irecv(mpi.Buf(got), 1, 0)
			if err != nil {
				return err
			}
			_, err = r.Wait()
			return err
		}, sendTo(0, large), large},
		{"WaitAll", func(w *mpi.Comm, got []byte) error {
			half := len(got) / 2
			a, err := w.Irecv(mpi.Buf(got[:half]), 1, 0)
			if err != nil {
				return err
			}
			b, err := w.Irecv(mpi.Buf(got[half:]), 1, 1)
			if err != nil {
				return err
			}
			return mpi.WaitAll(a, b)
		}, func(w *mpi.Comm, _ []byte) error {
			half := len(large) / 2
			if err := w.Send(mpi.Buf(large[:half]), 0, 0); err != nil {
				return err
			}
			return w.Send(mpi.Buf(large[half:]), 0, 1)
		}, large},
	}
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		for _, c := range waits {
			got := make([]byte, len(c.want))
			if c.want == nil {
				got = make([]byte, len(large))
			}
			// A late peer: rank 1 acts once rank 0 has waited 3 ms, which a
			// second goroutine of rank 0 tells it. (Ranks past 1, in
			// multi-host runs, only take part in the barrier.)
			must(t, w.Barrier())
			token := make([]byte, 1)
			switch w.Rank() {
			case 0:
				told := make(chan error, 1)
				go func() {
					for mpi.Waiting() == 0 {
						time.Sleep(10 * time.Microsecond)
					}
					time.Sleep(3 * time.Millisecond)
					told <- w.Send(mpi.Buf(token), 1, 99)
				}()
				before := mpi.Yields()
				must(t, c.wait(w, got))
				must(t, <-told)
				if c.want != nil && !bytes.Equal(got, c.want) {
					t.Errorf("%s: received data differs from what was sent", c.name)
				}
				if n := mpi.Yields() - before; n == 0 {
					t.Errorf("%s: waited 3 ms without giving the core away", c.name)
				}
			case 1:
				_, err := w.Recv(mpi.Buf(token), 0, 99)
				must(t, err)
				must(t, c.peer(w, got))
			}
		}
		// A message already there: the wait ends at once, no yield.
		if w.Rank() == 1 {
			must(t, w.Send(mpi.Buf(small), 0, 0))
		}
		if w.Rank() == 0 {
			for arrived := false; !arrived; {
				_, ok, err := w.Iprobe(1, 0)
				must(t, err)
				arrived = ok
			}
			before := mpi.Yields()
			got := make([]byte, len(small))
			must(t, recv(w, got))
			if n := mpi.Yields() - before; n != 0 {
				t.Errorf("a receive of a message already there gave the core away %d times", n)
			}
		}
	}, mpitest.Ranks(2))
}
