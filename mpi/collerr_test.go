package mpi_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// By default a collective whose arguments fail on one rank only aborts the
// job, saying which rank, call and argument, while the others wait in the
// collective: the job ends instead of hanging.
func TestArgErrorAborts(t *testing.T) {
	start := time.Now()
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		root := w.Size() - 1
		send := make([]float64, 2*w.Size())
		if w.Rank() == root {
			send = send[:2*w.Size()-1] // short: the root alone can tell
		}
		part := make([]float64, 2)
		err := w.Scatter(mpi.Buf(send), mpi.Buf(part), root)
		t.Errorf("Scatter returned %v on rank %d; the job should have been aborted", err, w.Rank())
	}, mpitest.Ranks(2, 3), mpitest.Timeout(30*time.Second),
		mpitest.ExpectFailure("mpigo: rank ", "mpi: Scatter: ", "the job is aborted", "AgreeOnArgErrors"))
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the aborted jobs took %v to end", d)
	}
}

// On a communicator of one rank nobody waits: the error is returned.
func TestArgErrorReturnedAlone(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		if mpi.SetCollectiveErrors(mpi.AbortOnArgError) != mpi.AbortOnArgError {
			t.Error("the default is not AbortOnArgError")
		}
		x := []int{1, 2}
		wantClass(t, "Allreduce over Self, lengths differ", mpi.Self().Allreduce(mpi.Buf(x), mpi.Buf(x[:1]), mpi.Sum), mpi.ErrBuffer)
		wantClass(t, "Bcast over Self, root 1", mpi.Self().Bcast(mpi.Buf(x), 1), mpi.ErrRoot)
		// Errors that every rank sees alike are returned at any size.
		var freed *mpi.Comm
		wantClass(t, "Barrier on a nil Comm", freed.Barrier(), mpi.ErrComm)
		must(t, w.Barrier())
	}, mpitest.Ranks(1, 3))
}

// With AgreeOnArgErrors a bad argument on one rank is an error on every
// rank, of the class found there and naming that rank; nobody entered the
// collective, so the next one works.
func TestArgErrorsAgreed(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		mpi.SetCollectiveErrors(mpi.AgreeOnArgErrors)
		r, p := w.Rank(), w.Size()
		root := p - 1
		for _, nonblocking := range []bool{false, true} {
			send := make([]float64, 2*p)
			if r == root {
				send = send[:2*p-1]
			}
			part := make([]float64, 2)
			var err error
			if nonblocking {
				var req *mpi.Request
				req, err = w.Iscatter(mpi.Buf(send), mpi.Buf(part), root)
				if req != nil {
					t.Error("Iscatter returned a request with its error")
				}
			} else {
				err = w.Scatter(mpi.Buf(send), mpi.Buf(part), root)
			}
			wantClass(t, "Scatter with a short send buffer at the root", err, mpi.ErrBuffer)
			if err != nil && r != root && !strings.Contains(err.Error(), "rank "+strconv.Itoa(root)) {
				t.Errorf("the error at a non-root does not name the root: %v", err)
			}
		}
		// A rank-dependent root: ranks pass different roots, one out of range.
		x := []int{r}
		bad := 0
		if r == 0 {
			bad = p // out of range at rank 0 only
		}
		wantClass(t, "Bcast with root Size() at rank 0 only", w.Bcast(mpi.Buf(x), bad), mpi.ErrRoot)
		// The worst class wins where ranks disagree on several.
		y := make([]int, 2)
		switch {
		case r == 0:
			err := w.Allreduce(mpi.Buf(y), mpi.Buf(y[:1]), mpi.Sum)
			wantClass(t, "Allreduce, lengths differ at rank 0", err, mpi.ErrBuffer)
		default:
			err := w.Allreduce(mpi.Buf(y), mpi.Buf(y), mpi.Sum)
			if p > 1 {
				wantClass(t, "Allreduce at the ranks whose arguments passed", err, mpi.ErrBuffer)
			} else {
				must(t, err)
			}
		}
		// Nothing was entered: the next collective works.
		sum := 0
		must(t, w.Allreduce(mpi.One(&r), mpi.One(&sum), mpi.Sum))
		if sum != p*(p-1)/2 {
			t.Errorf("Allreduce after the agreed errors: %d, want %d", sum, p*(p-1)/2)
		}
		// Collective constructors agree too.
		dims := []int{p}
		if r == 0 {
			dims = []int{p + 1}
		}
		_, err := w.CartCreate(dims, []bool{false}, false)
		wantClass(t, "CartCreate with too many ranks at rank 0", err, mpi.ErrArg)
		if mpi.SetCollectiveErrors(mpi.AbortOnArgError) != mpi.AgreeOnArgErrors {
			t.Error("SetCollectiveErrors did not return the previous setting")
		}
	}, mpitest.Ranks(1, 2, 3, 4))
}

// Over an intercommunicator the verdict crosses to both groups.
func TestArgErrorsAgreedIntercomm(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		mpi.SetCollectiveErrors(mpi.AgreeOnArgErrors)
		r, p := w.Rank(), w.Size()
		low := r < p/2
		color, leader := 1, 0
		if low {
			color, leader = 0, p/2
		}
		half, err := w.Split(color, r)
		must(t, err)
		ic, err := half.IntercommCreate(0, w, leader, 7)
		must(t, err)
		in, out := []int{r, r}, []int{0, 0}
		recv := out
		if r == p-1 { // the last rank of the high group
			recv = out[:1]
		}
		err = ic.Allreduce(mpi.Buf(in), mpi.Buf(recv), mpi.Sum)
		wantClass(t, "intercomm Allreduce with a short buffer on one rank", err, mpi.ErrBuffer)
		must(t, ic.Allreduce(mpi.Buf(in), mpi.Buf(out), mpi.Sum))
		must(t, ic.Free())
		must(t, half.Free())
	}, mpitest.Ranks(2, 3, 4))
}
