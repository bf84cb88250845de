package mpi_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// A partitioned ring: each rank sends 8 partitions of 1000 float64s to the
// next, one goroutine filling each (and in round 0 marking it with Pready;
// in rounds 1 and 2 all are marked after, by PreadyRange and PreadyList),
// while the receiver watches the
// partitions arrive with Parrived and then checks every element; 3 rounds
// on the same requests, at every thread level. On OpenMPI 4 the inits are
// the typed error.
func TestPartitioned(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		const parts, each = 8, 1000
		send, recv := make([]float64, parts*each), make([]float64, parts*each)
		if has, _ := libHasMPI4(t); !has {
			_, err := w.PsendInit(mpi.Buf(send), parts, next, 4)
			wantAbsent(t, "PsendInit", err, "MPI_Psend_init")
			_, err = w.PrecvInit(mpi.Buf(recv), parts, prev, 4)
			wantAbsent(t, "PrecvInit", err, "MPI_Precv_init")
			return
		}
		sq, err := w.PsendInit(mpi.Buf(send), parts, next, 4)
		must(t, err)
		rq, err := w.PrecvInit(mpi.Buf(recv), parts, prev, 4)
		must(t, err)
		if ok, err := rq.Parrived(3); !ok || err != nil {
			t.Errorf("Parrived before the first Start: %v, %v; want true (MPI: an inactive request's partitions have arrived)", ok, err)
		}
		for round := range 3 {
			clear(recv)
			must(t, mpi.StartAll(rq, sq))
			var wg sync.WaitGroup
			errs := make(chan error, parts)
			for k := range parts {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						send[k*each+i] = float64(r*1e6 + round*1e4 + k*each + i)
					}
					if round == 0 { // each goroutine marks its own
						errs <- sq.Pready(k)
					}
				}()
			}
			wg.Wait()
			switch round {
			case 1:
				must(t, sq.PreadyRange(4, 7))
				must(t, sq.PreadyRange(0, 3))
			case 2:
				must(t, sq.PreadyList([]int{7, 0, 6, 1, 5, 2, 4, 3}))
			}
			close(errs)
			for err := range errs {
				must(t, err)
			}
			seen := 0
			for seen < parts {
				seen = 0
				for k := range parts {
					ok, err := rq.Parrived(k)
					must(t, err)
					if ok {
						seen++
					}
				}
			}
			must(t, mpi.WaitAll(sq, rq))
			for k := range parts {
				for i := range each {
					if want := float64(prev*1e6 + round*1e4 + k*each + i); recv[k*each+i] != want {
						t.Fatalf("round %d: element %d of partition %d is %v, want %v", round, i, k, recv[k*each+i], want)
					}
				}
			}
		}
		must(t, sq.Free())
		must(t, rq.Free())
	})
}

// Misuse of partitioned requests is an error before MPI sees it.
func TestPartitionedErrors(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		if has, _ := libHasMPI4(t); !has {
			return // TestPartitioned checks the typed error
		}
		r := w.Rank()
		buf := make([]int32, 12)
		_, err := w.PsendInit(mpi.Buf(buf), 5, r, 1)
		wantClass(t, "PsendInit of 12 elements in 5 partitions", err, mpi.ErrArg)
		_, err = w.PsendInit(mpi.Buf(buf), 0, r, 1)
		wantClass(t, "PsendInit in 0 partitions", err, mpi.ErrArg)
		_, err = w.PrecvInit(mpi.Buf(buf), 4, mpi.AnySource, 1)
		wantClass(t, "PrecvInit from AnySource", err, mpi.ErrRank)
		_, err = w.PrecvInit(mpi.Buf(buf), 4, r, mpi.AnyTag)
		wantClass(t, "PrecvInit with AnyTag", err, mpi.ErrTag)
		_, err = w.PsendInit(mpi.Buf(buf), 4, w.Size(), 1)
		wantClass(t, "PsendInit to rank Size()", err, mpi.ErrRank)

		sq, err := w.PsendInit(mpi.Buf(buf), 4, r, 1)
		must(t, err)
		rq, err := w.PrecvInit(mpi.Buf(make([]int32, 12)), 3, r, 1) // 3 partitions of 4: the totals match
		must(t, err)
		wantClass(t, "Pready before Start", sq.Pready(0), mpi.ErrRequest)
		must(t, mpi.StartAll(sq, rq))
		wantClass(t, "Pready of partition 4 of 4", sq.Pready(4), mpi.ErrArg)
		wantClass(t, "Pready of partition -1", sq.Pready(-1), mpi.ErrArg)
		wantClass(t, "PreadyRange 2…1", sq.PreadyRange(2, 1), mpi.ErrArg)
		wantClass(t, "Pready on the receive", rq.Pready(0), mpi.ErrRequest)
		_, err = sq.Parrived(0)
		wantClass(t, "Parrived on the send", err, mpi.ErrRequest)
		_, err = rq.Parrived(3)
		wantClass(t, "Parrived of partition 3 of 3", err, mpi.ErrArg)
		must(t, sq.Pready(1))
		wantClass(t, "Pready of partition 1 twice", sq.Pready(1), mpi.ErrArg)
		wantClass(t, "PreadyList naming 1 again", sq.PreadyList([]int{0, 1}), mpi.ErrArg)
		must(t, sq.PreadyList([]int{0, 3})) // 0 was not marked by the refused list
		must(t, sq.PreadyRange(2, 2))
		must(t, mpi.WaitAll(sq, rq))
		wantClass(t, "Pready after the round completed", sq.Pready(0), mpi.ErrRequest)
		must(t, sq.Free())
		must(t, rq.Free())
		var q *mpi.Request
		err = q.Pready(0)
		if !errors.Is(err, mpi.ErrRequest) || !strings.Contains(err.Error(), "nil") {
			t.Errorf("Pready on a nil request: %v", err)
		}
		ir, _ := w.Irecv(mpi.Buf(make([]int32, 1)), r, 3)
		wantClass(t, "Pready on an Irecv", ir.Pready(0), mpi.ErrRequest)
		must(t, ir.Cancel())
		if st, err := ir.Wait(); err != nil || !st.Cancelled() {
			t.Errorf("the cancelled Irecv: %v, %+v", err, st)
		}
	})
}
