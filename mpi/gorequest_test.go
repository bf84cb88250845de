package mpi_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// A GoRequest completes with MPI's own requests: one WaitAll waits for a
// ring message and a computation; WaitAny picks the message while the work
// cannot end; the work's error, panic and cancellation come back from Wait.
// At every thread level: the work's completion calls MPI from its own
// goroutine while the rank's main goroutine waits in MPI.
func TestGoRequest(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		got := make([]int64, 1)
		recv, err := w.Irecv(mpi.Buf(got), prev, 1)
		must(t, err)
		sum := 0
		work, err := mpi.GoRequest(func(context.Context) error {
			time.Sleep(5 * time.Millisecond)
			for i := range 1000 {
				sum += i
			}
			return nil
		})
		must(t, err)
		send, err := w.Isend(mpi.Buf([]int64{int64(100 + r)}), next, 1)
		must(t, err)
		must(t, mpi.WaitAll(recv, work, send))
		st, err := work.Wait() // completed: the same outcome again
		if err != nil || sum != 499500 || got[0] != int64(100+prev) {
			t.Fatalf("after WaitAll: work %v (sum %d), message %d; want nil, 499500, %d", err, sum, got[0], 100+prev)
		}
		if st.Source != mpi.Undefined || st.Tag != mpi.Undefined || st.Count() != 0 || st.Cancelled() {
			t.Errorf("a GoRequest's Status: %+v", st)
		}

		// WaitAny: the work waits for a channel only this goroutine closes
		// after the message came, so the message must be what WaitAny returns.
		release := make(chan struct{})
		blocked, err := mpi.GoRequest(func(context.Context) error { <-release; return nil })
		must(t, err)
		recv, err = w.Irecv(mpi.Buf(got), prev, 2)
		must(t, err)
		must(t, w.Send(mpi.Buf([]int64{int64(200 + r)}), next, 2))
		i, _, err := mpi.WaitAny(blocked, recv)
		if err != nil || i != 1 || got[0] != int64(200+prev) {
			t.Fatalf("WaitAny(blocked work, message) = %d, %v (got %d); want 1, nil, %d", i, err, got[0], 200+prev)
		}
		if done, _, _ := blocked.Test(); done {
			t.Fatal("the blocked work's request completed before its work could end")
		}
		close(release)
		_, err = blocked.Wait()
		must(t, err)

		// The work's error, a panic, a cancellation.
		errWork := errors.New("the work failed")
		failed, err := mpi.GoRequest(func(context.Context) error { return errWork })
		must(t, err)
		if _, err := failed.Wait(); !errors.Is(err, errWork) {
			t.Errorf("Wait of a failed work: %v, want %v", err, errWork)
		}
		panicked, err := mpi.GoRequest(func(context.Context) error { panic("boom") })
		must(t, err)
		_, err = panicked.Wait()
		if !errors.Is(err, mpi.ErrOther) || !strings.Contains(err.Error(), "boom") {
			t.Errorf("Wait of a panicking work: %v, want ErrOther naming the panic", err)
		}
		endless, err := mpi.GoRequest(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
		must(t, err)
		must(t, endless.Cancel())
		st, err = endless.Wait()
		if !errors.Is(err, context.Canceled) || !st.Cancelled() {
			t.Errorf("Wait after Cancel: cancelled %v, %v; want true, context.Canceled", st.Cancelled(), err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		endless, err = mpi.GoRequest(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
		must(t, err)
		if st, err := endless.WaitContext(ctx); !errors.Is(err, context.DeadlineExceeded) || !st.Cancelled() {
			t.Errorf("WaitContext giving up on an endless work: cancelled %v, %v; want true, context.DeadlineExceeded", st.Cancelled(), err)
		}
		_, err = mpi.GoRequest(nil)
		wantClass(t, "GoRequest(nil)", err, mpi.ErrArg)
	}, mpitest.Ranks(1, 2, 4))
}

// A work still running at Finalize has its context cancelled, and does not
// call MPI when it returns (which would crash after MPI_Finalize).
func TestGoRequestAtFinalize(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		stopped := make(chan struct{})
		_, err := mpi.GoRequest(func(ctx context.Context) error {
			<-ctx.Done()
			time.Sleep(10 * time.Millisecond) // returns after Finalize
			close(stopped)
			return nil
		})
		must(t, err)
		must(t, mpi.Finalize())
		select {
		case <-stopped:
		case <-time.After(5 * time.Second):
			t.Fatal("Finalize did not cancel the running work's context")
		}
		time.Sleep(20 * time.Millisecond) // the work's return, after Finalize
		if _, err := mpi.GoRequest(func(context.Context) error { return nil }); !errors.Is(err, mpi.ErrFinalized) {
			t.Errorf("GoRequest after Finalize: %v, want ErrFinalized", err)
		}
	}, mpitest.Ranks(1, 2))
}

// Persistent buffered and ready sends: started three times each, each Start
// sending what the buffer holds then; without an attached buffer,
// BsendInit is ErrBuffer.
func TestPersistentModes(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		v := make([]int32, 4)
		_, err := w.BsendInit(mpi.Buf(v), next, 1)
		wantClass(t, "BsendInit with no buffer attached", err, mpi.ErrBuffer)
		must(t, mpi.AttachBuffer(3*(16+mpi.BsendOverhead())))
		bsend, err := w.BsendInit(mpi.Buf(v), next, 1)
		must(t, err)
		rsend, err := w.RsendInit(mpi.Buf(v), next, 2)
		must(t, err)
		got := make([]int32, 4)
		for round := range 3 {
			for i := range v {
				v[i] = int32(1000*round + 10*r + i)
			}
			must(t, bsend.Start())
			_, err := bsend.Wait() // the copy is made: v may change
			must(t, err)
			_, err = w.Recv(mpi.Buf(got), prev, 1)
			must(t, err)
			if got[0] != int32(1000*round+10*prev) || got[3] != int32(1000*round+10*prev+3) {
				t.Fatalf("round %d, buffered: %v from rank %d", round, got, prev)
			}
			// Ready mode: the receive is posted before anyone starts.
			recv, err := w.Irecv(mpi.Buf(got), prev, 2)
			must(t, err)
			must(t, w.Barrier())
			must(t, rsend.Start())
			must(t, mpi.WaitAll(rsend, recv))
			if got[0] != int32(1000*round+10*prev) {
				t.Fatalf("round %d, ready: %v from rank %d", round, got, prev)
			}
		}
		must(t, bsend.Free())
		must(t, rsend.Free())
		must(t, mpi.DetachBuffer())
	}, mpitest.Ranks(1, 2, 4))
}
