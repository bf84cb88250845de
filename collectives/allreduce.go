package collectives

import (
	"fmt"
	"github.com/mpigo/mpigo/mpi"
	"unsafe"

	"gonum.org/v1/gonum/floats"
)

const reduceTag = 0x7264

// Reduction is an element-wise reduction for Allreduce: any Go function of
// two elements, and whether it commutes. Algorithms that combine in an
// arbitrary order need Commutative; the others keep rank order, combining
// x0 ∘ x1 ∘ … ∘ x(p-1).
type Reduction[T any] struct {
	Fn          func(a, b T) T
	Commutative bool
	vector      func(dst, src []T) // optional kernel: dst[i] = Fn(dst[i], src[i])
}

// NewReduction makes fn a Reduction.
func NewReduction[T any](fn func(a, b T) T, commutative bool) Reduction[T] {
	return Reduction[T]{Fn: fn, Commutative: commutative}
}

// SumFloat64 adds float64s with gonum's vector kernel (floats.Add).
var SumFloat64 = Reduction[float64]{Fn: func(a, b float64) float64 { return a + b }, Commutative: true, vector: floats.Add}

// combine sets acc[i] = in[i] ∘ acc[i] if inFirst, else acc[i] ∘ in[i].
func (r Reduction[T]) combine(acc, in []T, inFirst bool) {
	if r.vector != nil && r.Commutative {
		r.vector(acc, in)
		return
	}
	for i := range acc {
		if inFirst {
			acc[i] = r.Fn(in[i], acc[i])
		} else {
			acc[i] = r.Fn(acc[i], in[i])
		}
	}
}

// AllreduceAlgorithms lists the names Allreduce accepts.
func AllreduceAlgorithms() []string { return []string{"ordered", "recursive-doubling", "ring"} }

// Allreduce combines data of every rank element by element with red, and
// leaves the result in data at every rank. Algorithms:
//   - "recursive-doubling": pairs of ranks 2^k apart exchange and combine
//     everything, ⌈lg p⌉(α + nβ) (extra ranks beyond a power of two hand in
//     their data first and get the result last); commutative reductions only.
//   - "ring": reduce-scatter then allgather around a ring of p pieces,
//     2(p-1)α + 2(p-1)/p·nβ; commutative reductions only.
//   - "ordered": a binomial gather to rank 0, which folds in rank order, then a
//     binomial broadcast; for reductions that do not commute.
func Allreduce[T any](t Transport, data []T, red Reduction[T], algorithm string) (Report, error) {
	if mpi.Tracing() {
		defer mpi.TraceSpan("collectives.Allreduce " + algorithm)()
	}
	rep := Report{Algorithm: algorithm}
	if err := checkPlain[T]("Allreduce"); err != nil {
		return rep, err
	}
	if red.Fn == nil {
		return rep, fmt.Errorf("collectives: Allreduce: nil reduction function")
	}
	if !red.Commutative && algorithm != "ordered" {
		return rep, fmt.Errorf("collectives: Allreduce: %q needs a commutative reduction; use \"ordered\"", algorithm)
	}
	ct := newCounting(t)
	p := t.Size()
	var err error
	switch algorithm {
	case "recursive-doubling":
		rep.Depth = recursiveDoublingRounds(p)
		err = recursiveDoubling(ct, data, red)
	case "ring":
		rep.Depth = 2 * (p - 1)
		err = ringAllreduce(ct, data, red)
	case "ordered":
		tr := binomialTree(p)
		rep.Depth = 2 * tr.rounds(1)
		err = orderedAllreduce(ct, data, red)
	default:
		return rep, fmt.Errorf("collectives: unknown allreduce algorithm %q (have %v)", algorithm, AllreduceAlgorithms())
	}
	ct.fill(&rep)
	return rep, err
}

func recursiveDoublingRounds(p int) int {
	pow, k := 1, 0
	for pow*2 <= p {
		pow, k = pow*2, k+1
	}
	if pow < p {
		return k + 2
	}
	return k
}

func recursiveDoubling[T any](t Transport, data []T, red Reduction[T]) error {
	p, r := t.Size(), t.Rank()
	pow := 1
	for pow*2 <= p {
		pow *= 2
	}
	in := make([]T, len(data))
	buf, inb := asBytes(data), asBytes(in)
	if r >= pow { // an extra rank: hand in, then wait for the result
		if err := t.Send(buf, r-pow, reduceTag); err != nil {
			return err
		}
		return recvExactly(t, buf, r-pow, reduceTag)
	}
	if r+pow < p {
		if err := recvExactly(t, inb, r+pow, reduceTag); err != nil {
			return err
		}
		red.combine(data, in, false)
	}
	for mask := 1; mask < pow; mask <<= 1 {
		partner := r ^ mask
		if err := exchange(t, buf, partner, inb, partner, reduceTag+mask); err != nil {
			return err
		}
		red.combine(data, in, partner < r)
	}
	if r+pow < p {
		return t.Send(buf, r+pow, reduceTag)
	}
	return nil
}

func ringAllreduce[T any](t Transport, data []T, red Reduction[T]) error {
	p, r, n := t.Size(), t.Rank(), len(data)
	if p == 1 {
		return nil
	}
	piece := (n + p - 1) / p
	part := func(i int) []T { // piece i of data
		i = (i%p + p) % p
		return data[min(i*piece, n):min((i+1)*piece, n)]
	}
	right, left := (r+1)%p, (r+p-1)%p
	in := make([]T, piece)
	// Reduce-scatter: in step s, send piece r-s, receive and combine piece r-s-1.
	for s := range p - 1 {
		out, acc := part(r-s), part(r-s-1)
		if err := exchange(t, asBytes(out), right, asBytes(in[:len(acc)]), left, reduceTag); err != nil {
			return err
		}
		red.combine(acc, in[:len(acc)], true)
	}
	// Allgather: rank r now holds piece r+1 complete; pass the pieces round.
	for s := range p - 1 {
		out, got := part(r+1-s), part(r-s)
		if err := exchange(t, asBytes(out), right, asBytes(got), left, reduceTag+1); err != nil {
			return err
		}
	}
	return nil
}

// orderedAllreduce gathers every rank's data to rank 0 over a binomial tree,
// folds it in rank order and broadcasts the result.
func orderedAllreduce[T any](t Transport, data []T, red Reduction[T]) error {
	p, n := t.Size(), len(data)
	var zero T
	size := n * int(unsafe.Sizeof(zero))
	all := make([]byte, p*size)
	if _, err := Gather(t, asBytes(data), all, 0, "binomial"); err != nil {
		return err
	}
	if t.Rank() == 0 && n > 0 {
		parts := unsafe.Slice((*T)(unsafe.Pointer(&all[0])), p*n)
		copy(data, parts[:n])
		for q := 1; q < p; q++ {
			red.combine(data, parts[q*n:(q+1)*n], false)
		}
	}
	_, err := Bcast(t, asBytes(data), 0, "binomial")
	return err
}

const barrierTag = 0x6261

// Barrier returns once every rank has called it: the dissemination
// algorithm, ⌈lg p⌉ rounds in which rank r signals r+2^k and waits for r-2^k.
func Barrier(t Transport) (Report, error) {
	rep := Report{Algorithm: "dissemination"}
	p, r := t.Size(), t.Rank()
	ct := newCounting(t)
	for k := 1; k < p; k <<= 1 {
		rep.Depth++
		if err := exchange(ct, nil, (r+k)%p, nil, (r-k+p)%p, barrierTag+k); err != nil {
			return rep, err
		}
	}
	ct.fill(&rep)
	return rep, nil
}
