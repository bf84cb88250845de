package mpi_test

import (
	"testing"
	"unsafe"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

type celsius float64

// sizesFor returns element counts 0, 1, odd, and one just above 64 KiB (past
// the eager limits: 4 KiB over shared memory, 64 KiB over TCP).
func sizesFor[T any](short bool) []int {
	var x T
	big := 64<<10/int(unsafe.Sizeof(x)) + 1
	if short {
		return []int{0, 1, 13, 4<<10/int(unsafe.Sizeof(x)) + 1}
	}
	return []int{0, 1, 13, big}
}

// ringSendRecv sends a pattern of n elements of T from every rank to the
// next with blocking Send and Recv, and checks what arrives from the previous.
func ringSendRecv[T any](t *testing.T, w *mpi.Comm, n int) {
	t.Helper()
	r, p := w.Rank(), w.Size()
	next, prev := (r+1)%p, (r+p-1)%p
	send, recv := make([]T, n), make([]T, n)
	fill(send, r)
	var st mpi.Status
	var err error
	switch {
	case p == 1: // to self: the send must not block first
		req, err := w.Isend(mpi.Buf(send), next, 5)
		must(t, err)
		st, err = w.Recv(mpi.Buf(recv), prev, 5)
		must(t, err)
		_, err = req.Wait()
		must(t, err)
	case r%2 == 0:
		must(t, w.Send(mpi.Buf(send), next, 5))
		st, err = w.Recv(mpi.Buf(recv), prev, 5)
		must(t, err)
	default:
		st, err = w.Recv(mpi.Buf(recv), prev, 5)
		must(t, err)
		must(t, w.Send(mpi.Buf(send), next, 5))
	}
	if st.Source != prev || st.Tag != 5 || st.Count() != n {
		t.Fatalf("%T×%d: status %+v, count %d; want source %d tag 5 count %d", send, n, st, st.Count(), prev, n)
	}
	checkPattern(t, "Recv", recv, prev)
}


func TestSendRecvTypes(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		short := testing.Short()
		for _, n := range sizesFor[bool](short) {
			ringSendRecv[bool](t, w, n)
		}
		for _, n := range sizesFor[int8](short) {
			ringSendRecv[int8](t, w, n)
		}
		for _, n := range sizesFor[int16](short) {
			ringSendRecv[int16](t, w, n)
		}
		for _, n := range sizesFor[int32](short) {
			ringSendRecv[int32](t, w, n)
		}
		for _, n := range sizesFor[int64](short) {
			ringSendRecv[int64](t, w, n)
		}
		for _, n := range sizesFor[int](short) {
			ringSendRecv[int](t, w, n)
		}
		for _, n := range sizesFor[uint8](short) {
			ringSendRecv[uint8](t, w, n)
		}
		for _, n := range sizesFor[uint16](short) {
			ringSendRecv[uint16](t, w, n)
		}
		for _, n := range sizesFor[uint32](short) {
			ringSendRecv[uint32](t, w, n)
		}
		for _, n := range sizesFor[uint64](short) {
			ringSendRecv[uint64](t, w, n)
		}
		for _, n := range sizesFor[uint](short) {
			ringSendRecv[uint](t, w, n)
		}
		for _, n := range sizesFor[float32](short) {
			ringSendRecv[float32](t, w, n)
		}
		for _, n := range sizesFor[float64](short) {
			ringSendRecv[float64](t, w, n)
		}
		for _, n := range sizesFor[complex64](short) {
			ringSendRecv[complex64](t, w, n)
		}
		for _, n := range sizesFor[complex128](short) {
			ringSendRecv[complex128](t, w, n)
		}
		for _, n := range sizesFor[[4]float64](short) {
			ringSendRecv[[4]float64](t, w, n)
		}
		for _, n := range sizesFor[[3][2]int16](short) {
			ringSendRecv[[3][2]int16](t, w, n)
		}
		for _, n := range sizesFor[celsius](short) {
			ringSendRecv[celsius](t, w, n)
		}
		if !short {
			ringSendRecv[byte](t, w, 4<<20)
			ringSendRecv[float64](t, w, 4<<20/8)
		}
	})
}
