package mpi_test

import (
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// syncAll makes every rank's writes to f visible to every rank: the
// sync-barrier-sync of MPI-IO's consistency rules.
func syncAll(t *testing.T, f *mpi.File, w *mpi.Comm) {
	t.Helper()
	must(t, f.Sync())
	must(t, w.Barrier())
	must(t, f.Sync())
}

// Every rank writes its block at an explicit offset, independently and
// collectively, then reads the others' back; the file is checked with os.
func TestFileExplicitOffsets(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		name := filepath.Join(mpitest.SharedDir(t, w), "blocks")
		f, err := mpi.OpenFile(w, name, os.O_RDWR|os.O_CREATE, nil)
		must(t, err)
		const n = 1000
		mine := make([]float64, n)
		for i := range mine {
			mine[i] = float64(r*n + i)
		}
		_, err = f.WriteBufAt(mpi.Buf(mine), int64(r*n*8))
		must(t, err)
		_, err = f.WriteBufAtAll(mpi.Buf(mine), int64((p+r)*n*8)) // a second copy after the first
		must(t, err)
		syncAll(t, f, w)
		size, err := f.Size()
		must(t, err)
		if size != int64(2*p*n*8) {
			t.Fatalf("size %d, want %d", size, 2*p*n*8)
		}
		next := (r + 1) % p
		got := make([]float64, n)
		st, err := f.ReadBufAtAll(mpi.Buf(got), int64((p+next)*n*8))
		must(t, err)
		if st.Count() != n || got[0] != float64(next*n) || got[n-1] != float64(next*n+n-1) {
			t.Fatalf("rank %d's block read back: count %d, %v … %v", next, st.Count(), got[0], got[n-1])
		}
		// Reading past the end: a short count, and io.EOF from ReadAt.
		st, err = f.ReadBufAt(mpi.Buf(got), size-16)
		must(t, err)
		if st.Count() != 2 {
			t.Errorf("read of 1000 float64s 16 bytes before the end: count %d, want 2", st.Count())
		}
		b := make([]byte, 32)
		k, err := f.ReadAt(b, size-8)
		if k != 8 || err != io.EOF {
			t.Errorf("ReadAt 8 bytes before the end: %d, %v; want 8, io.EOF", k, err)
		}
		must(t, f.Close())
		wantClass(t, "ReadBufAt after Close", func() error { _, err := f.ReadBufAt(mpi.Buf(got), 0); return err }(), mpi.ErrArg)
		if r == 0 {
			raw, err := os.ReadFile(name)
			must(t, err)
			for i := range 2 * p * n {
				if v := math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])); v != float64(i%(p*n)) {
					t.Fatalf("byte %d of the file: %v, want %d", 8*i, v, i%(p*n))
				}
			}
		}
	})
}

// A 2D array of 12×10 int32, split into blocks over a Cartesian grid, is
// written collectively through Subarray views: the file is the array in
// row-major order, byte for byte; read back through the same views, each
// rank gets its block.
func TestFileSubarrayView(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		const rows, cols = 12, 10
		dims, err := mpi.DimsCreate(w.Size(), []int{0, 0})
		must(t, err)
		cart, err := w.CartCreate(dims, []bool{false, false}, false)
		must(t, err)
		c := cart.Coords()
		r0, nr := c[0]*rows/dims[0], (c[0]+1)*rows/dims[0]-c[0]*rows/dims[0]
		c0, nc := c[1]*cols/dims[1], (c[1]+1)*cols/dims[1]-c[1]*cols/dims[1]
		block := make([]int32, nr*nc)
		for i := range nr {
			for j := range nc {
				block[i*nc+j] = int32((r0+i)*cols + c0 + j)
			}
		}
		i32, err := mpi.TypeOf[int32]()
		must(t, err)
		view, err := mpi.Subarray([]int{rows, cols}, []int{nr, nc}, []int{r0, c0}, i32)
		must(t, err)
		name := filepath.Join(mpitest.SharedDir(t, w), "array")
		f, err := mpi.OpenFile(cart.Comm, name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, nil)
		must(t, err)
		must(t, f.SetView(0, i32, view))
		_, err = f.WriteBufAll(mpi.Buf(block))
		must(t, err)
		_, err = f.WriteAt([]byte{1}, 0)
		wantClass(t, "WriteAt under a view of int32", err, mpi.ErrArg)
		must(t, f.Close())
		if cart.Rank() == 0 {
			raw, err := os.ReadFile(name)
			must(t, err)
			if len(raw) != rows*cols*4 {
				t.Fatalf("file of %d bytes, want %d", len(raw), rows*cols*4)
			}
			for k := range rows * cols {
				if v := int32(binary.LittleEndian.Uint32(raw[4*k:])); v != int32(k) {
					t.Fatalf("element %d of the file is %d", k, v)
				}
			}
		}
		f, err = mpi.OpenFile(cart.Comm, name, os.O_RDONLY, nil)
		must(t, err)
		must(t, f.SetView(0, i32, view))
		back := make([]int32, nr*nc)
		runtime.GC()
		_, err = f.ReadBufAll(mpi.Buf(back))
		must(t, err)
		for i := range back {
			if back[i] != block[i] {
				t.Fatalf("block read back through the view differs at %d: %d, want %d", i, back[i], block[i])
			}
		}
		must(t, f.Close())
		must(t, view.Free())
		must(t, cart.Free())
	})
}

// View reads back what SetView set (MPI_File_get_view): MPI_BYTE and 0
// before, then the displacement, and copies of the types, which have their
// sizes and extents, can be freed, and make the same view again.
func TestFileView(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		name := filepath.Join(mpitest.SharedDir(t, w), "view")
		f, err := mpi.OpenFile(w, name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, nil)
		must(t, err)
		disp, et, ft, rep, err := f.View()
		must(t, err)
		if disp != 0 || et.Size() != 1 || ft.Size() != 1 || rep != "native" {
			t.Fatalf("default view: disp %d, etype of %d bytes, filetype of %d, %q; want 0, 1, 1, native", disp, et.Size(), ft.Size(), rep)
		}
		wantClass(t, "Free of the default view's MPI_BYTE", et.Free(), mpi.ErrType)

		// Each rank sees every size-th int64 from its own, after 24 bytes.
		i64, err := mpi.TypeOf[int64]()
		must(t, err)
		p, r := w.Size(), w.Rank()
		strided, err := mpi.Vector(1, 1, p, i64)
		must(t, err)
		tiled, err := mpi.Resized(strided, 0, int64(8*p))
		must(t, err)
		must(t, strided.Free())
		must(t, f.SetView(24+int64(8*r), i64, tiled))
		disp, et, ft, rep, err = f.View()
		must(t, err)
		if _, ext := ft.Extent(); disp != 24+int64(8*r) || et.Size() != 8 || ft.Size() != 8 || ext != int64(8*p) || rep != "native" {
			t.Fatalf("view: disp %d, etype %d bytes, filetype %d bytes and extent %d, %q; want %d, 8, 8, %d, native",
				disp, et.Size(), ft.Size(), ext, rep, 24+8*r, 8*p)
		}
		// The copy makes the same view: each rank writes its values through it.
		must(t, f.SetView(disp, et, ft))
		_, err = f.WriteBufAtAll(mpi.Buf([]int64{int64(r), int64(r + 100)}), 0)
		must(t, err)
		must(t, ft.Free())
		wantClass(t, "Free of the view's int64, a predefined type", et.Free(), mpi.ErrType)
		must(t, tiled.Free())
		must(t, f.Close())
		must(t, w.Barrier())
		if r == 0 {
			raw, err := os.ReadFile(name)
			must(t, err)
			if len(raw) != 24+16*p {
				t.Fatalf("file of %d bytes, want %d", len(raw), 24+16*p)
			}
			for k := range 2 * p {
				want := int64(k%p + 100*(k/p))
				if v := int64(binary.LittleEndian.Uint64(raw[24+8*k:])); v != want {
					t.Fatalf("int64 %d of the file is %d, want %d", k, v, want)
				}
			}
		}
		_, _, _, _, err = f.View()
		wantClass(t, "View of a closed file", err, mpi.ErrArg)
	})
}

// The shared file pointer: WriteOrdered puts the ranks' parts in rank
// order; WriteShared appends them in some order, each whole. Nonblocking
// writes and reads complete with Wait, the collector run meanwhile.
func TestFileSharedPointerAndNonblocking(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		name := filepath.Join(mpitest.SharedDir(t, w), "log")
		f, err := mpi.OpenFile(w, name, os.O_RDWR|os.O_CREATE, nil)
		must(t, err)
		part := make([]int64, r+1) // rank r writes r+1 copies of r
		for i := range part {
			part[i] = int64(r)
		}
		_, err = f.WriteOrdered(mpi.Buf(part))
		must(t, err)
		_, err = f.WriteShared(mpi.Buf(part))
		must(t, err)
		syncAll(t, f, w)
		ordered := p * (p + 1) / 2
		all := make([]int64, 2*ordered)
		req, err := f.IreadBufAt(mpi.Buf(all), 0)
		must(t, err)
		runtime.GC()
		st, err := req.Wait()
		must(t, err)
		if st.Count() != len(all) {
			t.Fatalf("nonblocking read of the whole log: %d elements, want %d", st.Count(), len(all))
		}
		k := 0
		for q := range p {
			for range q + 1 {
				if all[k] != int64(q) {
					t.Fatalf("WriteOrdered's part %d: %v", q, all[:ordered])
				}
				k++
			}
		}
		count := make([]int, p)
		for _, v := range all[ordered:] {
			count[v]++
		}
		for q := range p {
			if count[q] != q+1 {
				t.Fatalf("WriteShared's parts: %v", all[ordered:])
			}
		}
		// A nonblocking write past the log, read back with ReadAt (bytes).
		tail := []int64{int64(1000 + r)}
		req, err = f.IwriteBufAt(mpi.Buf(tail), int64((2*ordered+r)*8))
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		syncAll(t, f, w)
		b := make([]byte, 8)
		_, err = f.ReadAt(b, int64((2*ordered+r)*8))
		must(t, err)
		if v := int64(binary.LittleEndian.Uint64(b)); v != int64(1000+r) {
			t.Fatalf("IwriteBufAt then ReadAt: %d", v)
		}
		pos, err := f.Seek(2, io.SeekStart)
		must(t, err)
		one := make([]byte, 1)
		_, err = f.ReadBuf(mpi.Buf(one))
		must(t, err)
		if pos != 2 {
			t.Errorf("Seek returned %d, want 2", pos)
		}
		must(t, f.Close())
	})
}

// Bad opens and file errors come back as typed errors on every rank.
func TestFileErrors(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t)
		dir := mpitest.SharedDir(t, w)
		missing := filepath.Join(dir, "missing")
		_, err := mpi.OpenFile(w, missing, os.O_RDONLY, nil)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("opening a missing file: %v, want an error that is fs.ErrNotExist", err)
		}
		_, err = mpi.OpenFile(w, filepath.Join(dir, "no", "such", "dir"), os.O_WRONLY|os.O_CREATE, nil)
		if err == nil {
			t.Error("creating a file in a missing directory: no error")
		}
		_, err = mpi.OpenFile(w, missing, os.O_RDONLY|os.O_CREATE, nil)
		wantClass(t, "O_CREATE without write access", err, mpi.ErrArg)
		_, err = mpi.OpenFile(w, missing, 1<<50, nil)
		wantClass(t, "unknown flag", err, mpi.ErrArg)
		name := filepath.Join(dir, "x")
		f, err := mpi.OpenFile(w, name, os.O_RDWR|os.O_CREATE|os.O_EXCL, nil)
		must(t, err)
		must(t, f.Close())
		_, err = mpi.OpenFile(w, name, os.O_RDWR|os.O_CREATE|os.O_EXCL, nil)
		if !errors.Is(err, fs.ErrExist) {
			t.Errorf("O_EXCL on an existing file: %v, want fs.ErrExist", err)
		}
		f, err = mpi.OpenFile(w, name, os.O_RDONLY, nil)
		must(t, err)
		_, err = f.WriteBufAt(mpi.Buf([]byte{1}), 0)
		if err == nil {
			t.Error("a write to a file opened read-only: no error")
		}
		_, err = f.ReadBufAt(mpi.Buf([]byte{1}), -1)
		wantClass(t, "negative offset", err, mpi.ErrArg)
		wantClass(t, "SetSize(-1)", f.SetSize(-1), mpi.ErrArg)
		_, err = f.Seek(0, 7)
		wantClass(t, "Seek whence 7", err, mpi.ErrArg)
		must(t, f.Close())
		wantClass(t, "Close twice", f.Close(), mpi.ErrArg)
		must(t, w.Barrier())
		if w.Rank() == 0 {
			must(t, mpi.DeleteFile(name, nil))
			if err := mpi.DeleteFile(name, nil); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("deleting a deleted file: %v", err)
			}
		}
		info, err := mpi.NewInfo()
		must(t, err)
		must(t, info.Set("cb_buffer_size", "1048576"))
		v, ok, err := info.Get("cb_buffer_size")
		if err != nil || !ok || v != "1048576" {
			t.Errorf("Info.Get: %q %v %v", v, ok, err)
		}
		dup, err := info.Dup()
		must(t, err)
		must(t, info.Delete("cb_buffer_size"))
		if _, ok, _ := info.Get("cb_buffer_size"); ok {
			t.Error("key still set after Delete")
		}
		wantClass(t, "Delete of a key not set", info.Delete("cb_buffer_size"), mpi.ErrArg)
		if keys, err := dup.Keys(); err != nil || len(keys) != 1 || keys[0] != "cb_buffer_size" {
			t.Errorf("Keys of the Dup: %v, %v", keys, err)
		}
		wantClass(t, "a key of 100 bytes", info.Set(string(make([]byte, 100)), "x"), mpi.ErrArg)
		f, err = mpi.OpenFile(w, filepath.Join(dir, "hinted"), os.O_WRONLY|os.O_CREATE|mpi.ODeleteOnClose, dup)
		must(t, err)
		must(t, f.Close())
		must(t, info.Free())
		must(t, dup.Free())
		wantClass(t, "Info used after Free", info.Set("a", "b"), mpi.ErrArg)
	})
}
