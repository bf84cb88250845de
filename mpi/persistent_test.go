package mpi_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// A ring exchange repeated with the same persistent requests, staged (64 B)
// and pinned (64 KiB), started one by one and together.
func TestPersistent(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		for _, n := range []int{8, 8192} {
			send, recv := make([]int64, n), make([]int64, n)
			sq, err := w.SendInit(mpi.Buf(send), next, 5)
			must(t, err)
			rq, err := w.RecvInit(mpi.Buf(recv), prev, 5)
			must(t, err)
			for i := range 20 {
				fill(send, r*100+i)
				clear(recv)
				if i%2 == 0 {
					must(t, mpi.StartAll(rq, sq))
				} else {
					must(t, rq.Start())
					must(t, sq.Start())
				}
				must(t, mpi.WaitAll(sq, rq))
				st, err := rq.Wait() // completed: the same result again
				must(t, err)
				if st.Source != prev || st.Tag != 5 || st.Count() != n {
					t.Fatalf("%d int64s, start %d: status %+v (count %d), want source %d, tag 5, count %d", n, i, st, st.Count(), prev, n)
				}
				checkPattern(t, fmt.Sprintf("%d int64s, start %d", n, i), recv, prev*100+i)
			}
			must(t, sq.Free())
			must(t, rq.Free())
		}
	})
}

func TestPersistentErrors(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		buf := make([]byte, 8)
		_, err := w.SendInit(mpi.Buf(buf), p, 0)
		wantClass(t, "SendInit to rank Size()", err, mpi.ErrRank)
		_, err = w.RecvInit(mpi.Buf(buf), r, -5)
		wantClass(t, "RecvInit with tag -5", err, mpi.ErrTag)

		q, err := w.Irecv(mpi.Buf(buf), r, 9)
		must(t, err)
		wantClass(t, "Start of an Irecv", q.Start(), mpi.ErrRequest)
		wantClass(t, "Free of an Irecv", q.Free(), mpi.ErrRequest)
		must(t, q.Cancel())
		_, err = q.Wait()
		must(t, err)

		rq, err := w.RecvInit(mpi.Buf(buf), r, 9)
		must(t, err)
		if _, err := rq.Wait(); err != nil { // never started: nothing to wait for
			t.Fatalf("Wait of a persistent request never started: %v", err)
		}
		must(t, rq.Start())
		wantClass(t, "Start of an active request", rq.Start(), mpi.ErrRequest)
		wantClass(t, "StartAll listing a request twice", mpi.StartAll(rq, rq), mpi.ErrRequest)
		wantClass(t, "Free of an active request", rq.Free(), mpi.ErrRequest)
		must(t, rq.Cancel())
		st, err := rq.Wait()
		must(t, err)
		if !st.Cancelled() {
			t.Fatalf("cancelled persistent receive: status %+v, want cancelled", st)
		}
		must(t, rq.Free())
		wantClass(t, "Free twice", rq.Free(), mpi.ErrRequest)
		wantClass(t, "Start after Free", rq.Start(), mpi.ErrRequest)
		var nilReq *mpi.Request
		wantClass(t, "Start of nil", nilReq.Start(), mpi.ErrRequest)

		// To and from ProcNull: every start completes at once.
		sq, err := w.SendInit(mpi.Buf(buf), mpi.ProcNull, 0)
		must(t, err)
		rq, err = w.RecvInit(mpi.Buf(buf), mpi.ProcNull, 0)
		must(t, err)
		for range 2 {
			must(t, mpi.StartAll(sq, nil, rq))
			must(t, mpi.WaitAll(sq, rq))
			if st, err := rq.Wait(); err != nil || st.Source != mpi.ProcNull || st.Count() != 0 {
				t.Fatalf("persistent receive from ProcNull: %+v, %v", st, err)
			}
		}
		must(t, sq.Free())
		must(t, rq.Free())
	})
}

// A persistent receive into 16 bytes: a longer message is ErrTruncate with
// nothing written past the buffer, and the request then receives the next.
func TestPersistentTruncated(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		recv := make([]byte, 16+8) // the last 8 bytes must stay untouched
		for i := range recv {
			recv[i] = 0xEE
		}
		rq, err := w.RecvInit(mpi.Buf(recv[:16]), (r+p-1)%p, 4)
		must(t, err)
		for i, n := range []int{64, 16, 64 << 10, 10} {
			send := make([]byte, n)
			fill(send, i)
			must(t, rq.Start())
			sq, err := w.Isend(mpi.Buf(send), (r+1)%p, 4)
			must(t, err)
			st, err := rq.Wait()
			if n > 16 && (!errors.Is(err, mpi.ErrTruncate) || st.Bytes() != n) {
				t.Fatalf("%d bytes into 16: err %v, status %+v; want ErrTruncate", n, err, st)
			} else if n <= 16 && (err != nil || st.Bytes() != n) {
				t.Fatalf("%d bytes into 16: err %v, status %+v", n, err, st)
			}
			checkPattern(t, fmt.Sprintf("message %d (%d bytes)", i, n), recv[:min(n, 16)], i)
			for k, b := range recv[16:] {
				if b != 0xEE {
					t.Fatalf("%d bytes into 16: byte %d past the buffer was overwritten", n, 16+k)
				}
			}
			_, err = sq.Wait()
			must(t, err)
		}
		must(t, rq.Free())
	})
}
