package mpi_test

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// The split collectives: every rank writes its block with WriteAtAllBegin,
// computes (a GC moves nothing pinned), ends, and reads its neighbour's back
// the same way; then the file-pointer and ordered forms. What each rank
// read is checked against what the other wrote, and the file with os.
func TestFileSplitCollectives(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		name := filepath.Join(mpitest.SharedDir(t, w), "split")
		f, err := mpi.OpenFile(w, name, os.O_RDWR|os.O_CREATE, nil)
		must(t, err)
		const n = 512
		mine := make([]int32, n)
		for i := range mine {
			mine[i] = int32(r*n + i)
		}
		must(t, f.WriteAtAllBegin(mpi.Buf(mine), int64(r*n*4)))
		runtime.GC()
		st, err := f.WriteAtAllEnd()
		must(t, err)
		if st.Count() != n {
			t.Errorf("WriteAtAllEnd: count %d, want %d", st.Count(), n)
		}
		syncAll(t, f, w)
		next := (r + 1) % p
		got := make([]int32, n)
		must(t, f.ReadAtAllBegin(mpi.Buf(got), int64(next*n*4)))
		runtime.GC()
		st, err = f.ReadAtAllEnd()
		must(t, err)
		if st.Count() != n || got[0] != int32(next*n) || got[n-1] != int32(next*n+n-1) {
			t.Fatalf("rank %d's block through ReadAtAllBegin/End: count %d, %d … %d", next, st.Count(), got[0], got[n-1])
		}

		// Through each rank's file pointer, after the blocks: rank r's
		// pointer starts at its second block.
		_, err = f.Seek(int64((p+r)*n*4), io.SeekStart)
		must(t, err)
		must(t, f.WriteAllBegin(mpi.Buf(mine)))
		_, err = f.WriteAllEnd()
		must(t, err)
		syncAll(t, f, w)
		_, err = f.Seek(int64((p+next)*n*4), io.SeekStart)
		must(t, err)
		clear(got)
		must(t, f.ReadAllBegin(mpi.Buf(got)))
		st, err = f.ReadAllEnd()
		must(t, err)
		if st.Count() != n || got[0] != int32(next*n) || got[n-1] != int32(next*n+n-1) {
			t.Fatalf("rank %d's second block through ReadAllBegin/End: count %d, %d … %d", next, st.Count(), got[0], got[n-1])
		}
		pos, err := f.Seek(0, io.SeekCurrent)
		must(t, err)
		if want := int64((p + next + 1) * n * 4); pos != want {
			t.Errorf("file pointer after ReadAllEnd at %d, want %d", pos, want)
		}

		// In rank order, at the shared pointer, after both copies: rank r
		// writes r+1 copies of r; every rank reads its own part back.
		_, err = f.SeekShared(int64(2*p*n*4), io.SeekStart)
		must(t, err)
		part := slices.Repeat([]int32{int32(r)}, r+1)
		must(t, f.WriteOrderedBegin(mpi.Buf(part)))
		_, err = f.WriteOrderedEnd()
		must(t, err)
		syncAll(t, f, w)
		shared, err := f.PositionShared()
		must(t, err)
		if want := int64(2*p*n*4 + p*(p+1)/2*4); shared != want {
			t.Errorf("shared pointer after WriteOrderedEnd at %d, want %d", shared, want)
		}
		must(t, w.Barrier()) // every rank has read it before rank 0 may move it
		_, err = f.SeekShared(int64(2*p*n*4), io.SeekStart)
		must(t, err)
		back := make([]int32, r+1)
		must(t, f.ReadOrderedBegin(mpi.Buf(back)))
		st, err = f.ReadOrderedEnd()
		must(t, err)
		if st.Count() != r+1 || !slices.Equal(back, part) {
			t.Errorf("ReadOrderedBegin/End read %v (count %d), want %v", back, st.Count(), part)
		}
		must(t, f.Close())
		if r == 0 {
			raw, err := os.ReadFile(name)
			must(t, err)
			if len(raw) != 2*p*n*4+p*(p+1)/2*4 {
				t.Fatalf("file of %d bytes, want %d", len(raw), 2*p*n*4+p*(p+1)/2*4)
			}
			for i := range 2 * p * n {
				if v := int32(binary.LittleEndian.Uint32(raw[4*i:])); v != int32(i%(p*n)) {
					t.Fatalf("int32 %d of the file: %d, want %d", i, v, i%(p*n))
				}
			}
			k := 2 * p * n
			for q := range p {
				for range q + 1 {
					if v := int32(binary.LittleEndian.Uint32(raw[4*k:])); v != int32(q) {
						t.Fatalf("the ordered part: int32 %d is %d, want %d", k, v, q)
					}
					k++
				}
			}
		}
	})
}

// Misused split collectives are errors on every rank, and leave nothing
// under way: an End with nothing begun, or of another kind; a second Begin;
// a Close before the End; a bad buffer on one rank only.
func TestFileSplitErrors(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t)
		f, err := mpi.OpenFile(w, filepath.Join(mpitest.SharedDir(t, w), "splitbad"), os.O_RDWR|os.O_CREATE|mpi.ODeleteOnClose, nil)
		must(t, err)
		_, err = f.ReadAllEnd()
		wantClass(t, "ReadAllEnd with nothing begun", err, mpi.ErrArg)
		b := make([]byte, 8)
		must(t, f.WriteAtAllBegin(mpi.Buf(b), int64(8*w.Rank())))
		wantClass(t, "a second Begin", f.ReadAllBegin(mpi.Buf(b)), mpi.ErrArg)
		_, err = f.ReadAtAllEnd()
		wantClass(t, "ReadAtAllEnd after WriteAtAllBegin", err, mpi.ErrArg)
		wantClass(t, "Close with a split under way", f.Close(), mpi.ErrArg)
		st, err := f.WriteAtAllEnd()
		must(t, err)
		if st.Count() != 8 {
			t.Errorf("WriteAtAllEnd: count %d, want 8", st.Count())
		}
		// Rank 0 alone passes a negative offset: every rank gets the error,
		// and no rank has a split under way after it.
		off := int64(0)
		if w.Rank() == 0 {
			off = -8
		}
		wantClass(t, "ReadAtAllBegin with rank 0's offset negative", f.ReadAtAllBegin(mpi.Buf(b), off), mpi.ErrArg)
		_, err = f.ReadAtAllEnd()
		wantClass(t, "ReadAtAllEnd after a refused Begin", err, mpi.ErrArg)
		must(t, f.Close())
		wantClass(t, "WriteAllBegin after Close", f.WriteAllBegin(mpi.Buf(b)), mpi.ErrArg)
		var nilFile *mpi.File
		_, err = nilFile.WriteOrderedEnd()
		wantClass(t, "WriteOrderedEnd of a nil File", err, mpi.ErrArg)
	})
}

// The nonblocking collective and shared-pointer forms: every rank starts
// its writes, the GC runs while they may be in flight, and what was written
// is read back by nonblocking reads and checked.
func TestFileNonblockingForms(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		f, err := mpi.OpenFile(w, filepath.Join(mpitest.SharedDir(t, w), "nb"), os.O_RDWR|os.O_CREATE|mpi.ODeleteOnClose, nil)
		must(t, err)
		const n = 256
		block := func(k int) []int64 { // block k: k*n … k*n+n-1
			b := make([]int64, n)
			for i := range b {
				b[i] = int64(k*n + i)
			}
			return b
		}
		// Blocks 0…p-1 at explicit offsets, p…2p-1 through the file pointer.
		req, err := f.IwriteBufAtAll(mpi.Buf(block(r)), int64(r*n*8))
		must(t, err)
		runtime.GC()
		_, err = req.Wait()
		must(t, err)
		_, err = f.Seek(int64((p+r)*n*8), io.SeekStart)
		must(t, err)
		req, err = f.IwriteBufAll(mpi.Buf(block(p + r)))
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		// The independent form, blocks 2p…3p-1, and one int64 per rank at
		// the shared pointer after them.
		_, err = f.Seek(int64((2*p+r)*n*8), io.SeekStart)
		must(t, err)
		req, err = f.IwriteBuf(mpi.Buf(block(2*p + r)))
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		_, err = f.SeekShared(int64(3*p*n*8), io.SeekStart)
		must(t, err)
		req, err = f.IwriteShared(mpi.Buf([]int64{int64(-1 - r)}))
		must(t, err)
		st, err := req.Wait()
		must(t, err)
		if st.Count() != 1 {
			t.Errorf("IwriteShared: count %d, want 1", st.Count())
		}
		syncAll(t, f, w)

		next := (r + 1) % p
		for k, read := range []func(b mpi.Buffer) (*mpi.Request, error){
			func(b mpi.Buffer) (*mpi.Request, error) { return f.IreadBufAtAll(b, int64(next*n*8)) },
			func(b mpi.Buffer) (*mpi.Request, error) {
				if _, err := f.Seek(int64((p+next)*n*8), io.SeekStart); err != nil {
					return nil, err
				}
				return f.IreadBufAll(b)
			},
			func(b mpi.Buffer) (*mpi.Request, error) {
				if _, err := f.Seek(int64((2*p+next)*n*8), io.SeekStart); err != nil {
					return nil, err
				}
				return f.IreadBuf(b)
			},
		} {
			got := make([]int64, n)
			req, err := read(mpi.Buf(got))
			must(t, err)
			runtime.GC()
			st, err := req.Wait()
			must(t, err)
			if want := block(k*p + next); st.Count() != n || !slices.Equal(got, want) {
				t.Fatalf("read %d of rank %d's block: count %d, %d … %d; want %d … %d", k, next, st.Count(), got[0], got[n-1], want[0], want[n-1])
			}
		}
		// Each rank reads one int64 at the shared pointer: together they
		// read every rank's, in some order.
		_, err = f.SeekShared(int64(3*p*n*8), io.SeekStart)
		must(t, err)
		one := make([]int64, 1)
		req, err = f.IreadShared(mpi.Buf(one))
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		all := make([]int64, p)
		must(t, w.Allgather(mpi.Buf(one), mpi.Buf(all)))
		slices.Sort(all)
		for q := range p {
			if all[q] != int64(-p+q) {
				t.Fatalf("the ranks' IreadShared read %v; want each of -1 … -%d once", all, p)
			}
		}
		must(t, f.Close())
	})
}

// What a File says of itself: its mode, group, hints, atomicity, byte
// offsets and type extents under a view.
func TestFileQueries(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		dir := mpitest.SharedDir(t, w)
		flags := os.O_RDWR | os.O_CREATE | mpi.ODeleteOnClose
		f, err := mpi.OpenFile(w, filepath.Join(dir, "q"), flags, nil)
		must(t, err)
		if got, err := f.Amode(); err != nil || got != flags {
			t.Errorf("Amode = %#x, %v; want %#x", got, err, flags)
		}
		g, err := f.Group()
		must(t, err)
		if g.Size() != p || g.Rank() != r {
			t.Errorf("Group: rank %d of %d; want %d of %d", g.Rank(), g.Size(), r, p)
		}
		must(t, g.Free())
		if on, err := f.Atomicity(); err != nil || on {
			t.Errorf("Atomicity of a new file = %v, %v; want false", on, err)
		}
		must(t, f.SetAtomicity(true))
		if on, err := f.Atomicity(); err != nil || !on {
			t.Errorf("Atomicity after SetAtomicity(true) = %v, %v", on, err)
		}
		hints, err := mpi.NewInfo()
		must(t, err)
		must(t, hints.Set("mpigo_unknown_hint", "1"))
		must(t, f.SetInfo(hints))
		must(t, hints.Free())
		info, err := f.Info()
		must(t, err)
		if _, err := info.Keys(); err != nil {
			t.Errorf("Keys of File.Info: %v", err)
		}
		must(t, info.Free())

		// A view that gives rank r every p-th int32 from byte 100+4r on.
		i32, err := mpi.TypeOf[int32]()
		must(t, err)
		tile, err := mpi.Resized(i32, 0, int64(4*p))
		must(t, err)
		must(t, f.SetView(int64(100+4*r), i32, tile))
		for _, off := range []int64{0, 1, 5} {
			if got, err := f.ByteOffset(off); err != nil || got != int64(100+4*r)+off*int64(4*p) {
				t.Errorf("ByteOffset(%d) = %d, %v; want %d", off, got, err, int64(100+4*r)+off*int64(4*p))
			}
		}
		if got, err := f.TypeExtent(tile); err != nil || got != int64(4*p) {
			t.Errorf("TypeExtent of the tile = %d, %v; want %d", got, err, 4*p)
		}
		_, err = f.ByteOffset(-1)
		wantClass(t, "ByteOffset(-1)", err, mpi.ErrArg)
		_, err = f.TypeExtent(nil)
		wantClass(t, "TypeExtent(nil)", err, mpi.ErrType)
		must(t, tile.Free())
		must(t, f.Close())
		_, err = f.Amode()
		wantClass(t, "Amode after Close", err, mpi.ErrArg)
	})
}

// external32 is big-endian whatever the machine: an int32 written through
// such a view reads back, through a byte view, most significant byte first;
// its TypeExtent is the packed size. A data representation the library does
// not know is an error on every rank; an empty one is ErrArg.
func TestFileExternal32(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t)
		r := w.Rank()
		f, err := mpi.OpenFile(w, filepath.Join(mpitest.SharedDir(t, w), "ext32"), os.O_RDWR|os.O_CREATE|mpi.ODeleteOnClose, nil)
		must(t, err)
		i32, err := mpi.TypeOf[int32]()
		must(t, err)
		must(t, f.SetViewRep(0, i32, nil, "external32", nil))
		if _, _, _, rep, err := f.View(); err != nil || rep != "external32" {
			t.Errorf("View's data representation %q, %v; want external32", rep, err)
		}
		if got, err := f.TypeExtent(i32); err != nil || got != 4 {
			t.Errorf("TypeExtent(int32) under external32 = %d, %v; want 4", got, err)
		}
		_, err = f.WriteBufAtAll(mpi.Buf([]int32{0x01020304 + int32(r)<<24}), int64(r))
		must(t, err)
		syncAll(t, f, w)
		must(t, f.SetView(0, nil, nil))
		raw := make([]byte, 4)
		_, err = f.ReadAt(raw, int64(4*r))
		must(t, err)
		if want := []byte{byte(1 + r), 2, 3, 4}; !slices.Equal(raw, want) {
			t.Errorf("rank %d's int32 in external32: bytes % x, want % x", r, raw, want)
		}
		err = f.SetViewRep(0, nil, nil, "no-such-representation", nil)
		if err == nil {
			t.Error("SetViewRep with an unknown data representation: no error")
		}
		wantClass(t, "SetViewRep with an empty data representation", f.SetViewRep(0, nil, nil, "", nil), mpi.ErrArg)
		must(t, f.Close())
	})
}
