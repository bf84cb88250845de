package mpi_test

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// Darray's part of a 7×5 global array, dimension 0 dealt in cycles of 2
// rows, dimension 1 in blocks, over a grid of the job's ranks, checked
// element by element against the ownership rule written out here; the
// caller's arguments are left as they were.
func TestDarray(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		psizes, err := mpi.DimsCreate(p, []int{0, 0})
		must(t, err)
		gsizes := []int{7, 5}
		dargs := []int{2, mpi.DefaultDarg}
		i32 := mustType[int32](t)
		d, err := mpi.Darray(p, r, gsizes, []mpi.Distrib{mpi.DistributeCyclic, mpi.DistributeBlock}, dargs, psizes, i32)
		must(t, err)
		defer d.Free()
		if dargs[1] != mpi.DefaultDarg {
			t.Errorf("Darray changed the caller's dargs: %v", dargs)
		}
		// The oracle: rank r is at (r / psizes[1], r % psizes[1]) of the grid.
		c0, c1 := r/psizes[1], r%psizes[1]
		block := (gsizes[1] + psizes[1] - 1) / psizes[1]
		var want []int32
		for i := range gsizes[0] {
			for j := range gsizes[1] {
				if (i/2)%psizes[0] == c0 && j/block == c1 {
					want = append(want, int32(i*gsizes[1]+j))
				}
			}
		}
		if d.Size() != int64(4*len(want)) {
			t.Fatalf("Darray's size %d bytes, want %d (%d elements)", d.Size(), 4*len(want), len(want))
		}
		if _, extent := d.Extent(); extent != int64(4*7*5) {
			t.Errorf("Darray's extent %d, want the whole array's 140", extent)
		}
		global := make([]int32, 7*5)
		for i := range global {
			global[i] = int32(i)
		}
		packed := make([]byte, 4*len(want))
		_, err = mpi.Pack(mpi.Typed(global, d, 1), packed, 0, mpi.Self())
		must(t, err)
		got := make([]int32, len(want))
		for i := range got {
			got[i] = int32(binary.NativeEndian.Uint32(packed[4*i:]))
		}
		if !slices.Equal(got, want) {
			t.Errorf("rank %d of grid %v owns %v, want %v", r, psizes, got, want)
		}
		// Errors: a grid that is not size processes, a rank outside it,
		// lengths that differ, a block too small to cover its dimension.
		distribs := []mpi.Distrib{mpi.DistributeBlock, mpi.DistributeBlock}
		for _, c := range []struct {
			what                  string
			size, rank            int
			gsizes, dargs, psizes []int
			class                 error
		}{
			{"a grid of the wrong size", p + 1, 0, []int{4, 4}, []int{-1, -1}, psizes, mpi.ErrArg},
			{"a rank outside the grid", p, p, []int{4, 4}, []int{-1, -1}, psizes, mpi.ErrRank},
			{"lengths that differ", p, 0, []int{4}, []int{-1, -1}, psizes, mpi.ErrArg},
			{"blocks too small", 1, 0, []int{8, 4}, []int{2, -1}, []int{1, 1}, mpi.ErrArg},
		} {
			_, err := mpi.Darray(c.size, c.rank, c.gsizes, distribs, c.dargs, c.psizes, i32)
			wantClass(t, c.what, err, c.class)
		}
	}, mpitest.Ranks(1, 2, 3, 4))
}

// Envelope and Contents give back what each constructor was given.
func TestTypeContents(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		i32 := mustType[int32](t)
		if c, ni, na, nt, err := i32.Envelope(); err != nil || c != mpi.CombinerNamed || ni+na+nt != 0 {
			t.Errorf("Envelope of int32: %v %d %d %d %v", c, ni, na, nt, err)
		}
		_, _, _, err := i32.Contents()
		wantClass(t, "Contents of a predefined type", err, mpi.ErrType)

		vec, err := mpi.Vector(3, 2, 4, i32)
		must(t, err)
		defer vec.Free()
		ints, addrs, types, err := vec.Contents()
		must(t, err)
		if c, _, _, _, _ := vec.Envelope(); c != mpi.CombinerVector || !slices.Equal(ints, []int{3, 2, 4}) || len(addrs) != 0 || len(types) != 1 || types[0].Size() != 4 {
			t.Errorf("Vector's contents: %v %v %v", ints, addrs, types)
		}
		// A vector of vectors: the inner type comes back as a new Datatype.
		outer, err := mpi.Hvector(2, 1, 64, vec)
		must(t, err)
		defer outer.Free()
		ints, addrs, types, err = outer.Contents()
		must(t, err)
		if !slices.Equal(ints, []int{2, 1}) || !slices.Equal(addrs, []int64{64}) || len(types) != 1 {
			t.Fatalf("Hvector's contents: %v %v %v", ints, addrs, types)
		}
		if c, _, _, _, err := types[0].Envelope(); err != nil || c != mpi.CombinerVector || types[0].Size() != vec.Size() {
			t.Errorf("the inner type of the Hvector: %v %v size %d", c, err, types[0].Size())
		}
		must(t, types[0].Free())

		sub, err := mpi.Subarray([]int{4, 6}, []int{2, 3}, []int{1, 2}, i32)
		must(t, err)
		defer sub.Free()
		ints, _, _, err = sub.Contents()
		must(t, err)
		if c, _, _, _, _ := sub.Envelope(); c != mpi.CombinerSubarray || len(ints) != 8 || !slices.Equal(ints[:7], []int{2, 4, 6, 2, 3, 1, 2}) {
			t.Errorf("Subarray's contents: %v", ints)
		}
		res, err := mpi.Resized(i32, 0, 16)
		must(t, err)
		defer res.Free()
		_, addrs, _, err = res.Contents()
		if c, _, _, _, _ := res.Envelope(); err != nil || c != mpi.CombinerResized || !slices.Equal(addrs, []int64{0, 16}) {
			t.Errorf("Resized's contents: %v %v", addrs, err)
		}
	}, mpitest.Ranks(1))
}

// external32: big-endian whatever the machine, fixed sizes; a round trip
// gives the values back; a short buffer is ErrTruncate.
func TestPackExternal(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		in := []int32{1, 0x01020304}
		n, err := mpi.PackExternalSize(mpi.Buf(in))
		if err != nil || n != 8 {
			t.Fatalf("PackExternalSize of 2 int32 = %d, %v; want 8", n, err)
		}
		f := []float64{1.5}
		buf := make([]byte, 16)
		pos, err := mpi.PackExternal(mpi.Buf(in), buf, 0)
		must(t, err)
		pos, err = mpi.PackExternal(mpi.Buf(f), buf, pos)
		must(t, err)
		want := []byte{0, 0, 0, 1, 1, 2, 3, 4, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0}
		if pos != 16 || !slices.Equal(buf, want) {
			t.Errorf("external32 bytes % x (position %d), want % x", buf, pos, want)
		}
		back := make([]int32, 2)
		fb := make([]float64, 1)
		pos, err = mpi.UnpackExternal(buf, 0, mpi.Buf(back))
		must(t, err)
		_, err = mpi.UnpackExternal(buf, pos, mpi.Buf(fb))
		must(t, err)
		if !slices.Equal(back, in) || fb[0] != 1.5 {
			t.Errorf("round trip: %v %v", back, fb)
		}
		_, err = mpi.PackExternal(mpi.Buf(in), buf[:7], 0)
		wantClass(t, "PackExternal into 7 bytes", err, mpi.ErrTruncate)
		_, err = mpi.UnpackExternal(buf, 12, mpi.Buf(back))
		wantClass(t, "UnpackExternal of 8 bytes from 4 left", err, mpi.ErrTruncate)
		_, err = mpi.PackExternal(mpi.Buf(in), buf, 17)
		wantClass(t, "PackExternal at a position past the buffer", err, mpi.ErrArg)
	}, mpitest.Ranks(1))
}
