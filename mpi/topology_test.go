package mpi_test

import (
	"slices"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

func TestDimsCreate(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		for _, c := range []struct {
			nodes int
			in    []int
		}{{12, []int{0, 0}}, {12, []int{0, 0, 0}}, {7, []int{0, 0}}, {6, []int{0, 3}}, {16, []int{2, 0, 0}}} {
			got, err := mpi.DimsCreate(c.nodes, c.in)
			must(t, err)
			prod := 1
			for i, d := range got {
				prod *= d
				if c.in[i] != 0 && d != c.in[i] {
					t.Errorf("DimsCreate(%d, %v) = %v changed a fixed dimension", c.nodes, c.in, got)
				}
			}
			if prod != c.nodes {
				t.Errorf("DimsCreate(%d, %v) = %v: product %d", c.nodes, c.in, got, prod)
			}
		}
		got, err := mpi.DimsCreate(12, []int{0, 0})
		must(t, err)
		if !slices.Equal(got, []int{4, 3}) {
			t.Errorf("DimsCreate(12, [0 0]) = %v, want [4 3]", got)
		}
		_, err = mpi.DimsCreate(10, []int{3, 0})
		wantClass(t, "fixed dims that do not divide", err, mpi.ErrArg)
		_, err = mpi.DimsCreate(4, []int{-1})
		wantClass(t, "negative dim", err, mpi.ErrArg)
		_, err = mpi.DimsCreate(0, []int{0})
		wantClass(t, "no nodes", err, mpi.ErrArg)
	})
}

// mod is x modulo n, in [0, n).
func mod(x, n int) int { return ((x % n) + n) % n }

// TestCart builds 2D grids, periodic in one dimension, and checks
// coordinates, ranks, shifts, sub-grids and neighbour collectives against
// what the grid's arithmetic says.
func TestCart(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t) // its bad calls are made on every rank, or on some only
		p := w.Size()
		dims, err := mpi.DimsCreate(p, []int{0, 0})
		must(t, err)
		periods := []bool{true, false}
		k, err := w.CartCreate(dims, periods, false)
		must(t, err)
		if topo, _ := k.Topology(); topo != mpi.TopoCart {
			t.Fatalf("Topology %v, want TopoCart", topo)
		}
		r := k.Rank()
		coords := k.Coords()
		if want := []int{r / dims[1], r % dims[1]}; !slices.Equal(coords, want) { // row-major, no reorder
			t.Fatalf("rank %d at %v, want %v", r, coords, want)
		}
		for q := range p {
			c, err := k.CoordsOf(q)
			must(t, err)
			back, err := k.RankOf(c)
			must(t, err)
			if back != q {
				t.Fatalf("RankOf(CoordsOf(%d)) = %d", q, back)
			}
		}
		rankAt := func(x, y int) int {
			if y < 0 || y >= dims[1] {
				return mpi.ProcNull
			}
			return mod(x, dims[0])*dims[1] + y
		}
		for d := range 2 {
			for _, disp := range []int{1, -1, 2} {
				src, dst, err := k.Shift(d, disp)
				must(t, err)
				x, y := coords[0], coords[1]
				var ws, wd int
				if d == 0 {
					ws, wd = rankAt(x-disp, y), rankAt(x+disp, y)
				} else {
					ws, wd = rankAt(x, y-disp), rankAt(x, y+disp)
				}
				if src != ws || dst != wd {
					t.Fatalf("Shift(%d, %d) at %v = (%d, %d), want (%d, %d)", d, disp, coords, src, dst, ws, wd)
				}
			}
		}
		wrapped, err := k.RankOf([]int{coords[0] + dims[0], coords[1]})
		must(t, err)
		if wrapped != r {
			t.Errorf("a periodic coordinate did not wrap: %d", wrapped)
		}
		_, err = k.RankOf([]int{0, dims[1]})
		wantClass(t, "RankOf past a non-periodic edge", err, mpi.ErrArg)
		_, _, err = k.Shift(2, 1)
		wantClass(t, "Shift in dimension 2 of 2", err, mpi.ErrArg)

		// Rows: the ranks with this x.
		row, err := k.Sub([]bool{false, true})
		must(t, err)
		if row.Size() != dims[1] || !slices.Equal(row.Dims(), []int{dims[1]}) || row.Rank() != coords[1] {
			t.Fatalf("row: size %d dims %v rank %d, want %d, [%d], %d", row.Size(), row.Dims(), row.Rank(), dims[1], dims[1], coords[1])
		}
		sum := 0
		must(t, row.Allreduce(mpi.One(&r), mpi.One(&sum), mpi.Sum))
		if want := dims[1]*coords[0]*dims[1] + dims[1]*(dims[1]-1)/2; sum != want {
			t.Fatalf("sum over a row %d, want %d", sum, want)
		}

		// Neighbour collectives: 4 neighbours, each -1 then +1 per dimension.
		nb, err := k.Neighbors()
		must(t, err)
		wantNb := []int{rankAt(coords[0]-1, coords[1]), rankAt(coords[0]+1, coords[1]), rankAt(coords[0], coords[1]-1), rankAt(coords[0], coords[1]+1)}
		if !slices.Equal(nb.Sources, wantNb) || !slices.Equal(nb.Dests, wantNb) {
			t.Fatalf("Neighbors %v, want %v", nb, wantNb)
		}
		got := []int{-5, -5, -5, -5}
		must(t, k.NeighborAllgather(mpi.One(&r), mpi.Buf(got)))
		for i, s := range wantNb {
			if want := s; s == mpi.ProcNull && got[i] != -5 || s != mpi.ProcNull && got[i] != want {
				t.Fatalf("NeighborAllgather part %d from %d: %d", i, s, got[i])
			}
		}
		// Alltoall: what goes to neighbour j is 10*rank+j; from source i
		// arrives what it sent in the opposite direction (i xor 1).
		send := make([]int, 8)
		for j := range 4 {
			send[2*j], send[2*j+1] = 10*r+j, -(10*r + j)
		}
		for _, nonblocking := range []bool{false, true} {
			recv := slices.Repeat([]int{-5}, 8)
			if nonblocking {
				req, err := k.IneighborAlltoall(mpi.Buf(send), mpi.Buf(recv))
				must(t, err)
				_, err = req.Wait()
				must(t, err)
			} else {
				must(t, k.NeighborAlltoall(mpi.Buf(send), mpi.Buf(recv)))
			}
			for i, s := range wantNb {
				want := []int{10*s + (i ^ 1), -(10*s + (i ^ 1))}
				if s == mpi.ProcNull {
					want = []int{-5, -5}
				}
				if !slices.Equal(recv[2*i:2*i+2], want) {
					t.Errorf("NeighborAlltoall (nonblocking %v) on %v grid: part %d from %d: %v, want %v", nonblocking, dims, i, s, recv[2*i:2*i+2], want)
				}
			}
		}
		wantClass(t, "NeighborAllgather into 3 parts", k.NeighborAllgather(mpi.One(&r), mpi.Buf(make([]int, 3))), mpi.ErrBuffer)
		wantClass(t, "NeighborAllgather on World", w.NeighborAllgather(mpi.One(&r), mpi.Buf(make([]int, 4))), mpi.ErrComm)
		_, err = w.CartCreate([]int{p + 1}, []bool{false}, false)
		wantClass(t, "a grid larger than the communicator", err, mpi.ErrArg)
		_, err = w.CartCreate([]int{p}, nil, false)
		wantClass(t, "no periods", err, mpi.ErrArg)

		// A grid of fewer ranks leaves the others out; a Dup stays a Cart.
		small, err := w.CartCreate([]int{1}, []bool{false}, true)
		must(t, err)
		if (small == nil) != (w.Rank() != 0) {
			t.Fatalf("rank %d: 1-rank grid %v", w.Rank(), small)
		}
		d, err := k.Dup()
		must(t, err)
		dk, err := d.AsCart()
		must(t, err)
		if !slices.Equal(dk.Dims(), dims) || !slices.Equal(dk.Periods(), periods) {
			t.Errorf("Dup of a Cart: dims %v periods %v", dk.Dims(), dk.Periods())
		}
		_, err = w.AsCart()
		wantClass(t, "World as a Cart", err, mpi.ErrComm)
		for _, c := range []*mpi.Comm{d, row.Comm, k.Comm} {
			must(t, c.Free())
		}
		if small != nil {
			must(t, small.Free())
		}
	})
}

// TestDistGraph makes a weighted directed ring (each rank sends to the next
// two) and runs the neighbour collectives over it.
func TestDistGraph(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t) // its bad calls are made on every rank, or on some only
		r, p := w.Rank(), w.Size()
		nb := mpi.Neighborhood{
			Sources: []int{mod(r-1, p), mod(r-2, p)}, SourceWeights: []int{1, 2},
			Dests: []int{mod(r+1, p), mod(r+2, p)}, DestWeights: []int{1, 2},
		}
		g, err := w.DistGraphCreateAdjacent(nb, false)
		must(t, err)
		defer g.Free()
		if topo, _ := g.Topology(); topo != mpi.TopoDistGraph {
			t.Fatalf("Topology %v", topo)
		}
		got, err := g.Neighbors()
		must(t, err)
		if !slices.Equal(got.Sources, nb.Sources) || !slices.Equal(got.Dests, nb.Dests) || !slices.Equal(got.SourceWeights, nb.SourceWeights) {
			t.Fatalf("Neighbors %+v, want %+v", got, nb)
		}
		from := make([]int32, 2)
		must(t, g.NeighborAllgather(mpi.One(&[]int32{int32(r)}[0]), mpi.Buf(from)))
		if !slices.Equal(from, []int32{int32(mod(r-1, p)), int32(mod(r-2, p))}) {
			t.Fatalf("NeighborAllgather %v", from)
		}
		// Allgatherv with a gap between the parts.
		gv := []int32{-1, -1, -1, -1}
		must(t, g.NeighborAllgatherv(mpi.One(&[]int32{int32(r)}[0]), mpi.Buf(gv), []int{1, 1}, []int{3, 0}))
		if !slices.Equal(gv, []int32{int32(mod(r-2, p)), -1, -1, int32(mod(r-1, p))}) {
			t.Fatalf("NeighborAllgatherv %v", gv)
		}
		// Alltoallv: 1 element to the next rank, 2 to the one after.
		send := []float64{float64(r), float64(r) + 0.5, float64(r) + 0.75}
		recv := make([]float64, 3)
		must(t, g.NeighborAlltoallv(mpi.Buf(send), []int{1, 2}, []int{0, 1}, mpi.Buf(recv), []int{1, 2}, []int{0, 1}))
		a, b := float64(mod(r-1, p)), float64(mod(r-2, p))
		if !slices.Equal(recv, []float64{a, b + 0.5, b + 0.75}) {
			t.Fatalf("NeighborAlltoallv %v", recv)
		}
		// Alltoallw: a column of a matrix to each destination, received as a row.
		f64, _ := mpi.TypeOf[float64]()
		col, err := mpi.Vector(3, 1, 2, f64)
		must(t, err)
		defer col.Free()
		m := matrix(3, 2, r)
		rows := make([]float64, 6)
		req, err := g.IneighborAlltoallw([]mpi.Buffer{mpi.Typed(m, col, 1), mpi.Typed(m[1:], col, 1)},
			[]mpi.Buffer{mpi.Buf(rows[:3]), mpi.Buf(rows[3:])})
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		pa, pb := matrix(3, 2, mod(r-1, p)), matrix(3, 2, mod(r-2, p))
		if want := []float64{pa[0], pa[2], pa[4], pb[1], pb[3], pb[5]}; !slices.Equal(rows, want) {
			t.Fatalf("NeighborAlltoallw %v, want %v", rows, want)
		}
		_, err = w.DistGraphCreateAdjacent(mpi.Neighborhood{Sources: []int{p}}, false)
		wantClass(t, "neighbour out of range", err, mpi.ErrRank)
		_, err = w.DistGraphCreateAdjacent(mpi.Neighborhood{Sources: []int{0}, SourceWeights: []int{1, 2}}, false)
		wantClass(t, "weights of the wrong length", err, mpi.ErrArg)
		wantClass(t, "Alltoallw with 1 part of 2", g.NeighborAlltoallw([]mpi.Buffer{mpi.Buf(send)}, []mpi.Buffer{mpi.Buf(recv), mpi.Buf(recv)}), mpi.ErrBuffer)
	})
}
