package mpi_test

import (
	"errors"
	"testing"
	"unsafe"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// parts returns counts and displacements of p parts of different sizes
// around n (n, n+1, …), with a gap of one element between parts.
func parts(p, n int) (counts, displs []int, total int) {
	counts, displs = make([]int, p), make([]int, p)
	for i := range p {
		counts[i] = n + i
		displs[i] = total
		total += counts[i] + 1
	}
	return counts, displs, total
}

// dataMovement runs every collective that moves data unchanged, for
// elements of type T, parts of about n elements and every root, and checks
// the results against patterns computed here.
func dataMovement[T any](t *testing.T, w *mpi.Comm, n int) {
	t.Helper()
	r, p := w.Rank(), w.Size()
	seed := func(from, to int) int { return 1000*from + 10*to + n }
	for root := range p {
		b := make([]T, n)
		if r == root {
			fill(b, seed(root, 0))
		}
		must(t, w.Bcast(mpi.Buf(b), root))
		checkPattern(t, "Bcast", b, seed(root, 0))

		// Scatter: part i of the root's buffer goes to rank i.
		var whole []T
		if r == root {
			whole = make([]T, p*n)
			for i := range p {
				fill(whole[i*n:(i+1)*n], seed(root, i))
			}
		}
		part := make([]T, n)
		must(t, w.Scatter(mpi.Buf(whole), mpi.Buf(part), root))
		checkPattern(t, "Scatter", part, seed(root, r))

		// Gather: rank i's part lands at part i of the root's buffer.
		fill(part, seed(r, root))
		if r == root {
			whole = make([]T, p*n)
		}
		must(t, w.Gather(mpi.Buf(part), mpi.Buf(whole), root))
		if r == root {
			for i := range p {
				checkPattern(t, "Gather", whole[i*n:(i+1)*n], seed(i, root))
			}
		}

		// Scatterv and Gatherv, with parts of different sizes and gaps.
		counts, displs, total := parts(p, n)
		if r == root {
			whole = make([]T, total)
			for i := range p {
				fill(whole[displs[i]:displs[i]+counts[i]], seed(root, i)+1)
			}
		}
		mine := make([]T, counts[r])
		must(t, w.Scatterv(mpi.Buf(whole), counts, displs, mpi.Buf(mine), root))
		checkPattern(t, "Scatterv", mine, seed(root, r)+1)
		fill(mine, seed(r, root)+2)
		if r == root {
			whole = make([]T, total)
		}
		must(t, w.Gatherv(mpi.Buf(mine), mpi.Buf(whole), counts, displs, root))
		if r == root {
			for i := range p {
				checkPattern(t, "Gatherv", whole[displs[i]:displs[i]+counts[i]], seed(i, root)+2)
			}
		}
	}

	// Allgather and Allgatherv.
	part := make([]T, n)
	fill(part, seed(r, 99))
	all := make([]T, p*n)
	must(t, w.Allgather(mpi.Buf(part), mpi.Buf(all)))
	for i := range p {
		checkPattern(t, "Allgather", all[i*n:(i+1)*n], seed(i, 99))
	}
	counts, displs, total := parts(p, n)
	mine := make([]T, counts[r])
	fill(mine, seed(r, 98))
	allv := make([]T, total)
	must(t, w.Allgatherv(mpi.Buf(mine), mpi.Buf(allv), counts, displs))
	for i := range p {
		checkPattern(t, "Allgatherv", allv[displs[i]:displs[i]+counts[i]], seed(i, 98))
	}

	// Alltoall: part j of rank i's send lands at part i of rank j's receive.
	send, recv := make([]T, p*n), make([]T, p*n)
	for j := range p {
		fill(send[j*n:(j+1)*n], seed(r, j)+3)
	}
	must(t, w.Alltoall(mpi.Buf(send), mpi.Buf(recv)))
	for i := range p {
		checkPattern(t, "Alltoall", recv[i*n:(i+1)*n], seed(i, r)+3)
	}

	// Alltoallv: rank i sends n+i+j elements to rank j.
	sc, sd, rc, rd := make([]int, p), make([]int, p), make([]int, p), make([]int, p)
	st, rt := 0, 0
	for j := range p {
		sc[j], sd[j] = n+r+j, st
		st += sc[j]
		rc[j], rd[j] = n+j+r, rt
		rt += rc[j]
	}
	send, recv = make([]T, st), make([]T, rt)
	for j := range p {
		fill(send[sd[j]:sd[j]+sc[j]], seed(r, j)+4)
	}
	must(t, w.Alltoallv(mpi.Buf(send), sc, sd, mpi.Buf(recv), rc, rd))
	for i := range p {
		checkPattern(t, "Alltoallv", recv[rd[i]:rd[i]+rc[i]], seed(i, r)+4)
	}
}

func collectiveSizes[T any]() []int {
	var x T
	if testing.Short() {
		return []int{0, 1, 7}
	}
	return []int{0, 1, 7, 64<<10/int(unsafe.Sizeof(x)) + 1}
}

func TestCollectivesMoveData(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		for _, n := range collectiveSizes[bool]() {
			dataMovement[bool](t, w, n)
		}
		for _, n := range collectiveSizes[int8]() {
			dataMovement[int8](t, w, n)
		}
		for _, n := range collectiveSizes[int16]() {
			dataMovement[int16](t, w, n)
		}
		for _, n := range collectiveSizes[int32]() {
			dataMovement[int32](t, w, n)
		}
		for _, n := range collectiveSizes[int64]() {
			dataMovement[int64](t, w, n)
		}
		for _, n := range collectiveSizes[int]() {
			dataMovement[int](t, w, n)
		}
		for _, n := range collectiveSizes[uint8]() {
			dataMovement[uint8](t, w, n)
		}
		for _, n := range collectiveSizes[uint16]() {
			dataMovement[uint16](t, w, n)
		}
		for _, n := range collectiveSizes[uint32]() {
			dataMovement[uint32](t, w, n)
		}
		for _, n := range collectiveSizes[uint64]() {
			dataMovement[uint64](t, w, n)
		}
		for _, n := range collectiveSizes[float32]() {
			dataMovement[float32](t, w, n)
		}
		for _, n := range collectiveSizes[float64]() {
			dataMovement[float64](t, w, n)
		}
		for _, n := range collectiveSizes[complex64]() {
			dataMovement[complex64](t, w, n)
		}
		for _, n := range collectiveSizes[complex128]() {
			dataMovement[complex128](t, w, n)
		}
		for _, n := range collectiveSizes[[4]float64]() {
			dataMovement[[4]float64](t, w, n)
		}
		for _, n := range collectiveSizes[celsius]() {
			dataMovement[celsius](t, w, n)
		}
		if !testing.Short() { // 4 MiB broadcasts
			for _, b := range []struct {
				bytes  []byte
				floats []float64
			}{{make([]byte, 4<<20), make([]float64, 4<<20/8)}} {
				for root := range w.Size() {
					if w.Rank() == root {
						fill(b.bytes, root)
						fill(b.floats, root+1)
					}
					must(t, w.Bcast(mpi.Buf(b.bytes), root))
					must(t, w.Bcast(mpi.Buf(b.floats), root))
					checkPattern(t, "Bcast 4 MiB", b.bytes, root)
					checkPattern(t, "Bcast 4 MiB", b.floats, root+1)
				}
			}
		}
	})
}

func TestCollectivesInPlace(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		const n = 5
		for root := range p {
			// Scatter in place: the root keeps its part where it is.
			whole := make([]int32, p*n)
			if r == root {
				for i := range p {
					fill(whole[i*n:(i+1)*n], 10*root+i)
				}
				must(t, w.Scatter(mpi.Buf(whole), mpi.InPlace, root))
				for i := range p {
					checkPattern(t, "Scatter InPlace (root)", whole[i*n:(i+1)*n], 10*root+i)
				}
			} else {
				part := make([]int32, n)
				must(t, w.Scatter(mpi.Buffer{}, mpi.Buf(part), root))
				checkPattern(t, "Scatter InPlace", part, 10*root+r)
			}
			// Gather in place: the root's own part is already in place.
			if r == root {
				whole = make([]int32, p*n)
				fill(whole[r*n:(r+1)*n], 20*root+r)
				must(t, w.Gather(mpi.InPlace, mpi.Buf(whole), root))
				for i := range p {
					checkPattern(t, "Gather InPlace", whole[i*n:(i+1)*n], 20*root+i)
				}
			} else {
				part := make([]int32, n)
				fill(part, 20*root+r)
				must(t, w.Gather(mpi.Buf(part), mpi.Buffer{}, root))
			}
		}
		all := make([]int32, p*n)
		fill(all[r*n:(r+1)*n], 30+r)
		must(t, w.Allgather(mpi.InPlace, mpi.Buf(all)))
		for i := range p {
			checkPattern(t, "Allgather InPlace", all[i*n:(i+1)*n], 30+i)
		}
		// Allreduce in place: the sum of the ranks.
		v := []int64{int64(r), 1}
		must(t, w.Allreduce(mpi.InPlace, mpi.Buf(v), mpi.Sum))
		if v[0] != int64(p*(p-1)/2) || v[1] != int64(p) {
			t.Fatalf("Allreduce InPlace: %v", v)
		}
	})
}

type number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~int | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uint | ~float32 | ~float64
}

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~int | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uint
}

// input is rank r's i-th input to reductions: small, so sums and products are exact.
func input[T number](r, i int) T { return T((r*7+i*3)%5 + 1) }

// reference reduces the inputs of ranks lo..hi-1 with f, in rank order.
func reference[T any](lo, hi, n int, in func(r, i int) T, f func(a, b T) T) []T {
	out := make([]T, n)
	for i := range n {
		acc := in(lo, i)
		for r := lo + 1; r < hi; r++ {
			acc = f(acc, in(r, i))
		}
		out[i] = acc
	}
	return out
}

func equal[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: element %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

// reductions checks every reduction call with op against reference values.
func reductions[T comparable](t *testing.T, w *mpi.Comm, n int, op *mpi.Op, in func(r, i int) T, f func(a, b T) T) {
	t.Helper()
	r, p := w.Rank(), w.Size()
	send := make([]T, n)
	for i := range send {
		send[i] = in(r, i)
	}
	name := op.String()
	all := reference(0, p, n, in, f)
	for root := range p {
		recv := make([]T, n)
		must(t, w.Reduce(mpi.Buf(send), mpi.Buf(recv), op, root))
		if r == root {
			equal(t, "Reduce "+name, recv, all)
		}
	}
	recv := make([]T, n)
	must(t, w.Allreduce(mpi.Buf(send), mpi.Buf(recv), op))
	equal(t, "Allreduce "+name, recv, all)
	must(t, w.Scan(mpi.Buf(send), mpi.Buf(recv), op))
	equal(t, "Scan "+name, recv, reference(0, r+1, n, in, f))
	if r > 0 {
		must(t, w.Exscan(mpi.Buf(send), mpi.Buf(recv), op))
		equal(t, "Exscan "+name, recv, reference(0, r, n, in, f))
	} else {
		must(t, w.Exscan(mpi.Buf(send), mpi.Buf(recv), op))
	}
	// ReduceScatterBlock: inputs of p×n, rank r gets block r of the reduction.
	big := make([]T, p*n)
	for i := range big {
		big[i] = in(r, i)
	}
	must(t, w.ReduceScatterBlock(mpi.Buf(big), mpi.Buf(recv), op))
	whole := reference(0, p, p*n, in, f)
	equal(t, "ReduceScatterBlock "+name, recv, whole[r*n:(r+1)*n])
	// Nonblocking forms.
	req, err := w.Iallreduce(mpi.Buf(send), mpi.Buf(recv), op)
	must(t, err)
	_, err = req.Wait()
	must(t, err)
	equal(t, "Iallreduce "+name, recv, all)
	req, err = w.Ireduce(mpi.Buf(send), mpi.Buf(recv), op, p-1)
	must(t, err)
	_, err = req.Wait()
	must(t, err)
	if r == p-1 {
		equal(t, "Ireduce "+name, recv, all)
	}
}

func numericReductions[T number](t *testing.T, w *mpi.Comm, n int) {
	in := input[T]
	reductions(t, w, n, mpi.Sum, in, func(a, b T) T { return a + b })
	small := func(r, i int) T { return T((r+i)%2 + 1) } // products stay small
	reductions(t, w, n, mpi.Prod, small, func(a, b T) T { return a * b })
	reductions(t, w, n, mpi.Min, in, func(a, b T) T { return min(a, b) })
	reductions(t, w, n, mpi.Max, in, func(a, b T) T { return max(a, b) })
}

func integerReductions[T integer](t *testing.T, w *mpi.Comm, n int) {
	numericReductions[T](t, w, n)
	bits := func(r, i int) T { return T((r*5 + i*3) % 64) }
	reductions(t, w, n, mpi.Band, bits, func(a, b T) T { return a & b })
	reductions(t, w, n, mpi.Bor, bits, func(a, b T) T { return a | b })
	reductions(t, w, n, mpi.Bxor, bits, func(a, b T) T { return a ^ b })
	truth := func(r, i int) T { return T((r + i) % 3 % 2) }
	asBool := func(x T) T {
		if x != 0 {
			return 1
		}
		return 0
	}
	reductions(t, w, n, mpi.Land, truth, func(a, b T) T { return asBool(a) & asBool(b) })
	reductions(t, w, n, mpi.Lor, truth, func(a, b T) T { return asBool(a) | asBool(b) })
	reductions(t, w, n, mpi.Lxor, truth, func(a, b T) T { return asBool(a) ^ asBool(b) })
}

func TestReductions(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		for _, n := range []int{0, 1, 7, 16<<10 + 1} {
			integerReductions[int8](t, w, n)
			integerReductions[int16](t, w, n)
			integerReductions[int32](t, w, n)
			integerReductions[int64](t, w, n)
			integerReductions[int](t, w, n)
			integerReductions[uint8](t, w, n)
			integerReductions[uint16](t, w, n)
			integerReductions[uint32](t, w, n)
			integerReductions[uint64](t, w, n)
			integerReductions[uint](t, w, n)
			numericReductions[float32](t, w, n)
			numericReductions[float64](t, w, n)
			numericReductions[celsius](t, w, n)
			cin := func(r, i int) complex128 { return complex(float64(r+1), float64(i%3)) }
			reductions(t, w, n, mpi.Sum, cin, func(a, b complex128) complex128 { return a + b })
			reductions(t, w, n, mpi.Prod, cin, func(a, b complex128) complex128 { return a * b })
			cin64 := func(r, i int) complex64 { return complex(float32(r+1), float32(i%3)) }
			reductions(t, w, n, mpi.Sum, cin64, func(a, b complex64) complex64 { return a + b })
			bin := func(r, i int) bool { return (r+i)%3 != 0 }
			reductions(t, w, n, mpi.Land, bin, func(a, b bool) bool { return a && b })
			reductions(t, w, n, mpi.Lor, bin, func(a, b bool) bool { return a || b })
			reductions(t, w, n, mpi.Lxor, bin, func(a, b bool) bool { return a != b })
			// Arrays reduce element by element.
			ain := func(r, i int) [4]float64 { return [4]float64{float64(r), float64(i), 1, float64(r * i)} }
			reductions(t, w, n, mpi.Sum, ain, func(a, b [4]float64) [4]float64 {
				return [4]float64{a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]}
			})
			reductions(t, w, n, mpi.Max, ain, func(a, b [4]float64) [4]float64 {
				return [4]float64{max(a[0], b[0]), max(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])}
			})
		}
	})
}

// matmul multiplies 2×2 matrices stored row-major in [4]float64: not commutative.
func matmul(a, b [4]float64) [4]float64 {
	return [4]float64{a[0]*b[0] + a[1]*b[2], a[0]*b[1] + a[1]*b[3], a[2]*b[0] + a[3]*b[2], a[2]*b[1] + a[3]*b[3]}
}

func TestUserOps(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t) // its bad calls are made on every rank, or on some only
		// Non-commutative: the product of the ranks' matrices in rank order.
		mul, err := mpi.NewOp(matmul, false)
		must(t, err)
		defer mul.Free()
		mat := func(r, i int) [4]float64 { return [4]float64{1, float64(r + 1), float64(i % 3), 1} }
		for _, n := range []int{0, 1, 5, 3000} {
			reductions(t, w, n, mul, mat, matmul)
		}
		// A commutative user op gives what the predefined op gives.
		add, err := mpi.NewOp(func(a, b int64) int64 { return a + b }, true)
		must(t, err)
		defer add.Free()
		in := input[int64]
		reductions(t, w, 100, add, in, func(a, b int64) int64 { return a + b })
		x := []int64{int64(w.Rank()) + 1}
		viaUser, viaSum := make([]int64, 1), make([]int64, 1)
		must(t, w.Allreduce(mpi.Buf(x), mpi.Buf(viaUser), add))
		must(t, w.Allreduce(mpi.Buf(x), mpi.Buf(viaSum), mpi.Sum))
		if viaUser[0] != viaSum[0] {
			t.Fatalf("user sum %d, MPI_SUM %d", viaUser[0], viaSum[0])
		}
		// A user op is for its element type only.
		f := []float64{1}
		if err := w.Allreduce(mpi.Buf(f), mpi.Buf(make([]float64, 1)), add); !errors.Is(err, mpi.ErrOp) {
			t.Fatalf("int64 op on float64: %v, want ErrOp", err)
		}
		// A panicking reduction is an error, not a crash (it runs only with 2+ ranks).
		bad, err := mpi.NewOp(func(a, b int32) int32 { // panics on negative input
			if a < 0 || b < 0 {
				panic("boom")
			}
			return a + b
		}, true)
		must(t, err)
		defer bad.Free()
		for _, blocking := range []bool{true, false} {
			var err error
			if blocking {
				err = w.Allreduce(mpi.Buf([]int32{-1}), mpi.Buf(make([]int32, 1)), bad)
			} else {
				var req *mpi.Request
				req, err = w.Iallreduce(mpi.Buf([]int32{-1}), mpi.Buf(make([]int32, 1)), bad)
				must(t, err)
				_, err = req.Wait()
			}
			if err != nil && !errors.Is(err, mpi.ErrOther) {
				t.Fatalf("panicking reduction (blocking %v): %v, want ErrOther", blocking, err)
			}
			// Blocking, every rank returns the error (the others would return a
			// wrong result); nonblocking, the ranks where the function ran (some rank).
			failed, allFailed, anyFailed := err != nil, false, false
			must(t, w.Allreduce(mpi.One(&failed), mpi.One(&allFailed), mpi.Land))
			must(t, w.Allreduce(mpi.One(&failed), mpi.One(&anyFailed), mpi.Lor))
			if w.Size() > 1 && (blocking && !allFailed || !anyFailed) {
				t.Fatalf("panicking reduction (blocking %v): error here %v, on every rank %v, on some %v", blocking, err, allFailed, anyFailed)
			}
			// The panic belongs to its own call: the next reduction with the op,
			// on input it takes, is clean.
			clean := make([]int32, 1)
			must(t, w.Allreduce(mpi.Buf([]int32{1}), mpi.Buf(clean), bad))
			if clean[0] != int32(w.Size()) {
				t.Fatalf("clean reduction after a panic: %d, want %d", clean[0], w.Size())
			}
		}
		// A user op may run inside the progress of another call: a pending
		// Iallreduce is progressed by point-to-point traffic before its Wait.
		req, err := w.Iallreduce(mpi.Buf(x), mpi.Buf(viaUser), add)
		must(t, err)
		r, p := w.Rank(), w.Size()
		_, err = w.Sendrecv(mpi.Buf(make([]byte, 8)), (r+1)%p, 1, mpi.Buf(make([]byte, 8)), (r+p-1)%p, 1)
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		if viaUser[0] != viaSum[0] {
			t.Fatalf("Iallreduce with user op: %d, want %d", viaUser[0], viaSum[0])
		}
	})
}

func TestNonblockingCollectives(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		const n = 1000
		b := make([]float64, n)
		if r == 0 {
			fill(b, 5)
		}
		bar, err := w.Ibarrier()
		must(t, err)
		bc, err := w.Ibcast(mpi.Buf(b), 0)
		must(t, err)
		must(t, mpi.WaitAll(bar, bc))
		checkPattern(t, "Ibcast", b, 5)
		part, whole := make([]int32, n), make([]int32, p*n)
		fill(part, r)
		g, err := w.Iallgather(mpi.Buf(part), mpi.Buf(whole))
		must(t, err)
		_, err = g.Wait()
		must(t, err)
		for i := range p {
			checkPattern(t, "Iallgather", whole[i*n:(i+1)*n], i)
		}
		send, recv := make([]int32, p*n), make([]int32, p*n)
		for j := range p {
			fill(send[j*n:(j+1)*n], 10*r+j)
		}
		a, err := w.Ialltoall(mpi.Buf(send), mpi.Buf(recv))
		must(t, err)
		_, err = a.Wait()
		must(t, err)
		for i := range p {
			checkPattern(t, "Ialltoall", recv[i*n:(i+1)*n], 10*i+r)
		}
		for root := range p {
			if r == root {
				for i := range p {
					fill(whole[i*n:(i+1)*n], 100*root+i)
				}
			}
			s, err := w.Iscatter(mpi.Buf(whole), mpi.Buf(part), root)
			must(t, err)
			_, err = s.Wait()
			must(t, err)
			checkPattern(t, "Iscatter", part, 100*root+r)
			fill(part, 200*root+r)
			gg, err := w.Igather(mpi.Buf(part), mpi.Buf(whole), root)
			must(t, err)
			_, err = gg.Wait()
			must(t, err)
			if r == root {
				for i := range p {
					checkPattern(t, "Igather", whole[i*n:(i+1)*n], 200*root+i)
				}
			}
		}
		// Cancelling a collective is refused.
		bar, err = w.Ibarrier()
		must(t, err)
		if err := bar.Cancel(); !errors.Is(err, mpi.ErrUnsupported) {
			t.Fatalf("Cancel of Ibarrier: %v", err)
		}
		_, err = bar.Wait()
		must(t, err)
	})
}

func TestOpTypeMismatches(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t) // its bad calls are made on every rank, or on some only
		c := []complex128{1}
		f := []float64{1}
		bs := []bool{true}
		cases := []struct {
			name string
			err  error
		}{
			{"Max on complex128", w.Allreduce(mpi.Buf(c), mpi.Buf(make([]complex128, 1)), mpi.Max)},
			{"Band on float64", w.Allreduce(mpi.Buf(f), mpi.Buf(make([]float64, 1)), mpi.Band)},
			{"Land on float64", w.Allreduce(mpi.Buf(f), mpi.Buf(make([]float64, 1)), mpi.Land)},
			{"Sum on bool", w.Allreduce(mpi.Buf(bs), mpi.Buf(make([]bool, 1)), mpi.Sum)},
			{"nil op", w.Allreduce(mpi.Buf(f), mpi.Buf(make([]float64, 1)), nil)},
		}
		for _, tc := range cases {
			if !errors.Is(tc.err, mpi.ErrOp) {
				t.Errorf("%s: %v, want ErrOp", tc.name, tc.err)
			}
		}
	}, mpitest.Ranks(1, 2))
}
