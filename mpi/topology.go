package mpi

import "slices"

// Process topologies: communicators that know how their ranks are laid out
// (a Cartesian grid, or a graph of who talks to whom), so that MPI can place
// neighbours close together (reorder) and the neighbour collectives exchange
// with each rank's neighbours only.

// Topology is the kind of topology a communicator has (MPI_Topo_test).
type Topology int

const (
	TopoNone      Topology = iota // MPI_UNDEFINED: no topology
	TopoCart                      // MPI_CART
	TopoGraph                     // MPI_GRAPH
	TopoDistGraph                 // MPI_DIST_GRAPH
)

// Topology returns the kind of c's topology (MPI_Topo_test).
func (c *Comm) Topology() (Topology, error) {
	if err := c.check("Topology"); err != nil {
		return TopoNone, err
	}
	t, rc := rawTopology(c.h)
	return t, mpiError("Topology", rc)
}

// DimsCreate returns a balanced grid of nodes ranks in len(dims) dimensions
// (MPI_Dims_create): the non-zero entries of dims are kept, the zeros
// filled, in non-increasing order. dims itself is not changed. Errors: a
// negative entry, or fixed entries whose product does not divide nodes.
func DimsCreate(nodes int, dims []int) ([]int, error) {
	const op = "DimsCreate"
	if err := checkState(op); err != nil {
		return nil, err
	}
	if nodes < 1 || nodes > maxCount || len(dims) == 0 {
		return nil, errorf(ClassArg, op, "want at least 1 node (have %d) and 1 dimension (have %d)", nodes, len(dims))
	}
	fixed := 1
	for i, d := range dims {
		if d < 0 {
			return nil, errorf(ClassArg, op, "dimension %d is %d", i, d)
		}
		if d > 0 {
			fixed *= d
			if fixed > nodes {
				break
			}
		}
	}
	if nodes%fixed != 0 {
		return nil, errorf(ClassArg, op, "fixed dimensions %v do not divide %d nodes", dims, nodes)
	}
	out := slices.Clone(dims)
	if err := mpiError(op, mpiDimsCreate(nodes, len(out), out)); err != nil {
		return nil, err
	}
	return out, nil
}

// Cart is a communicator with a Cartesian topology: its ranks on a grid of
// Dims(), periodic (wrapping around) in the dimensions where Periods() is
// true. Its Comm methods work as on any communicator; its neighbours, for the
// neighbour collectives, are in each dimension in turn the rank before and
// the rank after (ProcNull past a non-periodic edge).
type Cart struct {
	*Comm
	dims    []int
	periods []bool
	coords  []int
}

// CartCreate returns a communicator of c's ranks on a grid of dims, periodic
// in the dimensions where periods is true (MPI_Cart_create); with reorder,
// MPI may number the ranks anew to fit the machine. Collective over c. The
// grid may hold fewer ranks than c: the others get a nil *Cart.
func (c *Comm) CartCreate(dims []int, periods []bool, reorder bool) (*Cart, error) {
	const op = "CartCreate"
	if err := c.enter(op, c.checkCart(op, dims, periods)); err != nil {
		return nil, err
	}
	comm, err := c.split(op, func(h *commHandle) int { return mpiCartCreate(c.h, len(dims), dims, bools(periods), reorder, h) })
	if err != nil || comm == nil {
		return nil, err
	}
	return comm.cart(op)
}

func (c *Comm) checkCart(op string, dims []int, periods []bool) error {
	if err := c.check(op); err != nil {
		return err
	}
	if err := c.checkIntra(op); err != nil {
		return err
	}
	if len(dims) == 0 || len(periods) != len(dims) {
		return errorf(ClassArg, op, "want at least one dimension and a period for each; have %d dims and %d periods", len(dims), len(periods))
	}
	n := 1
	for i, d := range dims {
		if d < 1 {
			return errorf(ClassArg, op, "dimension %d is %d", i, d)
		}
		if n *= d; n > c.size {
			return errorf(ClassArg, op, "a grid of %v has more than the %d ranks of the communicator", dims, c.size)
		}
	}
	return nil
}

// AsCart returns c as a Cart, if it has a Cartesian topology (a Dup of a
// Cart does); ErrComm otherwise.
func (c *Comm) AsCart() (*Cart, error) {
	if err := c.check("AsCart"); err != nil {
		return nil, err
	}
	return c.cart("AsCart")
}

func (c *Comm) cart(op string) (*Cart, error) {
	t, rc := rawTopology(c.h)
	if err := mpiError(op, rc); err != nil {
		return nil, err
	}
	if t != TopoCart {
		return nil, errorf(ClassComm, op, "communicator has no Cartesian topology")
	}
	var nd int
	if err := mpiError(op, mpiCartdimGet(c.h, &nd)); err != nil {
		return nil, err
	}
	dims, periods, coords := make([]int, nd), make([]int, nd), make([]int, nd)
	if err := mpiError(op, mpiCartGet(c.h, nd, dims, periods, coords)); err != nil {
		return nil, err
	}
	k := &Cart{Comm: c, dims: dims, coords: coords, periods: make([]bool, nd)}
	for i, p := range periods {
		k.periods[i] = p != 0
	}
	return k, nil
}

// Dims returns the grid's extent in each dimension.
func (k *Cart) Dims() []int { return slices.Clone(k.dims) }

// Periods returns whether each dimension wraps around.
func (k *Cart) Periods() []bool { return slices.Clone(k.periods) }

// Coords returns the caller's coordinates on the grid.
func (k *Cart) Coords() []int { return slices.Clone(k.coords) }

// CoordsOf returns the coordinates of rank (MPI_Cart_coords).
func (k *Cart) CoordsOf(rank int) ([]int, error) {
	if err := k.check("CoordsOf"); err != nil {
		return nil, err
	}
	if err := k.checkRank("CoordsOf", "rank", rank, false); err != nil || rank == ProcNull {
		if err == nil {
			err = errorf(ClassRank, "CoordsOf", "ProcNull has no coordinates")
		}
		return nil, err
	}
	out := make([]int, len(k.dims))
	if err := mpiError("CoordsOf", mpiCartCoords(k.h, rank, len(out), out)); err != nil {
		return nil, err
	}
	return out, nil
}

// RankOf returns the rank at coords (MPI_Cart_rank); in a periodic
// dimension a coordinate outside the grid wraps around, in another it is
// ErrArg.
func (k *Cart) RankOf(coords []int) (int, error) {
	if err := k.check("RankOf"); err != nil {
		return 0, err
	}
	if len(coords) != len(k.dims) {
		return 0, errorf(ClassArg, "RankOf", "%d coordinates for a grid of %d dimensions", len(coords), len(k.dims))
	}
	for i, x := range coords {
		if !k.periods[i] && (x < 0 || x >= k.dims[i]) {
			return 0, errorf(ClassArg, "RankOf", "coordinate %d is %d, outside [0, %d) of a non-periodic dimension", i, x, k.dims[i])
		}
	}
	var r int
	rc := mpiCartRank(k.h, coords, &r)
	return r, mpiError("RankOf", rc)
}

// Shift returns the ranks disp steps before (src) and after (dst) the caller
// along dimension dim (MPI_Cart_shift): the ranks to receive from and send
// to when data moves by disp along dim. Past a non-periodic edge it is ProcNull.
func (k *Cart) Shift(dim, disp int) (src, dst int, err error) {
	if err := k.check("Shift"); err != nil {
		return ProcNull, ProcNull, err
	}
	if dim < 0 || dim >= len(k.dims) {
		return ProcNull, ProcNull, errorf(ClassArg, "Shift", "dimension %d out of range [0, %d)", dim, len(k.dims))
	}
	src, dst, rc := rawCartShift(k.h, dim, disp)
	return src, dst, mpiError("Shift", rc)
}

// Sub returns the grids of the dimensions where remain is true, one for
// each position in the others (MPI_Cart_sub): the rows of a 2D grid are
// Sub([]bool{false, true}). Collective over k.
func (k *Cart) Sub(remain []bool) (*Cart, error) {
	if err := k.check("Sub"); err != nil {
		return nil, err
	}
	if len(remain) != len(k.dims) {
		return nil, errorf(ClassArg, "Sub", "%d flags for a grid of %d dimensions", len(remain), len(k.dims))
	}
	comm, err := k.split("Sub", func(h *commHandle) int { return mpiCartSub(k.h, bools(remain), h) })
	if err != nil || comm == nil {
		return nil, err
	}
	return comm.cart("Sub")
}

// Neighborhood is who a rank receives from (Sources) and sends to (Dests)
// in the neighbour collectives, in their order, with the weights of a
// weighted graph (nil otherwise).
type Neighborhood struct {
	Sources, Dests             []int
	SourceWeights, DestWeights []int
}

// DistGraphCreateAdjacent returns a communicator of c's ranks with a
// distributed graph topology (MPI_Dist_graph_create_adjacent): each rank
// names the ranks it receives from (sources) and sends to (dests), with
// weights or nil for an unweighted graph. Collective over c; the edges
// must agree (a source of one rank is a destination of the other).
func (c *Comm) DistGraphCreateAdjacent(nb Neighborhood, reorder bool) (*Comm, error) {
	const op = "DistGraphCreateAdjacent"
	if err := c.enter(op, c.checkNeighborhood(op, nb)); err != nil {
		return nil, err
	}
	weighted := nb.SourceWeights != nil || nb.DestWeights != nil
	h, rc := rawDistGraphCreateAdjacent(c.h, nb.Sources, nb.SourceWeights, nb.Dests, nb.DestWeights, weighted, reorder)
	if err := mpiError(op, rc); err != nil {
		return nil, err
	}
	return newComm(h, false)
}

func (c *Comm) checkNeighborhood(op string, nb Neighborhood) error {
	if err := c.check(op); err != nil {
		return err
	}
	if err := c.checkIntra(op); err != nil {
		return err
	}
	weighted := nb.SourceWeights != nil || nb.DestWeights != nil
	if weighted && (len(nb.SourceWeights) != len(nb.Sources) || len(nb.DestWeights) != len(nb.Dests)) {
		return errorf(ClassArg, op, "%d sources with %d weights, %d destinations with %d weights",
			len(nb.Sources), len(nb.SourceWeights), len(nb.Dests), len(nb.DestWeights))
	}
	for _, list := range [][]int{nb.Sources, nb.Dests} {
		for _, r := range list {
			if r < 0 || r >= c.size {
				return errorf(ClassRank, op, "neighbour %d out of range [0, %d)", r, c.size)
			}
		}
	}
	for _, list := range [][]int{nb.SourceWeights, nb.DestWeights} {
		for _, w := range list {
			if w < 0 || w > maxCount {
				return errorf(ClassArg, op, "weight %d out of range [0, %d]", w, maxCount)
			}
		}
	}
	return nil
}

// Neighbors returns c's neighbourhood: for a Cart, in each dimension the
// ranks before and after (ProcNull past an edge), both as sources and as
// destinations; for a graph, the rank's neighbours, both ways
// (MPI_Graph_neighbors); for a distributed graph, its edges
// (MPI_Dist_graph_neighbors).
// Other communicators are ErrComm.
func (c *Comm) Neighbors() (Neighborhood, error) {
	const op = "Neighbors"
	if err := c.check(op); err != nil {
		return Neighborhood{}, err
	}
	t, rc := rawTopology(c.h)
	if err := mpiError(op, rc); err != nil {
		return Neighborhood{}, err
	}
	switch t {
	case TopoCart:
		k, err := c.cart(op)
		if err != nil {
			return Neighborhood{}, err
		}
		var nbrs []int
		for d := range k.dims {
			src, dst, err := k.Shift(d, 1)
			if err != nil {
				return Neighborhood{}, err
			}
			nbrs = append(nbrs, src, dst)
		}
		return Neighborhood{Sources: nbrs, Dests: slices.Clone(nbrs)}, nil
	case TopoGraph: // a rank's neighbours are its sources and destinations alike
		nbrs, rc := rawGraphNeighbors(c.h, c.rank)
		if err := mpiError(op, rc); err != nil {
			return Neighborhood{}, err
		}
		return Neighborhood{Sources: nbrs, Dests: slices.Clone(nbrs)}, nil
	case TopoDistGraph:
		s, sw, d, dw, rc := rawNeighbors(c.h)
		if err := mpiError(op, rc); err != nil {
			return Neighborhood{}, err
		}
		nb := Neighborhood{Sources: s, Dests: d}
		if sw != nil {
			nb.SourceWeights, nb.DestWeights = sw, dw
		}
		return nb, nil
	}
	return Neighborhood{}, errorf(ClassComm, op, "communicator has no Cartesian or graph topology")
}

// neighbors is what the neighbour collectives need to know of c's topology,
// asked of MPI once.
type neighbors struct {
	in, out int
	graph   bool // a dist graph (else a Cart)
	// The receive blocks of duplicate edges, which some libraries swap
	// (dupedges.go): a Cart's 2d and 2d+1 in a periodic dimension d of 1 or 2
	// ranks; a dist graph's two sources that are one rank.
	pairs [][2]int
	// A dist graph source that is listed more than twice, at that index.
	repeated int
}

// degrees returns how many neighbours c receives from and sends to.
func (c *Comm) degrees(op string) (in, out int, err error) {
	n, err := c.neighborInfo(op)
	if err != nil {
		return 0, 0, err
	}
	return n.in, n.out, nil
}

func (c *Comm) neighborInfo(op string) (*neighbors, error) {
	c.mu.Lock()
	n := c.nbrs
	c.mu.Unlock()
	if n != nil {
		return n, nil
	}
	nb, err := c.Neighbors()
	if err != nil {
		return nil, errorf(ClassComm, op, "%v", err.(*Error).Msg)
	}
	n = &neighbors{in: len(nb.Sources), out: len(nb.Dests), repeated: -1}
	if k, err := c.cart(op); err == nil {
		for d, size := range k.dims {
			if k.periods[d] && size <= 2 {
				n.pairs = append(n.pairs, [2]int{2 * d, 2*d + 1})
			}
		}
	} else {
		n.graph = true
		seen := map[int][]int{}
		for i, s := range nb.Sources {
			seen[s] = append(seen[s], i)
			switch at := seen[s]; len(at) {
			case 2:
				n.pairs = append(n.pairs, [2]int{at[0], at[1]})
			case 3:
				n.repeated = i
			}
		}
	}
	c.mu.Lock()
	c.nbrs = n
	c.mu.Unlock()
	return n, nil
}

// bools gives MPI's int flags of v.
func bools(v []bool) []int {
	out := make([]int, len(v))
	for i, b := range v {
		if b {
			out[i] = 1
		}
	}
	return out
}
