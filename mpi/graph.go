package mpi

import "slices"

// Graph topologies (MPI_Graph_create and its queries), the general
// distributed graph (MPI_Dist_graph_create, where a rank may name any
// edges, not only its own), and the mapping queries (MPI_Cart_map,
// MPI_Graph_map).

// GraphCreate returns a communicator of c's first len(index) ranks with a
// graph topology (MPI_Graph_create), given as MPI gives it: node i's
// neighbours are edges[index[i-1]:index[i]] (from 0 for node 0). Ranks past
// the graph's nodes get nil. Collective over c, every rank passing the same
// graph; neighbour collectives then run over each node's neighbours.
func (c *Comm) GraphCreate(index, edges []int, reorder bool) (*Comm, error) {
	const op = "GraphCreate"
	err := c.checkIntraOnly(op)
	if err == nil {
		err = checkGraph(op, len(index), c.size, index, edges)
	}
	if err := c.enter(op, err); err != nil {
		return nil, err
	}
	h := commNull
	if err := mpiError(op, mpiGraphCreate(c.h, len(index), index, edges, reorder, &h)); err != nil {
		return nil, err
	}
	if h == commNull {
		return nil, nil
	}
	return newComm(h, false)
}

// checkGraph checks a graph of nodes nodes (at most size) as MPI takes it:
// index nondecreasing from 0, each edge a node.
func checkGraph(op string, nodes, size int, index, edges []int) error {
	if nodes == 0 || nodes > size {
		return errorf(ClassArg, op, "a graph of %d nodes over %d ranks: want 1–%d", nodes, size, size)
	}
	prev := 0
	for i, x := range index {
		if x < prev || x > len(edges) {
			return errorf(ClassArg, op, "index[%d] = %d: want nondecreasing, at most the %d edges", i, x, len(edges))
		}
		prev = x
	}
	if index[nodes-1] != len(edges) {
		return errorf(ClassArg, op, "index ends at %d but there are %d edges", index[nodes-1], len(edges))
	}
	for i, e := range edges {
		if e < 0 || e >= nodes {
			return errorf(ClassRank, op, "edge %d goes to node %d, outside the %d nodes", i, e, nodes)
		}
	}
	return nil
}

// Graph returns c's graph topology as GraphCreate took it (MPI_Graphdims_get,
// MPI_Graph_get); a communicator without one is ErrComm.
func (c *Comm) Graph() (index, edges []int, err error) {
	const op = "Graph"
	if err := c.hasTopology(op, TopoGraph); err != nil {
		return nil, nil, err
	}
	var nodes, nedges int
	if err := mpiError(op, mpiGraphdimsGet(c.h, &nodes, &nedges)); err != nil {
		return nil, nil, err
	}
	index, edges = make([]int, nodes+1), make([]int, nedges+1) // one spare each: no pointer to an empty array
	err = mpiError(op, mpiGraphGet(c.h, nodes, nedges, index, edges))
	return index[:nodes], edges[:nedges], err
}

// GraphNeighbors returns the neighbours of rank in c's graph topology
// (MPI_Graph_neighbors).
func (c *Comm) GraphNeighbors(rank int) ([]int, error) {
	const op = "GraphNeighbors"
	if err := c.hasTopology(op, TopoGraph); err != nil {
		return nil, err
	}
	if err := c.checkRank(op, "rank", rank, false); err != nil || rank == ProcNull {
		if err == nil {
			err = errorf(ClassRank, op, "ProcNull has no neighbours")
		}
		return nil, err
	}
	nbrs, rc := rawGraphNeighbors(c.h, rank)
	return nbrs, mpiError(op, rc)
}

// hasTopology checks that c has topology t.
func (c *Comm) hasTopology(op string, t Topology) error {
	if err := c.check(op); err != nil {
		return err
	}
	got, rc := rawTopology(c.h)
	if err := mpiError(op, rc); err != nil {
		return err
	}
	if got != t {
		return errorf(ClassComm, op, "communicator has topology %v, not %v", got, t)
	}
	return nil
}

// CartMap returns the rank this rank would have in a Cartesian topology of
// dims over c (MPI_Cart_map): what CartCreate with reorder would choose,
// or Undefined for a rank outside the grid.
func (c *Comm) CartMap(dims []int, periods []bool) (int, error) {
	const op = "CartMap"
	if err := c.checkCart(op, dims, periods); err != nil {
		return Undefined, err
	}
	var r int
	if err := mpiError(op, mpiCartMap(c.h, len(dims), dims, bools(periods), &r)); err != nil {
		return Undefined, err
	}
	nodes := 1
	for _, d := range dims {
		nodes *= d // at most c.size: checkCart
	}
	return placeOf(r, nodes), nil
}

// GraphMap is CartMap for a graph topology as GraphCreate takes it (MPI_Graph_map).
func (c *Comm) GraphMap(index, edges []int) (int, error) {
	const op = "GraphMap"
	err := c.checkIntraOnly(op)
	if err == nil {
		err = checkGraph(op, len(index), c.size, index, edges)
	}
	if err != nil {
		return Undefined, err
	}
	var r int
	if err := mpiError(op, mpiGraphMap(c.h, len(index), index, edges, &r)); err != nil {
		return Undefined, err
	}
	return placeOf(r, len(index)), nil
}

// placeOf is a rank's place in a topology of nodes nodes, as MPI_Cart_map
// or MPI_Graph_map returned it: Undefined for MPI_UNDEFINED, and for any
// place past the nodes, which OpenMPI 4.1 returns (a rank outside the grid
// gets its own rank; measured in C, 3 ranks, a grid of 1; MPICH 4.0 says
// MPI_UNDEFINED).
func placeOf(r, nodes int) int {
	if r == mpiUndefined || r < 0 || r >= nodes {
		return Undefined
	}
	return r
}

// Edges are edges of a distributed graph that one rank names
// (DistGraphCreate): Sources[i] sends to each of Dests[i], with
// Weights[i] (nil for an unweighted graph).
type Edges struct {
	Sources []int
	Dests   [][]int
	Weights [][]int
}

// DistGraphCreate returns a communicator of c's ranks with a distributed
// graph topology made of the edges every rank names
// (MPI_Dist_graph_create): unlike DistGraphCreateAdjacent, a rank may name
// any edges, and each lands at its two ends (one rank, say, can name them
// all). Collective over c; every rank passes weights or none does.
func (c *Comm) DistGraphCreate(e Edges, reorder bool) (*Comm, error) {
	const op = "DistGraphCreate"
	err := c.checkIntraOnly(op)
	weighted := e.Weights != nil
	var degrees, dests, weights []int
	if err == nil && (len(e.Dests) != len(e.Sources) || weighted && len(e.Weights) != len(e.Sources)) {
		err = errorf(ClassArg, op, "%d sources, %d destination lists, %d weight lists", len(e.Sources), len(e.Dests), len(e.Weights))
	}
	for i := range e.Sources {
		if err != nil {
			break
		}
		if weighted && len(e.Weights[i]) != len(e.Dests[i]) {
			err = errorf(ClassArg, op, "source %d: %d destinations with %d weights", i, len(e.Dests[i]), len(e.Weights[i]))
			break
		}
		nb := Neighborhood{Sources: []int{e.Sources[i]}, Dests: e.Dests[i]}
		if weighted {
			nb.SourceWeights, nb.DestWeights = []int{0}, e.Weights[i]
		}
		err = c.checkNeighborhood(op, nb)
		degrees = append(degrees, len(e.Dests[i]))
		dests = append(dests, e.Dests[i]...)
		if weighted {
			weights = append(weights, e.Weights[i]...)
		}
	}
	if err == nil && len(dests) > maxCount {
		err = errorf(ClassCount, op, "%d edges: over 2^31-1", len(dests))
	}
	if err := c.enter(op, err); err != nil {
		return nil, err
	}
	h, rc := rawDistGraphCreate(c.h, slices.Clone(e.Sources), degrees, dests, weights, weighted, reorder)
	if err := mpiError(op, rc); err != nil {
		return nil, err
	}
	return newComm(h, false)
}
