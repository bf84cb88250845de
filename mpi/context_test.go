package mpi_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// Receives and probes with a deadline give up with DeadlineExceeded and take
// nothing: the message sent afterwards is received whole by a plain Recv.
func TestRecvContextDeadline(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		peer := (w.Rank() + 1) % w.Size() // sends to me after the barrier
		from := (w.Rank() - 1 + w.Size()) % w.Size()
		buf := make([]int32, 4)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, err := w.RecvContext(ctx, mpi.Buf(buf), from, 5); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("RecvContext before any send: %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("RecvContext gave up after %v", d)
		}
		if _, err := w.ProbeContext(ctx, from, 5); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("ProbeContext: %v", err)
		}
		var v string
		if _, err := w.RecvValueContext(ctx, &v, from, 6); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("RecvValueContext: %v", err)
		}
		must(t, w.Barrier())
		out := []int32{1, 2, 3, int32(w.Rank())}
		q, err := w.Isend(mpi.Buf(out), peer, 5)
		must(t, err)
		qv, err := w.IsendValue("hello", peer, 6)
		must(t, err)
		st, err := w.RecvContext(context.Background(), mpi.Buf(buf), from, 5)
		must(t, err)
		if st.Count() != 4 || buf[3] != int32(from) {
			t.Errorf("after giving up, received %v (%d elements) from %d", buf, st.Count(), from)
		}
		if _, err := w.RecvValueContext(context.Background(), &v, from, 6); err != nil || v != "hello" {
			t.Errorf("RecvValueContext: %q, %v", v, err)
		}
		must(t, mpi.WaitAll(q, qv))
	}, mpitest.Ranks(1, 2, 3))
}

// WaitContext on a receive cancels it (Status.Cancelled) and the message sent
// afterwards is received by the next receive; on a send it says the send is
// still pending, which a later Wait completes.
func TestWaitContext(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r := w.Rank()
		for _, n := range []int{8, 100000} { // staged, and handed to MPI
			buf := make([]byte, n)
			q, err := w.Irecv(mpi.Buf(buf), r, 9) // from myself, sent later
			must(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			st, err := q.WaitContext(ctx)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) || !st.Cancelled() {
				t.Fatalf("%d B: WaitContext of a receive: %v (cancelled %v), want DeadlineExceeded", n, err, st.Cancelled())
			}
			out := make([]byte, n)
			out[n-1] = 7
			s, err := w.Isend(mpi.Buf(out), r, 9)
			must(t, err)
			_, err = w.Recv(mpi.Buf(buf), r, 9)
			must(t, err)
			_, err = s.Wait()
			must(t, err)
			if buf[n-1] != 7 {
				t.Fatalf("%d B: the message after the cancelled receive was not received whole", n)
			}
		}
		if w.Size() < 2 {
			return
		}
		// A synchronous send cannot complete before its receive is posted.
		if r == 0 {
			q, err := w.Issend(mpi.Buf([]byte{1, 2, 3}), 1, 10)
			must(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			_, err = q.WaitContext(ctx)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "cannot be cancelled") {
				t.Fatalf("WaitContext of a send: %v", err)
			}
			must(t, w.Barrier())
			_, err = q.Wait()
			must(t, err)
		} else {
			must(t, w.Barrier())
			if r == 1 {
				b := make([]byte, 3)
				_, err := w.Recv(mpi.Buf(b), 0, 10)
				must(t, err)
			}
		}
	}, mpitest.Ranks(1, 2))
}

// Many goroutines wait in RecvContext on tags of their own; one cancel ends
// them all at once, and every message sent afterwards is received.
func TestManyGoroutinesCancel(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		const g = 16
		from := (w.Rank() - 1 + w.Size()) % w.Size()
		peer := (w.Rank() + 1) % w.Size()
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		errs := make([]error, g)
		for i := range g {
			wg.Go(func() {
				var v int64
				_, errs[i] = w.RecvContext(ctx, mpi.One(&v), from, 100+i)
			})
		}
		time.Sleep(20 * time.Millisecond)
		start := time.Now()
		cancel()
		wg.Wait()
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("16 receives took %v to give up", d)
		}
		for i, err := range errs {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("goroutine %d: %v, want Canceled", i, err)
			}
		}
		must(t, w.Barrier())
		var reqs []*mpi.Request
		for i := range g {
			v := int64(i * 3)
			q, err := w.Isend(mpi.One(&v), peer, 100+i)
			must(t, err)
			reqs = append(reqs, q)
		}
		for i := range g {
			var v int64
			_, err := w.Recv(mpi.One(&v), from, 100+i)
			must(t, err)
			if v != int64(i*3) {
				t.Errorf("tag %d: %d", 100+i, v)
			}
		}
		must(t, mpi.WaitAll(reqs...))
	}, mpitest.Ranks(1, 2, 4))
}
