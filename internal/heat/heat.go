// Package heat is a 2D heat-equation solver (Jacobi iteration) distributed
// over a Cartesian communicator: the mpigo heat demo and its tests.
//
// The field is an N×N grid of float64 in row-major order. Its edges are held
// fixed (the top edge hot, the left edge warm and cooling downwards, the
// others cold); every step replaces each inner point with the mean of its
// four neighbours. The ranks form a balanced grid (DimsCreate, CartCreate);
// each owns a block of the field with a one-point halo, refreshed from its
// four neighbours before every step by one of three exchanges:
//
//   - Sendrecv: Cart.Shift finds the neighbours; rows are Buf slices, columns
//     a Vector datatype laid over the block (Typed), all sent in place.
//   - Neighbor: one NeighborAlltoallw per step, every side of the halo a
//     Subarray datatype of the block.
//   - Packed: as Sendrecv, but columns copied by hand into contiguous
//     buffers and out again: what the datatypes save.
//
// Every step also allreduces the largest change (the residual). Serial
// computes the same steps on one grid; the distributed result is identical
// to it, bit for bit, since every point is computed by the same expression.
package heat

import (
	"fmt"
	"slices"

	"github.com/mpigo/mpigo/mpi"
)

// Exchange is a way to refresh the halos.
type Exchange string

const (
	Sendrecv Exchange = "sendrecv" // Sendrecv with Buf rows and Vector columns
	Neighbor Exchange = "neighbor" // NeighborAlltoallw with Subarray sides
	Packed   Exchange = "packed"   // Sendrecv, columns packed by hand
)

// Exchanges lists every Exchange.
var Exchanges = []Exchange{Sendrecv, Neighbor, Packed}

// ParseExchange returns the Exchange named s.
func ParseExchange(s string) (Exchange, error) {
	for _, e := range Exchanges {
		if string(e) == s {
			return e, nil
		}
	}
	return "", fmt.Errorf("unknown halo exchange %q (want sendrecv, neighbor or packed)", s)
}

// MaxN bounds a side of the grid: rank 0 gathers the field (512 MiB at 8192).
const MaxN = 8192

// Config is one solve.
type Config struct {
	N        int      // the grid is N×N points, edges included (N ≥ 3)
	Steps    int      // Jacobi steps (≥ 1)
	Exchange Exchange // how halos are refreshed
	// Restart, if set, is a checkpoint to start from instead of the cold
	// field; Checkpoint, if set, is where the final field is written (both
	// with MPI-IO: see checkpoint.go).
	Restart, Checkpoint string
	// PersistentResidual makes the residual's Allreduce once (AllreduceInit)
	// and starts it each step, instead of calling Allreduce each step.
	PersistentResidual bool
}

func (c Config) check() error {
	if c.N < 3 {
		return fmt.Errorf("heat: grid of %d×%d: want at least 3×3", c.N, c.N)
	}
	if c.N > MaxN {
		return fmt.Errorf("heat: grid of %d×%d: at most %d per side (rank 0 gathers the whole field)", c.N, c.N, MaxN)
	}
	if c.Steps < 1 {
		return fmt.Errorf("heat: %d steps: want at least 1", c.Steps)
	}
	_, err := ParseExchange(string(c.Exchange))
	return err
}

// Result is what a solve measured, at every rank of the communicator.
type Result struct {
	Dims     []int     // the ranks' grid
	Seconds  float64   // the slowest rank's time for all steps
	Halo     float64   // the slowest rank's time in halo exchanges
	Residual float64   // the largest change of a point in the last step
	Field    []float64 // the whole field, N×N row-major, at rank 0 (nil elsewhere)
}

// StepsPerSecond is the solve's rate.
func (r Result) StepsPerSecond(steps int) float64 { return float64(steps) / r.Seconds }

// Boundary is the fixed value of edge point (y, x) of an n×n grid.
func Boundary(n, y, x int) float64 {
	switch {
	case y == 0:
		return 1
	case x == 0:
		return 0.5 * float64(n-1-y) / float64(n-1)
	}
	return 0
}

func onEdge(n, y, x int) bool { return y == 0 || x == 0 || y == n-1 || x == n-1 }

// span returns the first index and the length of part k of n points split
// into parts as even as can be.
func span(n, parts, k int) (first, length int) {
	first = k * n / parts
	return first, (k+1)*n/parts - first
}

// block is one rank's part of the field: ny×nx points from (y0, x0), held
// with a halo in arrays of (ny+2)×(nx+2).
type block struct {
	n, y0, x0, ny, nx int
	cur, next         []float64
}

func (b *block) stride() int { return b.nx + 2 }

// at is the index in cur or next of local point (i, j), halo included.
func (b *block) at(i, j int) int { return i*b.stride() + j }

func newBlock(n int, dims, coords []int) *block {
	y0, ny := span(n, dims[0], coords[0])
	x0, nx := span(n, dims[1], coords[1])
	b := &block{n: n, y0: y0, x0: x0, ny: ny, nx: nx}
	b.cur = make([]float64, (ny+2)*(nx+2))
	b.next = make([]float64, len(b.cur))
	for i := 1; i <= ny; i++ {
		for j := 1; j <= nx; j++ {
			if y, x := y0+i-1, x0+j-1; onEdge(n, y, x) {
				b.cur[b.at(i, j)] = Boundary(n, y, x)
			}
		}
	}
	copy(b.next, b.cur)
	return b
}

// step computes next from cur (whose halo is fresh), swaps them and
// returns the largest change. Each point is 0.25 × (above + below + left +
// right), the expression of Serial and of bench/c/heat.c; the loop runs
// over row slices, so that the compiler drops most bounds checks.
func (b *block) step() float64 {
	s, change := b.stride(), 0.0
	jlo, jhi := 1, b.nx // the block's columns that are not on the grid's edge
	if b.x0 == 0 {
		jlo = 2
	}
	if b.x0+b.nx == b.n {
		jhi = b.nx - 1
	}
	for i := 1; i <= b.ny; i++ {
		if y := b.y0 + i - 1; y == 0 || y == b.n-1 {
			continue // an edge row: fixed, and next holds it already
		}
		above, here, below := b.cur[(i-1)*s:i*s], b.cur[i*s:(i+1)*s], b.cur[(i+1)*s:(i+2)*s]
		out := b.next[i*s : (i+1)*s]
		if jhi < jlo {
			continue
		}
		if c := relaxRow(above, here, below, out, jlo, jhi); c > change {
			change = c
		}
	}
	b.cur, b.next = b.next, b.cur
	return change
}

// relaxRow sets out[j], for j from jlo to jhi, to the mean of here[j]'s four
// neighbours (above, below, left, right) and returns the largest change. The
// serial solver and every rank's block run this same code, so that their
// speeds compare and their fields agree bit for bit.
func relaxRow(above, here, below, out []float64, jlo, jhi int) float64 {
	change := 0.0
	_, _, _, _ = above[jhi], below[jhi], here[jhi+1], out[jhi] // one bounds check for the row
	for j := jlo; j <= jhi; j++ {
		v := 0.25 * (above[j] + below[j] + here[j-1] + here[j+1])
		d := v - here[j]
		if d < 0 {
			d = -d
		}
		if d > change {
			change = d
		}
		out[j] = v
	}
	return change
}

// Solve runs cfg over comm, every rank of which must call it alike, and
// gathers the field at rank 0.
func Solve(comm *mpi.Comm, cfg Config) (Result, error) {
	if err := cfg.check(); err != nil {
		return Result{}, err
	}
	cart, b, err := decompose(comm, cfg)
	if err != nil {
		return Result{}, err
	}
	defer cart.Free()
	dims := cart.Dims()
	ex, err := newExchanger(cfg.Exchange, cart, b)
	if err != nil {
		return Result{}, err
	}
	defer ex.free()
	res := Result{Dims: dims}
	if err := cart.Barrier(); err != nil {
		return res, err
	}
	var change float64
	reduce := func() error { return cart.Allreduce(mpi.One(&change), mpi.One(&res.Residual), mpi.Max) }
	if cfg.PersistentResidual {
		q, err := cart.AllreduceInit(mpi.One(&change), mpi.One(&res.Residual), mpi.Max)
		if err != nil {
			return res, err
		}
		defer q.Free()
		reduce = func() error {
			if err := q.Start(); err != nil {
				return err
			}
			_, err := q.Wait()
			return err
		}
	}
	t0 := mpi.Wtime()
	var halo float64
	for range cfg.Steps {
		h0 := mpi.Wtime()
		if err := ex.exchange(b); err != nil {
			return res, err
		}
		halo += mpi.Wtime() - h0
		change = b.step()
		if err := reduce(); err != nil {
			return res, err
		}
	}
	times := []float64{mpi.Wtime() - t0, halo}
	if err := cart.Allreduce(mpi.InPlace, mpi.Buf(times), mpi.Max); err != nil {
		return res, err
	}
	res.Seconds, res.Halo = times[0], times[1]
	if cfg.Checkpoint != "" {
		if err := b.checkpoint(cart.Comm, cfg.Checkpoint); err != nil {
			return res, err
		}
	}
	res.Field, err = gather(cart, b)
	return res, err
}

// decompose lays comm's ranks on a grid and returns it and this rank's
// block of cfg's field, cold or read from cfg.Restart.
func decompose(comm *mpi.Comm, cfg Config) (*mpi.Cart, *block, error) {
	dims, err := mpi.DimsCreate(comm.Size(), []int{0, 0})
	if err != nil {
		return nil, nil, err
	}
	if dims[0] > cfg.N || dims[1] > cfg.N {
		return nil, nil, fmt.Errorf("heat: %d×%d ranks for a grid of %d×%d: every rank needs a point", dims[0], dims[1], cfg.N, cfg.N)
	}
	cart, err := comm.CartCreate(dims, []bool{false, false}, false)
	if err != nil {
		return nil, nil, err
	}
	b := newBlock(cfg.N, dims, cart.Coords())
	if cfg.Restart != "" {
		if err := b.restart(cart.Comm, cfg.Restart); err != nil {
			cart.Free()
			return nil, nil, err
		}
	}
	return cart, b, nil
}

// gather collects every block at rank 0 of cart, each received in place
// into the whole field through a Subarray datatype, and returns the field
// there (nil elsewhere).
func gather(cart *mpi.Cart, b *block) ([]float64, error) {
	f64, err := mpi.TypeOf[float64]()
	if err != nil {
		return nil, err
	}
	inner, err := mpi.Subarray([]int{b.ny + 2, b.nx + 2}, []int{b.ny, b.nx}, []int{1, 1}, f64)
	if err != nil {
		return nil, err
	}
	defer inner.Free()
	const tag = 9
	if cart.Rank() != 0 {
		return nil, cart.Send(mpi.Typed(b.cur, inner, 1), 0, tag)
	}
	field := make([]float64, b.n*b.n)
	dims := cart.Dims()
	for r := range cart.Size() {
		coords, err := cart.CoordsOf(r)
		if err != nil {
			return nil, err
		}
		y0, ny := span(b.n, dims[0], coords[0])
		x0, nx := span(b.n, dims[1], coords[1])
		place, err := mpi.Subarray([]int{b.n, b.n}, []int{ny, nx}, []int{y0, x0}, f64)
		if err != nil {
			return nil, err
		}
		if r == 0 {
			_, err = cart.Sendrecv(mpi.Typed(b.cur, inner, 1), 0, tag, mpi.Typed(field, place, 1), 0, tag)
		} else {
			_, err = cart.Recv(mpi.Typed(field, place, 1), r, tag)
		}
		place.Free()
		if err != nil {
			return nil, err
		}
	}
	return field, nil
}

// Serial runs cfg's steps on one n×n grid, without MPI and written apart
// from the distributed code, from the cold field (or cfg.Restart's, read
// with os), and returns the field and the last step's residual: what the
// tests and the demo check the distributed solve against.
func Serial(cfg Config) ([]float64, float64, error) {
	n := cfg.N
	u := make([]float64, n*n)
	if cfg.Restart != "" {
		var err error
		if u, err = ReadField(cfg.Restart, n); err != nil {
			return nil, 0, err
		}
	} else {
		for y := range n {
			for x := range n {
				if onEdge(n, y, x) {
					u[y*n+x] = Boundary(n, y, x)
				}
			}
		}
	}
	v := slices.Clone(u)
	var change float64
	for range cfg.Steps {
		change = 0
		for y := 1; y < n-1 && n >= 3; y++ {
			row := func(w []float64, y int) []float64 { return w[y*n : (y+1)*n] }
			if c := relaxRow(row(u, y-1), row(u, y), row(u, y+1), row(v, y), 1, n-2); c > change {
				change = c
			}
		}
		u, v = v, u
	}
	return u, change, nil
}
