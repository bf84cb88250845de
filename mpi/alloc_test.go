package mpi_test

import (
	"testing"
	"unsafe"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

func TestAlloc(t *testing.T) {
	s, err := mpi.Alloc[float64](3<<18 + 1) // 6 MiB and a bit: 4 huge pages
	must(t, err)
	if len(s) != 3<<18+1 || uintptr(unsafe.Pointer(&s[0]))%(2<<20) != 0 {
		t.Fatalf("len %d, address %p: want %d elements on a 2 MiB boundary", len(s), &s[0], 3<<18+1)
	}
	for i := range s {
		if s[i] != 0 {
			t.Fatalf("element %d is %g, want zero", i, s[i])
		}
		s[i] = float64(i)
	}
	must(t, mpi.Free(s))
	wantClass(t, "Free twice", mpi.Free(s), mpi.ErrBuffer)
	wantClass(t, "Free of a Go slice", mpi.Free(make([]byte, 8)), mpi.ErrBuffer)
	must(t, mpi.Free([]int(nil)))
	_, err = mpi.Alloc[*int](4)
	wantClass(t, "Alloc of pointers", err, mpi.ErrType)
	_, err = mpi.Alloc[int64](-1)
	wantClass(t, "Alloc of -1 elements", err, mpi.ErrCount)
	_, err = mpi.Alloc[[1 << 20]float64](1 << 30)
	wantClass(t, "Alloc of 8 PiB", err, mpi.ErrCount)
	if e, err := mpi.Alloc[byte](0); err != nil || len(e) != 0 {
		t.Fatalf("Alloc(0): %v %v", e, err)
	}
}

// TestAllocMessages sends between Alloc'd buffers, blocking and
// nonblocking (which pins nothing: the memory is not Go's).
func TestAllocMessages(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		const n = 1 << 18 // 1 MiB of int32
		send, err := mpi.Alloc[int32](n)
		must(t, err)
		recv, err := mpi.Alloc[int32](n)
		must(t, err)
		defer func() { must(t, mpi.Free(send)); must(t, mpi.Free(recv)) }()
		for i := range send {
			send[i] = int32(i*7 + r)
		}
		check := func(what string) {
			from := (r + p - 1) % p
			for i, v := range recv {
				if v != int32(i*7+from) {
					t.Fatalf("%s: element %d is %d, want %d", what, i, v, i*7+from)
				}
			}
			clear(recv)
		}
		q, err := w.Irecv(mpi.Buf(recv), (r+p-1)%p, 1)
		must(t, err)
		s, err := w.Isend(mpi.Buf(send), (r+1)%p, 1)
		must(t, err)
		must(t, mpi.WaitAll(q, s))
		check("Isend/Irecv")
		_, err = w.Sendrecv(mpi.Buf(send), (r+1)%p, 2, mpi.Buf(recv), (r+p-1)%p, 2)
		must(t, err)
		check("Sendrecv")
	}, mpitest.Ranks(1, 2, 3))
}
