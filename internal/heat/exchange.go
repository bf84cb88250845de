package heat

import (
	"github.com/mpigo/mpigo/mpi"
)

// exchanger refreshes a block's halo from its neighbours.
type exchanger interface {
	exchange(b *block) error
	free()
}

// neighbours are the ranks around a block on the Cart: ProcNull past an edge.
type neighbours struct{ up, down, left, right int }

func neighboursOf(cart *mpi.Cart) (neighbours, error) {
	up, down, err := cart.Shift(0, 1)
	if err != nil {
		return neighbours{}, err
	}
	left, right, err := cart.Shift(1, 1)
	return neighbours{up, down, left, right}, err
}

func newExchanger(e Exchange, cart *mpi.Cart, b *block) (exchanger, error) {
	nb, err := neighboursOf(cart)
	if err != nil {
		return nil, err
	}
	f64, err := mpi.TypeOf[float64]()
	if err != nil {
		return nil, err
	}
	switch e {
	case Neighbor:
		return newNeighborExchange(cart, b, f64)
	case Packed:
		return &packedExchange{cart: cart, nb: nb, send: make([]float64, 2*b.ny), recv: make([]float64, 2*b.ny)}, nil
	}
	col, err := mpi.Vector(b.ny, 1, b.stride(), f64) // one column of the block
	return &sendrecvExchange{cart: cart, nb: nb, col: col}, err
}

// rows returns the block's row i (without its halo ends) as a Buffer.
func (b *block) row(i int) mpi.Buffer { return mpi.Buf(b.cur[b.at(i, 1) : b.at(i, 1)+b.nx]) }

// Tags of the four directions data moves in.
const (
	tagDown = iota
	tagUp
	tagRight
	tagLeft
)

// sendrecvExchange sends rows as slices and columns in place through a
// Vector datatype.
type sendrecvExchange struct {
	cart *mpi.Cart
	nb   neighbours
	col  *mpi.Datatype
}

func (e *sendrecvExchange) exchange(b *block) error {
	col := func(j int) mpi.Buffer { return mpi.Typed(b.cur[b.at(1, j):], e.col, 1) }
	return sendrecvs(e.cart,
		sendrecv{b.row(b.ny), e.nb.down, b.row(0), e.nb.up, tagDown},
		sendrecv{b.row(1), e.nb.up, b.row(b.ny + 1), e.nb.down, tagUp},
		sendrecv{col(b.nx), e.nb.right, col(0), e.nb.left, tagRight},
		sendrecv{col(1), e.nb.left, col(b.nx + 1), e.nb.right, tagLeft})
}

func (e *sendrecvExchange) free() { e.col.Free() }

type sendrecv struct {
	send     mpi.Buffer
	dest     int
	recv     mpi.Buffer
	src, tag int
}

func sendrecvs(cart *mpi.Cart, moves ...sendrecv) error {
	for _, m := range moves {
		if _, err := cart.Sendrecv(m.send, m.dest, m.tag, m.recv, m.src, m.tag); err != nil {
			return err
		}
	}
	return nil
}

// packedExchange copies columns into contiguous buffers (left then right)
// and out of them, as codes without datatypes do.
type packedExchange struct {
	cart       *mpi.Cart
	nb         neighbours
	send, recv []float64 // 2×ny: the left column, then the right one
}

func (e *packedExchange) exchange(b *block) error {
	ny := b.ny
	for i := range ny {
		e.send[i] = b.cur[b.at(i+1, 1)]
		e.send[ny+i] = b.cur[b.at(i+1, b.nx)]
	}
	err := sendrecvs(e.cart,
		sendrecv{b.row(b.ny), e.nb.down, b.row(0), e.nb.up, tagDown},
		sendrecv{b.row(1), e.nb.up, b.row(b.ny + 1), e.nb.down, tagUp},
		sendrecv{mpi.Buf(e.send[ny:]), e.nb.right, mpi.Buf(e.recv[:ny]), e.nb.left, tagRight},
		sendrecv{mpi.Buf(e.send[:ny]), e.nb.left, mpi.Buf(e.recv[ny:]), e.nb.right, tagLeft})
	if err != nil {
		return err
	}
	for i := range ny {
		if e.nb.left != mpi.ProcNull {
			b.cur[b.at(i+1, 0)] = e.recv[i]
		}
		if e.nb.right != mpi.ProcNull {
			b.cur[b.at(i+1, b.nx+1)] = e.recv[ny+i]
		}
	}
	return nil
}

func (e *packedExchange) free() {}

// neighborExchange is one NeighborAlltoallw a step. A Cart's neighbours
// come dimension by dimension, the one before first: up, down, left, right.
// Each side of the block, sent or received, is a Subarray of the whole
// (ny+2)×(nx+2) array, laid over whichever array is current.
type neighborExchange struct {
	cart         *mpi.Cart
	types        []*mpi.Datatype // 4 send sides, then 4 halo sides
	sends, recvs []mpi.Buffer
}

func newNeighborExchange(cart *mpi.Cart, b *block, f64 *mpi.Datatype) (*neighborExchange, error) {
	whole := []int{b.ny + 2, b.nx + 2}
	rowSize, colSize := []int{1, b.nx}, []int{b.ny, 1}
	sides := []struct{ size, start []int }{
		{rowSize, []int{1, 1}}, {rowSize, []int{b.ny, 1}}, // sent up, down
		{colSize, []int{1, 1}}, {colSize, []int{1, b.nx}}, // sent left, right
		{rowSize, []int{0, 1}}, {rowSize, []int{b.ny + 1, 1}}, // from up, down
		{colSize, []int{1, 0}}, {colSize, []int{1, b.nx + 1}}, // from left, right
	}
	e := &neighborExchange{cart: cart, sends: make([]mpi.Buffer, 4), recvs: make([]mpi.Buffer, 4)}
	for _, s := range sides {
		t, err := mpi.Subarray(whole, s.size, s.start, f64)
		if err != nil {
			e.free()
			return nil, err
		}
		e.types = append(e.types, t)
	}
	return e, nil
}

func (e *neighborExchange) exchange(b *block) error {
	for i := range 4 {
		e.sends[i] = mpi.Typed(b.cur, e.types[i], 1)
		e.recvs[i] = mpi.Typed(b.cur, e.types[4+i], 1)
	}
	return e.cart.NeighborAlltoallw(e.sends, e.recvs)
}

func (e *neighborExchange) free() {
	for _, t := range e.types {
		t.Free()
	}
}
