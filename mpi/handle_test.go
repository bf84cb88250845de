package mpi_test

import (
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
	"github.com/mpigo/mpigo/mpi/internal/usercgo"
)

// TestEscapeHatch calls MPI from cgo code of its own (usercgo) over the
// binding's handles, and uses in Go what that C code made.
func TestEscapeHatch(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		// Go's communicator and op, used by C.
		sum, err := usercgo.AllreduceLong(w.Handle(), mpi.Sum.Handle(), int64(r+1))
		must(t, err)
		if sum != int64(p*(p+1)/2) {
			t.Errorf("C's Allreduce over World's handle: %d, want %d", sum, p*(p+1)/2)
		}
		// C's communicator, used by Go.
		h, err := usercgo.SplitParity(w.Handle())
		must(t, err)
		half, err := mpi.CommFromHandle(h)
		must(t, err)
		wantSize := (p + 1 - r%2) / 2 // ranks of this parity
		if half.Size() != wantSize || half.Rank() != r/2 {
			t.Errorf("C's split: size %d rank %d, want %d %d", half.Size(), half.Rank(), wantSize, r/2)
		}
		n := 0
		must(t, half.Allreduce(mpi.One(&r), mpi.One(&n), mpi.Max))
		if want := r%2 + 2*((p-1-r%2)/2); n != want {
			t.Errorf("Max of World ranks of parity %d: %d, want %d", r%2, n, want)
		}
		// Errors come back as values on a communicator from C too.
		wantClass(t, "Send to rank Size() over C's comm", half.Send(mpi.One(&r), half.Size(), 0), mpi.ErrRank)
		must(t, half.Free())

		// Go's datatype, read by C; C's datatype, used by Go.
		vec, err := mpi.Vector(3, 2, 4, mustType[int32](t))
		must(t, err)
		size, err := usercgo.TypeSize(vec.Handle())
		must(t, err)
		if size != 3*2*4 {
			t.Errorf("C's MPI_Type_size of Go's vector: %d, want 24", size)
		}
		ch, err := usercgo.EveryOtherInt(3)
		must(t, err)
		every, err := mpi.DatatypeFromHandle(ch)
		must(t, err)
		if every.Size() != 12 {
			t.Errorf("C's vector in Go: size %d, want 12", every.Size())
		}
		src := []int32{10, -1, 11, -1, 12}
		dst := make([]int32, 3)
		next, prev := (r+1)%p, (r+p-1)%p
		_, err = w.Sendrecv(mpi.Typed(src, every, 1), next, 3, mpi.Buf(dst), prev, 3)
		must(t, err)
		if dst[0] != 10 || dst[1] != 11 || dst[2] != 12 {
			t.Errorf("sent with C's datatype: %v, want [10 11 12]", dst)
		}
		_, err = w.Sendrecv(mpi.Typed(src[:4], every, 1), next, 4, mpi.Buf(dst), prev, 4)
		wantClass(t, "C's datatype laid past the end of its slice", err, mpi.ErrBuffer)
		must(t, every.Free())
		must(t, vec.Free())

		// Go's group, used by C; C's group, in Go.
		g, err := w.Group()
		must(t, err)
		gh, err := usercgo.GroupFirst(g.Handle())
		must(t, err)
		first, err := mpi.GroupFromHandle(gh)
		must(t, err)
		wantRank := mpi.Undefined
		if r == 0 {
			wantRank = 0
		}
		if first.Size() != 1 || first.Rank() != wantRank {
			t.Errorf("C's group of World's first rank: size %d rank %d", first.Size(), first.Rank())
		}
		must(t, first.Free())
		must(t, g.Free())
	}, mpitest.Ranks(1, 2, 3))
}

func mustType[T any](t *testing.T) *mpi.Datatype {
	t.Helper()
	d, err := mpi.TypeOf[T]()
	must(t, err)
	return d
}
