package mpi_test

import (
	"math"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// Bounds checks whose arithmetic would overflow in int64: each is refused
// before MPI reads or writes outside the slice (it used to segfault in
// MPI_Pack, or read past the slice).
func TestBoundsOverflow(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		f64 := mustType[float64](t)
		data := make([]float64, 8)
		out := make([]byte, 1<<10)
		for _, extent := range []int64{math.MinInt64 / 2, math.MinInt64 + 8, -1 << 40, math.MaxInt64 / 2, math.MaxInt64} {
			wild, err := mpi.Resized(f64, 0, extent)
			if err != nil {
				continue // the library refused it: nothing to check
			}
			for _, count := range []int{2, 3, math.MaxInt32} {
				_, err := mpi.Pack(mpi.Typed(data, wild, count), out, 0, w)
				wantClass(t, "Pack of a Typed buffer whose extent overflows", err, mpi.ErrBuffer)
			}
			must(t, wild.Free())
		}
		// Typed without a Datatype is no Buf: it must not pass for count elements of the slice.
		_, err := mpi.Pack(mpi.Typed(data, nil, 1000), out, 0, w)
		wantClass(t, "Pack of Typed(slice, nil, count)", err, mpi.ErrType)
		wantClass(t, "Send of Typed(slice, nil, count)", w.Send(mpi.Typed(data, nil, 1000), w.Rank(), 0), mpi.ErrType)

		// A window displacement whose byte offset overflows.
		// Over Self: OpenMPI 4.1 makes it at every level and across hosts (winJobs).
		win, _, err := mpi.WinAllocate[float64](mpi.Self(), 8)
		must(t, err)
		must(t, win.Fence())
		for _, disp := range []int{math.MaxInt64 / 8, math.MaxInt64/8 + 1, math.MaxInt64} {
			wantClass(t, "Put at an overflowing displacement", win.Put(mpi.Buf(data[:1]), 0, disp), mpi.ErrArg)
		}
		must(t, win.Fence())
		must(t, win.Free())
	}, mpitest.Ranks(1, 2))
}
