package mpi_test

import (
	"errors"
	"slices"
	"testing"
	"unsafe"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// particle has 4 bytes of padding at the end; padded has padding between fields.
type particle struct {
	X, Y, Z float64
	ID      int32
}

type padded struct {
	A int8
	B float64
	C int16
	D [3]float32
	E struct {
		F uint8
		G complex64
	}
}

func makeParticles(n, seed int) []particle {
	out := make([]particle, n)
	for i := range out {
		v := float64(seed*1000 + i)
		out[i] = particle{v, v + 0.25, -v, int32(seed*7 + i)}
	}
	return out
}

func makePadded(n, seed int) []padded {
	out := make([]padded, n)
	for i := range out {
		k := seed*100 + i
		out[i].A, out[i].B, out[i].C = int8(k), float64(k)/3, int16(-k)
		out[i].D = [3]float32{float32(k), float32(k) + 1, float32(k) + 2}
		out[i].E.F, out[i].E.G = uint8(k*3), complex(float32(k), -float32(k))
	}
	return out
}

// TestStructBuffers sends slices of Go structs, with padding, around a ring,
// as p2p messages and through collectives.
func TestStructBuffers(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t) // its bad calls are made on every rank, or on some only
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		dt, err := mpi.TypeOf[particle]()
		must(t, err)
		if dt.Size() != 28 {
			t.Errorf("particle data is %d bytes, want 28", dt.Size())
		}
		if lb, ext := dt.Extent(); lb != 0 || ext != int64(unsafe.Sizeof(particle{})) {
			t.Errorf("particle extent (%d, %d), want (0, %d)", lb, ext, unsafe.Sizeof(particle{}))
		}
		for _, n := range []int{1, 100, 1000} { // staged and matched receives
			got := make([]particle, n)
			st, err := w.Sendrecv(mpi.Buf(makeParticles(n, r)), next, 1, mpi.Buf(got), prev, 1)
			must(t, err)
			if want := makeParticles(n, prev); !slices.Equal(got, want) {
				t.Fatalf("%d particles from rank %d: got %v…, want %v…", n, prev, got[0], want[0])
			}
			if st.Count() != n {
				t.Errorf("Status.Count %d, want %d particles", st.Count(), n)
			}
		}
		got := make([]padded, 50)
		_, err = w.Sendrecv(mpi.Buf(makePadded(50, r)), next, 2, mpi.Buf(got), prev, 2)
		must(t, err)
		if want := makePadded(50, prev); !slices.Equal(got, want) {
			t.Fatalf("padded structs from rank %d: got %+v, want %+v", prev, got[0], want[0])
		}
		all := make([]particle, 3*p)
		must(t, w.Allgather(mpi.Buf(makeParticles(3, r)), mpi.Buf(all)))
		for i := range p {
			if want := makeParticles(3, i); !slices.Equal(all[3*i:3*i+3], want) {
				t.Fatalf("Allgather part %d: %v, want %v", i, all[3*i:3*i+3], want)
			}
		}
		b := makeParticles(5, 9)
		if r != 0 {
			clear(b)
		}
		must(t, w.Bcast(mpi.Buf(b), 0))
		if !slices.Equal(b, makeParticles(5, 9)) {
			t.Fatalf("Bcast of particles: %v", b)
		}

		// A user op on structs reduces whole elements; predefined ops refuse them.
		add, err := mpi.NewOp(func(a, b particle) particle {
			return particle{a.X + b.X, a.Y + b.Y, a.Z + b.Z, a.ID + b.ID}
		}, true)
		must(t, err)
		defer add.Free()
		var sum particle
		must(t, w.Allreduce(mpi.One(&particle{1, float64(r), 2, int32(r)}), mpi.One(&sum), add))
		if want := (particle{float64(p), float64(p * (p - 1) / 2), float64(2 * p), int32(p * (p - 1) / 2)}); sum != want {
			t.Errorf("Allreduce with a struct op: %+v, want %+v", sum, want)
		}
		wantClass(t, "Sum on structs", w.Allreduce(mpi.One(&sum), mpi.One(&sum), mpi.Sum), mpi.ErrOp)
		wantClass(t, "Free TypeOf's datatype", dt.Free(), mpi.ErrType)
	})
}

// matrix returns a rows×cols row-major matrix whose element (i, j) is
// seed*10000 + i*100 + j.
func matrix(rows, cols, seed int) []float64 {
	m := make([]float64, rows*cols)
	for i := range rows {
		for j := range cols {
			m[i*cols+j] = float64(seed*10000 + i*100 + j)
		}
	}
	return m
}

// TestDerivedDatatypes sends strided and irregular pieces of a matrix with
// each constructor and checks what arrives against indices computed here.
func TestDerivedDatatypes(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		f64, err := mpi.TypeOf[float64]()
		must(t, err)
		const rows, cols = 6, 5
		m := matrix(rows, cols, r)
		want := func(idx ...int) []float64 { // elements of prev's matrix at flat indices
			pm := matrix(rows, cols, prev)
			out := make([]float64, len(idx))
			for k, i := range idx {
				out[k] = pm[i]
			}
			return out
		}
		exchange := func(name string, d *mpi.Datatype, count int, idx []int) {
			t.Helper()
			got := make([]float64, len(idx))
			st, err := w.Sendrecv(mpi.Typed(m, d, count), next, 3, mpi.Buf(got), prev, 3)
			must(t, err)
			if w := want(idx...); !slices.Equal(got, w) {
				t.Fatalf("%s: got %v, want %v", name, got, w)
			}
			if st.Bytes() != 8*len(idx) {
				t.Errorf("%s: %d bytes, want %d", name, st.Bytes(), 8*len(idx))
			}
			// And back: received into the same layout of a zeroed matrix.
			mine := make([]float64, len(idx))
			for k, i := range idx {
				mine[k] = m[i]
			}
			into := make([]float64, rows*cols)
			_, err = w.Sendrecv(mpi.Buf(mine), next, 4, mpi.Typed(into, d, count), prev, 4)
			must(t, err)
			pm := matrix(rows, cols, prev)
			for i := range into {
				if want := pm[i]; slices.Contains(idx, i) && into[i] != want || !slices.Contains(idx, i) && into[i] != 0 {
					t.Fatalf("%s received into its layout: element %d is %v (want %v at %v, 0 elsewhere)", name, i, into[i], want, idx)
				}
			}
		}
		col, err := mpi.Vector(rows, 1, cols, f64)
		must(t, err)
		exchange("column 0", col, 1, []int{0, 5, 10, 15, 20, 25})
		if col.Size() != rows*8 {
			t.Errorf("column size %d", col.Size())
		}
		blocks, err := mpi.Vector(2, 2, 7, f64)
		must(t, err)
		exchange("vector 2×2 stride 7, twice", blocks, 2, []int{0, 1, 7, 8, 9, 10, 16, 17})
		hv, err := mpi.Hvector(3, 1, 16, f64)
		must(t, err)
		exchange("hvector stride 16 B", hv, 1, []int{0, 2, 4})
		ix, err := mpi.Indexed([]int{2, 1, 3}, []int{1, 6, 20}, f64)
		must(t, err)
		exchange("indexed", ix, 1, []int{1, 2, 6, 20, 21, 22})
		hix, err := mpi.Hindexed([]int{1, 2}, []int64{8 * 29, 8 * 3}, f64)
		must(t, err)
		exchange("hindexed", hix, 1, []int{29, 3, 4})
		ib, err := mpi.IndexedBlock(2, []int{4, 12, 26}, f64)
		must(t, err)
		exchange("indexed block", ib, 1, []int{4, 5, 12, 13, 26, 27})
		hib, err := mpi.HindexedBlock(1, []int64{0, 8 * 14}, f64)
		must(t, err)
		exchange("hindexed block", hib, 1, []int{0, 14})
		sub, err := mpi.Subarray([]int{rows, cols}, []int{3, 2}, []int{1, 2}, f64)
		must(t, err)
		exchange("subarray 3×2 at (1,2)", sub, 1, []int{7, 8, 12, 13, 17, 18})
		if _, ext := sub.Extent(); ext != rows*cols*8 {
			t.Errorf("subarray extent %d, want the whole array", ext)
		}
		pair, err := mpi.Contiguous(2, f64)
		must(t, err)
		exchange("contiguous 2, thrice", pair, 3, []int{0, 1, 2, 3, 4, 5})
		dup, err := col.Dup()
		must(t, err)
		exchange("dup of column", dup, 1, []int{0, 5, 10, 15, 20, 25})
		st, err := mpi.StructType([]int{1, 2}, []int64{0, 8 * 10}, []*mpi.Datatype{f64, pair})
		must(t, err)
		exchange("struct of a double and two pairs", st, 1, []int{0, 10, 11, 12, 13})

		// Columns, resized to one element, scattered from rank 0: rank i gets column i.
		wideCol, err := mpi.Vector(rows, 1, p, f64)
		must(t, err)
		colOne, err := mpi.Resized(wideCol, 0, 8)
		must(t, err)
		must(t, wideCol.Free()) // colOne stays valid
		wide := matrix(rows, p, 0)
		mine := make([]float64, rows)
		must(t, w.Scatter(mpi.Typed(wide, colOne, p), mpi.Buf(mine), 0))
		for i := range rows {
			if mine[i] != wide[i*p+r] {
				t.Fatalf("Scatter of columns: rank %d row %d got %v, want %v", r, i, mine[i], wide[i*p+r])
			}
		}
		// ...and gathered back into a zeroed matrix.
		back := make([]float64, rows*p)
		must(t, w.Gather(mpi.Buf(mine), mpi.Typed(back, colOne, p), 0))
		if r == 0 && !slices.Equal(back, wide) {
			t.Fatalf("Gather of columns: %v, want %v", back, wide)
		}
		// Bcast of a column in place.
		bm := matrix(rows, cols, 0)
		if r != 0 {
			bm = make([]float64, rows*cols)
		}
		must(t, w.Bcast(mpi.Typed(bm[2:], col, 1), 0))
		for i := range rows {
			if bm[i*cols+2] != float64(i*100+2) {
				t.Fatalf("Bcast of column 2: row %d is %v", i, bm[i*cols+2])
			}
		}
		for _, d := range []*mpi.Datatype{col, blocks, hv, ix, hix, ib, hib, sub, pair, dup, st, colOne} {
			must(t, d.Free())
		}
	})
}

// TestPack packs a column and some ints into bytes, sends them, and unpacks.
func TestPack(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		f64, _ := mpi.TypeOf[float64]()
		col, err := mpi.Vector(4, 1, 3, f64)
		must(t, err)
		defer col.Free()
		m := matrix(4, 3, r)
		ids := []int32{int32(r), int32(r * 2), int32(r * 3)}
		n1, err := mpi.PackSize(mpi.Typed(m[1:], col, 1), w)
		must(t, err)
		n2, err := mpi.PackSize(mpi.Buf(ids), w)
		must(t, err)
		packed := make([]byte, n1+n2)
		pos, err := mpi.Pack(mpi.Typed(m[1:], col, 1), packed, 0, w)
		must(t, err)
		pos, err = mpi.Pack(mpi.Buf(ids), packed, pos, w)
		must(t, err)
		if pos != 4*8+3*4 {
			t.Errorf("packed %d bytes, want %d", pos, 4*8+3*4)
		}
		in := make([]byte, len(packed))
		_, err = w.Sendrecv(mpi.Buf(packed[:pos]), (r+1)%p, 5, mpi.Buf(in), (r+p-1)%p, 5)
		must(t, err)
		prev := (r + p - 1) % p
		gotCol, gotIDs := make([]float64, 4*3), make([]int32, 3)
		pos, err = mpi.Unpack(in, 0, mpi.Typed(gotCol[1:], col, 1), w)
		must(t, err)
		_, err = mpi.Unpack(in, pos, mpi.Buf(gotIDs), w)
		must(t, err)
		pm := matrix(4, 3, prev)
		for i := range 4 {
			if gotCol[i*3+1] != pm[i*3+1] {
				t.Fatalf("unpacked column row %d: %v, want %v", i, gotCol[i*3+1], pm[i*3+1])
			}
		}
		if !slices.Equal(gotIDs, []int32{int32(prev), int32(prev * 2), int32(prev * 3)}) {
			t.Fatalf("unpacked ids %v", gotIDs)
		}
		short := make([]byte, 10)
		short[len(short)-1] = 0xee
		_, err = mpi.Pack(mpi.Buf(ids), short[:9], 0, w)
		wantClass(t, "Pack into 9 bytes of 12", err, mpi.ErrTruncate)
		if short[9] != 0xee {
			t.Error("Pack into 9 bytes wrote past them")
		}
		_, err = mpi.Unpack(in, len(in)-8, mpi.Buf(gotIDs), w)
		wantClass(t, "Unpack of 12 bytes from the last 8", err, mpi.ErrTruncate)
		_, err = mpi.Pack(mpi.Buf(ids), short, 11, w)
		wantClass(t, "Pack at a position past the end", err, mpi.ErrArg)
	})
}

// TestDatatypeErrors: bad constructor arguments, Typed buffers that reach
// outside their slice or overlap, freed types, truncation.
func TestDatatypeErrors(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t) // its bad calls are made on every rank, or on some only
		r := w.Rank()
		f64, _ := mpi.TypeOf[float64]()
		_, err := mpi.Vector(-1, 1, 1, f64)
		wantClass(t, "Vector count -1", err, mpi.ErrCount)
		_, err = mpi.Indexed([]int{1, 2}, []int{0}, f64)
		wantClass(t, "Indexed lengths differ", err, mpi.ErrArg)
		_, err = mpi.Subarray([]int{4, 4}, []int{2, 5}, []int{0, 0}, f64)
		wantClass(t, "Subarray larger than the array", err, mpi.ErrArg)
		_, err = mpi.Subarray([]int{4, 4}, []int{2, 2}, []int{3, 0}, f64)
		wantClass(t, "Subarray past the edge", err, mpi.ErrArg)
		_, err = mpi.Contiguous(2, nil)
		wantClass(t, "Contiguous of nil", err, mpi.ErrType)
		_, err = mpi.StructType([]int{1}, []int64{0}, nil)
		wantClass(t, "StructType without types", err, mpi.ErrArg)

		col, err := mpi.Vector(4, 1, 3, f64)
		must(t, err)
		m := make([]float64, 12)
		wantClass(t, "column past the slice", w.Send(mpi.Typed(m[3:], col, 1), mpi.ProcNull, 0), mpi.ErrBuffer)
		wantClass(t, "two columns past the slice", w.Send(mpi.Typed(m, col, 4), mpi.ProcNull, 0), mpi.ErrBuffer)
		must(t, w.Send(mpi.Typed(m[2:], col, 1), mpi.ProcNull, 0))
		_, err = w.Recv(mpi.Typed(m, col, -1), mpi.ProcNull, 0)
		wantClass(t, "negative count", err, mpi.ErrCount)

		twice, err := mpi.Vector(2, 1, 0, f64) // the same element twice
		must(t, err)
		must(t, w.Send(mpi.Typed(m, twice, 1), mpi.ProcNull, 0)) // sending it is fine
		_, err = w.Recv(mpi.Typed(m, twice, 1), mpi.ProcNull, 0)
		wantClass(t, "receive into an overlapping type", err, mpi.ErrType)
		shrunk, err := mpi.Resized(col, 0, 8) // columns one element apart: no overlap
		must(t, err)
		_, err = w.Recv(mpi.Typed(m, shrunk, 3), mpi.ProcNull, 0)
		must(t, err)
		pairs, err := mpi.Contiguous(2, f64)
		must(t, err)
		half, err := mpi.Resized(pairs, 0, 8) // pairs one element apart: overlap
		must(t, err)
		_, err = w.Recv(mpi.Typed(m, half, 2), mpi.ProcNull, 0)
		wantClass(t, "receive into overlapping repetitions", err, mpi.ErrType)

		// Truncation: a Typed receive is left unchanged.
		m2 := make([]float64, 12)
		_, err = w.Sendrecv(mpi.Buf(make([]float64, 8)), r, 6, mpi.Typed(m2, col, 1), r, 6)
		wantClass(t, "8 doubles into a column of 4", err, mpi.ErrTruncate)
		if !slices.Equal(m2, make([]float64, 12)) {
			t.Errorf("truncated Typed receive wrote %v", m2)
		}

		for _, d := range []*mpi.Datatype{col, twice, shrunk, pairs, half} {
			must(t, d.Free())
		}
		wantClass(t, "Free twice", col.Free(), mpi.ErrType)
		wantClass(t, "send with a freed type", w.Send(mpi.Typed(m, col, 1), mpi.ProcNull, 0), mpi.ErrType)
		_, err = mpi.Contiguous(2, col)
		wantClass(t, "derive from a freed type", err, mpi.ErrType)
		wantClass(t, "Allreduce of Typed buffers", w.Allreduce(mpi.Typed(m, f64, 1), mpi.Typed(m2, f64, 1), mpi.Sum), mpi.ErrType)
	})
}

// TestMinMaxLoc reduces value-index pairs of every Loc type.
func TestMinMaxLoc(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t) // its bad calls are made on every rank, or on some only
		r, p := w.Rank(), w.Size()
		value := func(rank, i int) int { return (rank*37+i*11)%17 - 8 } // ties possible
		const n = 5
		check := func(name string, got func(i int) (int, int32), loc bool) {
			t.Helper()
			for i := range n {
				best, at := value(0, i), 0
				for k := 1; k < p; k++ {
					if v := value(k, i); loc && v < best || !loc && v > best {
						best, at = v, k
					}
				}
				if v, idx := got(i); v != best || idx != int32(at) {
					t.Fatalf("%s element %d: (%d, %d), want (%d, %d)", name, i, v, idx, best, at)
				}
			}
		}
		f := make([]mpi.Loc[float64], n)
		g := make([]mpi.Loc[int32], n)
		h := make([]mpi.Loc[float32], n)
		k := make([]mpi.Loc[int64], n)
		s := make([]mpi.Loc[int16], n)
		for i := range n {
			v := value(r, i)
			f[i], g[i], h[i] = mpi.Loc[float64]{float64(v), int32(r)}, mpi.Loc[int32]{int32(v), int32(r)}, mpi.Loc[float32]{float32(v), int32(r)}
			k[i], s[i] = mpi.Loc[int64]{int64(v), int32(r)}, mpi.Loc[int16]{int16(v), int32(r)}
		}
		fo, go_, ho := make([]mpi.Loc[float64], n), make([]mpi.Loc[int32], n), make([]mpi.Loc[float32], n)
		ko, so := make([]mpi.Loc[int64], n), make([]mpi.Loc[int16], n)
		must(t, w.Allreduce(mpi.Buf(f), mpi.Buf(fo), mpi.MinLoc))
		check("MinLoc float64", func(i int) (int, int32) { return int(fo[i].Value), fo[i].Index }, true)
		must(t, w.Allreduce(mpi.Buf(g), mpi.Buf(go_), mpi.MaxLoc))
		check("MaxLoc int32", func(i int) (int, int32) { return int(go_[i].Value), go_[i].Index }, false)
		must(t, w.Allreduce(mpi.Buf(h), mpi.Buf(ho), mpi.MinLoc))
		check("MinLoc float32", func(i int) (int, int32) { return int(ho[i].Value), ho[i].Index }, true)
		must(t, w.Allreduce(mpi.Buf(k), mpi.Buf(ko), mpi.MaxLoc))
		check("MaxLoc int64", func(i int) (int, int32) { return int(ko[i].Value), ko[i].Index }, false)
		must(t, w.Reduce(mpi.Buf(s), mpi.Buf(so), mpi.MinLoc, 0))
		if r == 0 {
			check("MinLoc int16 (Reduce)", func(i int) (int, int32) { return int(so[i].Value), so[i].Index }, true)
		}
		err := w.Allreduce(mpi.Buf(f), mpi.Buf(fo), mpi.Sum)
		if !errors.Is(err, mpi.ErrOp) {
			t.Errorf("Sum on Loc: %v, want ErrOp", err)
		}
		x := []float64{1}
		wantClass(t, "MinLoc on float64", w.Allreduce(mpi.Buf(x), mpi.Buf(x), mpi.MinLoc), mpi.ErrOp)
	})
}
