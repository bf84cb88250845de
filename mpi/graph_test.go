package mpi_test

import (
	"slices"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// ringGraph is a ring of n nodes as GraphCreate takes it: node i's
// neighbours are i-1 and i+1 (one neighbour, the next, below 3 nodes).
func ringGraph(n int) (index, edges []int) {
	for i := range n {
		if n >= 3 {
			edges = append(edges, (i+n-1)%n)
		}
		edges = append(edges, (i+1)%n)
		index = append(index, len(edges))
	}
	return index, edges
}

// A graph topology: made, read back, asked for neighbours, and used by a
// neighbour collective, whose result each rank checks against the ring.
func TestGraphTopology(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		index, edges := ringGraph(p)
		g, err := w.GraphCreate(index, edges, false)
		must(t, err)
		defer g.Free()
		if top, err := g.Topology(); err != nil || top != mpi.TopoGraph {
			t.Fatalf("Topology = %v, %v; want TopoGraph", top, err)
		}
		gi, ge, err := g.Graph()
		must(t, err)
		if !slices.Equal(gi, index) || !slices.Equal(ge, edges) {
			t.Errorf("Graph() = %v %v, want %v %v", gi, ge, index, edges)
		}
		start := 0
		if r > 0 {
			start = index[r-1]
		}
		want := edges[start:index[r]]
		nbrs, err := g.GraphNeighbors(r)
		if err != nil || !slices.Equal(nbrs, want) {
			t.Errorf("GraphNeighbors(%d) = %v, %v; want %v", r, nbrs, err, want)
		}
		got := make([]int32, len(want))
		must(t, g.NeighborAllgather(mpi.Buf([]int32{int32(100 + r)}), mpi.Buf(got)))
		for i, n := range want {
			if got[i] != int32(100+n) {
				t.Fatalf("NeighborAllgather over the ring: %v from neighbours %v", got, want)
			}
		}
		_, err = g.GraphNeighbors(p)
		wantClass(t, "GraphNeighbors of a rank past the graph", err, mpi.ErrRank)
		_, _, err = w.Graph()
		wantClass(t, "Graph() of World", err, mpi.ErrComm)
		agreeOnArgErrors(t)
		_, err = w.GraphCreate([]int{1}, []int{5}, false)
		wantClass(t, "an edge to a node that does not exist", err, mpi.ErrRank)
		_, err = w.GraphCreate([]int{2, 1}, []int{0, 0}, false)
		wantClass(t, "an index that decreases", err, mpi.ErrArg)
	}, mpitest.Ranks(1, 2, 3, 4))
}

// CartMap and GraphMap: the ranks that get a place are exactly as many as
// the grid's nodes, each place once; the others get Undefined.
func TestTopologyMaps(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		p := w.Size()
		check := func(what string, mine, nodes int) {
			all := make([]int, p)
			must(t, w.Allgather(mpi.One(&mine), mpi.Buf(all)))
			var placed []int
			for _, x := range all {
				if x != mpi.Undefined {
					placed = append(placed, x)
				}
			}
			slices.Sort(placed)
			for i, x := range placed {
				if x != i || len(placed) != nodes {
					t.Fatalf("%s: the ranks' places %v; want each of 0…%d once, Undefined elsewhere", what, all, nodes-1)
				}
			}
		}
		for _, nodes := range []int{1, p} {
			r, err := w.CartMap([]int{nodes}, []bool{true})
			must(t, err)
			check("CartMap", r, nodes)
			index, edges := ringGraph(nodes)
			r, err = w.GraphMap(index, edges)
			must(t, err)
			check("GraphMap", r, nodes)
		}
		_, err := w.CartMap([]int{p + 1}, []bool{false})
		wantClass(t, "CartMap of a grid larger than the communicator", err, mpi.ErrArg)
	}, mpitest.Ranks(1, 2, 3))
}

// DistGraphCreate: rank 0 alone names every edge of a weighted ring; each
// rank then sees its own in- and out-edges with their weights, and a
// neighbour collective follows them.
func TestDistGraphCreate(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		var e mpi.Edges
		if r == 0 {
			e.Weights = [][]int{}
			for i := range p {
				e.Sources = append(e.Sources, i)
				e.Dests = append(e.Dests, []int{(i + 1) % p})
				e.Weights = append(e.Weights, []int{10 + i})
			}
		} else {
			e.Weights = [][]int{} // weighted, naming no edge
		}
		g, err := w.DistGraphCreate(e, false)
		must(t, err)
		defer g.Free()
		nb, err := g.Neighbors()
		must(t, err)
		prev, next := (r+p-1)%p, (r+1)%p
		if !slices.Equal(nb.Sources, []int{prev}) || !slices.Equal(nb.Dests, []int{next}) ||
			!slices.Equal(nb.SourceWeights, []int{10 + prev}) || !slices.Equal(nb.DestWeights, []int{10 + r}) {
			t.Errorf("rank %d's neighbourhood: %+v", r, nb)
		}
		got := make([]int32, 1)
		must(t, g.NeighborAllgather(mpi.Buf([]int32{int32(r)}), mpi.Buf(got)))
		if got[0] != int32(prev) {
			t.Errorf("NeighborAllgather over the ring: %d, want %d", got[0], prev)
		}
		agreeOnArgErrors(t)
		bad := mpi.Edges{Sources: []int{0}, Dests: [][]int{{p}}}
		_, err = w.DistGraphCreate(bad, false)
		wantClass(t, "an edge to a rank that does not exist", err, mpi.ErrRank)
		_, err = w.DistGraphCreate(mpi.Edges{Sources: []int{0}}, false)
		wantClass(t, "a source without its destination list", err, mpi.ErrArg)
	}, mpitest.Ranks(1, 2, 4))
}
