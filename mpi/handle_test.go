package mpi_test

import (
	"path/filepath"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
	"github.com/mpigo/mpigo/mpi/internal/usercgo"
)

// TestEscapeHatch calls MPI from cgo code of its own (usercgo) over the
// binding's handles, and uses in Go what that C code made.
func TestEscapeHatch(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		// Go's communicator and op, used by C.
		sum, err := usercgo.AllreduceLong(w.Handle(), mpi.Sum.Handle(), int64(r+1))
		must(t, err)
		if sum != int64(p*(p+1)/2) {
			t.Errorf("C's Allreduce over World's handle: %d, want %d", sum, p*(p+1)/2)
		}
		// C's communicator, used by Go.
		h, err := usercgo.SplitParity(w.Handle())
		must(t, err)
		half, err := mpi.CommFromHandle(h)
		must(t, err)
		wantSize := (p + 1 - r%2) / 2 // ranks of this parity
		if half.Size() != wantSize || half.Rank() != r/2 {
			t.Errorf("C's split: size %d rank %d, want %d %d", half.Size(), half.Rank(), wantSize, r/2)
		}
		n := 0
		must(t, half.Allreduce(mpi.One(&r), mpi.One(&n), mpi.Max))
		if want := r%2 + 2*((p-1-r%2)/2); n != want {
			t.Errorf("Max of World ranks of parity %d: %d, want %d", r%2, n, want)
		}
		// Errors come back as values on a communicator from C too.
		wantClass(t, "Send to rank Size() over C's comm", half.Send(mpi.One(&r), half.Size(), 0), mpi.ErrRank)
		must(t, half.Free())

		// Go's datatype, read by C; C's datatype, used by Go.
		vec, err := mpi.Vector(3, 2, 4, mustType[int32](t))
		must(t, err)
		size, err := usercgo.TypeSize(vec.Handle())
		must(t, err)
		if size != 3*2*4 {
			t.Errorf("C's MPI_Type_size of Go's vector: %d, want 24", size)
		}
		ch, err := usercgo.EveryOtherInt(3)
		must(t, err)
		every, err := mpi.DatatypeFromHandle(ch)
		must(t, err)
		if every.Size() != 12 {
			t.Errorf("C's vector in Go: size %d, want 12", every.Size())
		}
		src := []int32{10, -1, 11, -1, 12}
		dst := make([]int32, 3)
		next, prev := (r+1)%p, (r+p-1)%p
		_, err = w.Sendrecv(mpi.Typed(src, every, 1), next, 3, mpi.Buf(dst), prev, 3)
		must(t, err)
		if dst[0] != 10 || dst[1] != 11 || dst[2] != 12 {
			t.Errorf("sent with C's datatype: %v, want [10 11 12]", dst)
		}
		_, err = w.Sendrecv(mpi.Typed(src[:4], every, 1), next, 4, mpi.Buf(dst), prev, 4)
		wantClass(t, "C's datatype laid past the end of its slice", err, mpi.ErrBuffer)
		must(t, every.Free())
		must(t, vec.Free())

		// Go's group, used by C; C's group, in Go.
		g, err := w.Group()
		must(t, err)
		gh, err := usercgo.GroupFirst(g.Handle())
		must(t, err)
		first, err := mpi.GroupFromHandle(gh)
		must(t, err)
		wantRank := mpi.Undefined
		if r == 0 {
			wantRank = 0
		}
		if first.Size() != 1 || first.Rank() != wantRank {
			t.Errorf("C's group of World's first rank: size %d rank %d", first.Size(), first.Rank())
		}
		must(t, first.Free())
		must(t, g.Free())
	}, mpitest.Ranks(1, 2, 3))
}

func mustType[T any](t *testing.T) *mpi.Datatype {
	t.Helper()
	d, err := mpi.TypeOf[T]()
	must(t, err)
	return d
}

// TestEscapeHatchObjects: the other objects cross both ways too. An Info,
// a File, a Request and a Win made in C work in Go; Go's are read by C.
func TestEscapeHatchObjects(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		// Info: C's read by Go, Go's read by C.
		ih, err := usercgo.InfoWith("mpigo_key", "from C")
		must(t, err)
		info, err := mpi.InfoFromHandle(ih)
		must(t, err)
		if v, ok, err := info.Get("mpigo_key"); err != nil || !ok || v != "from C" {
			t.Errorf("C's Info in Go: %q, %v, %v", v, ok, err)
		}
		must(t, info.Set("mpigo_key2", "from Go"))
		if v, ok, err := usercgo.InfoGet(info.Handle(), "mpigo_key2"); err != nil || !ok || v != "from Go" {
			t.Errorf("Go's Set read by C: %q, %v, %v", v, ok, err)
		}
		must(t, info.Free())
		_, err = mpi.InfoFromHandle((*mpi.Info)(nil).Handle())
		wantClass(t, "InfoFromHandle(MPI_INFO_NULL)", err, mpi.ErrArg)

		// File: opened in C, written by both, read in Go.
		name := filepath.Join(mpitest.SharedDir(t, w), "cfile")
		fh, err := usercgo.FileOpen(w.Handle(), name)
		must(t, err)
		f, err := mpi.FileFromHandle(w, fh)
		must(t, err)
		must(t, usercgo.FileWriteAt(f.Handle(), int64(8*r), int32(100+r)))
		_, err = f.WriteBufAt(mpi.Buf([]int32{int32(200 + r)}), int64(8*r+4))
		must(t, err)
		syncAll(t, f, w)
		all := make([]int32, 2*p)
		_, err = f.ReadBufAtAll(mpi.Buf(all), 0)
		must(t, err)
		for q := range p {
			if all[2*q] != int32(100+q) || all[2*q+1] != int32(200+q) {
				t.Fatalf("the file C opened, as Go reads it: %v", all)
			}
		}
		if p > 1 {
			half, err := w.Split(r%2, r)
			must(t, err)
			_, err = mpi.FileFromHandle(half, fh)
			wantClass(t, "FileFromHandle over a communicator not the file's", err, mpi.ErrArg)
			must(t, half.Free())
		}
		must(t, f.Close())

		// Request: started in C, completed by Go's WaitAll with Go's own.
		next, prev := (r+1)%p, (r+p-1)%p
		rh, err := usercgo.IrecvInt(w.Handle(), prev, 7, 0)
		must(t, err)
		creq, err := mpi.RequestFromHandle(rh)
		must(t, err)
		sreq, err := w.Isend(mpi.Buf([]int32{int32(1000 + r)}), next, 7)
		must(t, err)
		must(t, mpi.WaitAll(creq, sreq))
		st, err := creq.Wait() // completed: its Status again
		must(t, err)
		if got := usercgo.RecvValue(0); got != int32(1000+prev) || st.Source != prev || st.Count() != 4 {
			t.Errorf("C's Irecv completed by Go: %d from %d (%d bytes); want %d from %d (4)", got, st.Source, st.Count(), 1000+prev, prev)
		}
		_, err = mpi.RequestFromHandle(creq.Handle()) // MPI_REQUEST_NULL once completed
		wantClass(t, "RequestFromHandle(MPI_REQUEST_NULL)", err, mpi.ErrRequest)

	}, mpitest.Ranks(1, 2, 3))
}

// TestEscapeHatchWin: a window allocated in C, wrapped in Go; Go puts into
// it, with its bounds checked, and C reads its size.
func TestEscapeHatchWin(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		// Win: allocated in C; Go puts into it, with its bounds checked.
		wh, mem, err := usercgo.WinAllocate(w.Handle(), 4)
		must(t, err)
		win, err := mpi.WinFromHandle(w, wh)
		must(t, err)
		if size, err := usercgo.WinSize(win.Handle()); err != nil || size != 16 {
			t.Errorf("C's MPI_WIN_SIZE of the Win: %d, %v; want 16", size, err)
		}
		must(t, win.Fence())
		must(t, win.Put(mpi.Buf([]int32{int32(r)}), next, 3))
		must(t, win.Fence())
		if mem[3] != int32(prev) {
			t.Errorf("Go's Put into C's window: %d, want %d", mem[3], prev)
		}
		wantClass(t, "Put past C's window", win.Put(mpi.Buf([]int32{1}), next, 4), mpi.ErrArg)
		must(t, win.Fence())
		must(t, win.Free())
	}, winJobs(1, 2, 3)...)
}
