package mpi_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// A dist graph whose every rank lists the next rank twice as a source (and
// the one before twice as a destination): the k-th edge's block lands in
// the k-th block (blocks of 1 and 2 elements, so a misplaced one is short
// or truncated), in the blocking, nonblocking and persistent alltoallv and
// alltoallw, at every thread level. The libraries misplace such blocks in
// places of their own (dupedges.go); the binding must not. A plain
// NeighborAlltoall there is right, or refused on MPICH, which misplaces it.
func TestDistGraphRepeatedEdges(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		g, err := w.DistGraphCreateAdjacent(mpi.Neighborhood{Sources: []int{next, next}, Dests: []int{prev, prev}}, false)
		must(t, err)
		defer g.Free()
		send := []int32{int32(10 * r), int32(10*r + 1), int32(10*r + 2)} // block 0: [0,1), block 1: [1,3)
		want := []int32{int32(10 * next), int32(10*next + 1), int32(10*next + 2)}
		counts, displs := []int{1, 2}, []int{0, 1}
		v := func(recv []int32) error {
			return g.NeighborAlltoallv(mpi.Buf(send), counts, displs, mpi.Buf(recv), counts, displs)
		}
		iv := func(recv []int32) (*mpi.Request, error) {
			return g.IneighborAlltoallv(mpi.Buf(send), counts, displs, mpi.Buf(recv), counts, displs)
		}
		pv := func(recv []int32) (*mpi.Request, error) {
			return g.NeighborAlltoallvInit(mpi.Buf(send), counts, displs, mpi.Buf(recv), counts, displs)
		}
		wparts := func(s []int32) []mpi.Buffer { return []mpi.Buffer{mpi.Buf(s[:1]), mpi.Buf(s[1:])} }
		ww := func(recv []int32) error { return g.NeighborAlltoallw(wparts(send), wparts(recv)) }
		iw := func(recv []int32) (*mpi.Request, error) { return g.IneighborAlltoallw(wparts(send), wparts(recv)) }
		pw := func(recv []int32) (*mpi.Request, error) { return g.NeighborAlltoallwInit(wparts(send), wparts(recv)) }
		check := func(what string, recv []int32, err error) {
			t.Helper()
			must(t, err)
			if !slices.Equal(recv, want) {
				t.Fatalf("%s: %v, want %v (rank %d's blocks in edge order)", what, recv, want, next)
			}
		}
		for name, f := range map[string]func([]int32) error{"NeighborAlltoallv": v, "NeighborAlltoallw": ww} {
			recv := []int32{-1, -1, -1}
			check(name, recv, f(recv))
		}
		for name, f := range map[string]func([]int32) (*mpi.Request, error){"IneighborAlltoallv": iv, "IneighborAlltoallw": iw} {
			recv := []int32{-1, -1, -1}
			q, err := f(recv)
			must(t, err)
			_, err = q.Wait()
			check(name, recv, err)
		}
		for name, f := range map[string]func([]int32) (*mpi.Request, error){"NeighborAlltoallvInit": pv, "NeighborAlltoallwInit": pw} {
			recv := []int32{-1, -1, -1}
			q, err := f(recv)
			must(t, err)
			for i := range 2 {
				clear(recv)
				must(t, q.Start())
				_, err = q.Wait()
				check(fmt.Sprint(name, ", start ", i), recv, err)
			}
			must(t, q.Free())
		}

		v2, _ := mpi.LibraryVersion()
		recv := []int32{-1, -1}
		err = g.NeighborAlltoall(mpi.Buf(send[:2]), mpi.Buf(recv))
		if strings.Contains(v2, "MPICH") {
			if !errors.Is(err, mpi.ErrUnsupported) || !strings.Contains(err.Error(), "NeighborAlltoallv") {
				t.Fatalf("NeighborAlltoall over repeated edges on MPICH: %v; want ErrUnsupported pointing to NeighborAlltoallv", err)
			}
		} else {
			must(t, err)
			if recv[0] != want[0] || recv[1] != want[1] {
				t.Fatalf("NeighborAlltoall: %v, want %v", recv, want[:2])
			}
		}
	}, mpitest.Ranks(1, 2, 3))
}
