package mpi_test

import (
	"errors"
	"runtime"
	"sync"
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

func TestNonblockingRingWithGC(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		for _, n := range []int{0, 1, 1001, 64<<10 + 1} {
			send, recv := make([]int32, n), make([]int32, n)
			fill(send, r+n)
			rr, err := w.Irecv(mpi.Buf(recv), (r+p-1)%p, 9)
			must(t, err)
			sr, err := w.Isend(mpi.Buf(send), (r+1)%p, 9)
			must(t, err)
			send = nil // only the Request keeps the send buffer now
			runtime.GC()
			runtime.GC()
			st, err := rr.Wait()
			must(t, err)
			_, err = sr.Wait()
			must(t, err)
			if st.Count() != n || st.Source != (r+p-1)%p {
				t.Fatalf("status %+v count %d, want %d from %d", st, st.Count(), n, (r+p-1)%p)
			}
			checkPattern(t, "Irecv", recv, (r+p-1)%p+n)
			// A completed request reports the same again.
			if st2, err := rr.Wait(); err != nil || st2 != st {
				t.Fatalf("second Wait: %+v %v", st2, err)
			}
		}
	})
}

func TestSendrecvAndSsend(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		for _, n := range []int{0, 3, 10000} {
			send, recv := make([]float64, n), make([]float64, n)
			fill(send, r)
			st, err := w.Sendrecv(mpi.Buf(send), (r+1)%p, 1, mpi.Buf(recv), (r+p-1)%p, 1)
			must(t, err)
			if st.Source != (r+p-1)%p || st.Count() != n {
				t.Fatalf("Sendrecv status %+v", st)
			}
			checkPattern(t, "Sendrecv", recv, (r+p-1)%p)
		}
		if p < 2 {
			return
		}
		// Ssend from rank 0 completes only once rank 1 receives.
		x := []int64{42}
		if r == 0 {
			must(t, w.Ssend(mpi.Buf(x), 1, 2))
		} else if r == 1 {
			y := make([]int64, 1)
			_, err := w.Recv(mpi.Buf(y), 0, 2)
			must(t, err)
			if y[0] != 42 {
				t.Fatalf("Ssend: got %d", y[0])
			}
		}
	})
}

func TestWildcardsAndProcNull(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		// Every rank sends its rank to 0 with tag 100+rank; rank 0 takes them in any order.
		v := []int{r}
		req, err := w.Isend(mpi.Buf(v), 0, 100+r)
		must(t, err)
		if r == 0 {
			seen := map[int]bool{}
			for range p {
				got := make([]int, 1)
				st, err := w.Recv(mpi.Buf(got), mpi.AnySource, mpi.AnyTag)
				must(t, err)
				if st.Tag != 100+got[0] || st.Source != got[0] || seen[got[0]] {
					t.Fatalf("AnySource/AnyTag: status %+v for value %d (seen %v)", st, got[0], seen)
				}
				seen[got[0]] = true
			}
		}
		_, err = req.Wait()
		must(t, err)
		// ProcNull: completes at once, nothing written.
		buf := []int{7}
		must(t, w.Send(mpi.Buf(buf), mpi.ProcNull, 0))
		st, err := w.Recv(mpi.Buf(buf), mpi.ProcNull, 0)
		must(t, err)
		if buf[0] != 7 || st.Source != mpi.ProcNull || st.Count() != 0 {
			t.Fatalf("ProcNull receive: buf %v status %+v", buf, st)
		}
	})
}

func TestTruncatedReceive(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		receive := map[string]func(b mpi.Buffer) (mpi.Status, error){
			"Recv": func(b mpi.Buffer) (mpi.Status, error) { return w.Recv(b, (r+p-1)%p, 3) },
			"Irecv": func(b mpi.Buffer) (mpi.Status, error) {
				q, err := w.Irecv(b, (r+p-1)%p, 3)
				must(t, err)
				return q.Wait()
			},
		}
		for _, c := range []struct {
			op      string
			n, into int
		}{
			{"Recv", 64, 16},             // staged
			{"Recv", 64 << 10, 16 << 10}, // matched probe, above the eager limit
			{"Irecv", 64, 16},            // staged
			{"Irecv", 64 << 10, 1 << 10}, // staged, above the eager limit
		} {
			send := make([]byte, c.n)
			fill(send, 1)
			req, err := w.Isend(mpi.Buf(send), (r+1)%p, 3)
			must(t, err)
			recv := make([]byte, c.into+8) // the last 8 bytes must stay untouched
			for i := range recv {
				recv[i] = 0xEE
			}
			st, err := receive[c.op](mpi.Buf(recv[:c.into]))
			if !errors.Is(err, mpi.ErrTruncate) || st.Bytes() != c.n || st.Source != (r+p-1)%p {
				t.Fatalf("%s of %d bytes into %d: err %v, status %+v; want ErrTruncate", c.op, c.n, c.into, err, st)
			}
			checkPattern(t, "truncated "+c.op, recv[:c.into], 1)
			for i, b := range recv[c.into:] {
				if b != 0xEE {
					t.Fatalf("%s of %d bytes into %d: byte %d past the buffer was overwritten", c.op, c.n, c.into, c.into+i)
				}
			}
			_, err = req.Wait()
			must(t, err)
		}
	})
}

// More small receives in flight than there are staging areas: the rest
// are posted into pinned buffers, and all arrive.
func TestManySmallNonblocking(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		const k = 600
		bufs := make([][]int64, k)
		var reqs []*mpi.Request
		for i := range k {
			bufs[i] = make([]int64, 1+i%5)
			q, err := w.Irecv(mpi.Buf(bufs[i]), (r+p-1)%p, i)
			must(t, err)
			reqs = append(reqs, q)
		}
		for i := range k {
			send := make([]int64, 1+i%5)
			fill(send, r+i)
			q, err := w.Isend(mpi.Buf(send), (r+1)%p, i)
			must(t, err)
			reqs = append(reqs, q)
		}
		must(t, mpi.WaitAll(reqs...))
		for i := range k {
			checkPattern(t, "Irecv", bufs[i], (r+p-1)%p+i)
		}
	})
}

// TestSmallIsendCopies: an Isend of up to 256 bytes goes from a copy, so its
// buffer may be overwritten as soon as Isend returns; sizes around the limit,
// and a window of them, as osu_bw's.
func TestSmallIsendCopies(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		sizes := []int{0, 1, 7, 255, 256, 257, 4096}
		for round := range 3 { // a window of 64 each
			var reqs []*mpi.Request
			got := make([][]byte, 64)
			for k := range got {
				got[k] = make([]byte, sizes[k%len(sizes)])
				q, err := w.Irecv(mpi.Buf(got[k]), (r+p-1)%p, k)
				must(t, err)
				reqs = append(reqs, q)
			}
			for k := range got {
				b := make([]byte, sizes[k%len(sizes)])
				for i := range b {
					b[i] = byte(r + k + i + round)
				}
				q, err := w.Isend(mpi.Buf(b), (r+1)%p, k)
				must(t, err)
				if len(b) <= 256 {
					clear(b) // copied: the message keeps what b held
				}
				reqs = append(reqs, q)
			}
			must(t, mpi.WaitAll(reqs...))
			from := (r + p - 1) % p
			for k, b := range got {
				for i := range b {
					if want := byte(from + k + i + round); b[i] != want {
						t.Fatalf("round %d, message %d of %d bytes: byte %d is %d, want %d", round, k, len(b), i, b[i], want)
					}
				}
			}
		}
	})
}

func TestProbes(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		n := 100 + r*37 // the receiver does not know the size in advance
		send := make([]uint16, n)
		fill(send, r)
		req, err := w.Isend(mpi.Buf(send), next, 11)
		must(t, err)
		st, err := w.Probe(prev, 11)
		must(t, err)
		wantBytes := (100 + prev*37) * 2
		if st.Source != prev || st.Tag != 11 || st.Bytes() != wantBytes {
			t.Fatalf("Probe: %+v, want %d bytes from %d", st, wantBytes, prev)
		}
		st, ok, err := w.Iprobe(prev, 11)
		must(t, err)
		if !ok || st.Bytes() != wantBytes {
			t.Fatalf("Iprobe after Probe: ok %v status %+v", ok, st)
		}
		got, st, err := mpi.RecvSlice[uint16](w, prev, 11)
		must(t, err)
		if len(got) != 100+prev*37 || st.Count() != len(got) {
			t.Fatalf("RecvSlice: %d elements, status count %d", len(got), st.Count())
		}
		checkPattern(t, "RecvSlice", got, prev)
		_, err = req.Wait()
		must(t, err)
		must(t, w.Barrier()) // every rank has received: the queues are empty
		// Nothing left: Iprobe and Improbe find nothing.
		if _, ok, err := w.Iprobe(mpi.AnySource, mpi.AnyTag); ok || err != nil {
			t.Fatalf("Iprobe on empty queue: %v %v", ok, err)
		}
		if m, ok, err := w.Improbe(mpi.AnySource, mpi.AnyTag); ok || err != nil || m != nil {
			t.Fatalf("Improbe on empty queue: %v %v", ok, err)
		}
		must(t, w.Barrier()) // no rank sends again before every rank has looked
		// Mprobe, then a second Recv of the same message is refused.
		req, err = w.Isend(mpi.Buf(send[:5]), next, 12)
		must(t, err)
		m, err := w.Mprobe(prev, 12)
		must(t, err)
		if m.Status().Bytes() != 10 {
			t.Fatalf("Mprobe status %+v", m.Status())
		}
		five := make([]uint16, 5)
		_, err = m.Recv(mpi.Buf(five))
		must(t, err)
		if _, err := m.Recv(mpi.Buf(five)); !errors.Is(err, mpi.ErrRequest) {
			t.Fatalf("second Message.Recv: %v, want ErrRequest", err)
		}
		_, err = req.Wait()
		must(t, err)
	})
}

func TestCancel(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		buf := make([]int, 4)
		req, err := w.Irecv(mpi.Buf(buf), mpi.AnySource, 77) // nobody sends tag 77
		must(t, err)
		must(t, req.Cancel())
		st, err := req.Wait()
		must(t, err)
		if !st.Cancelled() {
			t.Fatalf("cancelled receive: status %+v not cancelled", st)
		}
		// Sends cannot be cancelled; the send must still complete.
		sreq, err := w.Isend(mpi.Buf(buf), w.Rank(), 78)
		must(t, err)
		if err := sreq.Cancel(); !errors.Is(err, mpi.ErrUnsupported) {
			t.Fatalf("Cancel of a send: %v, want ErrUnsupported", err)
		}
		_, err = w.Recv(mpi.Buf(make([]int, 4)), w.Rank(), 78)
		must(t, err)
		_, err = sreq.Wait()
		must(t, err)
	}, mpitest.Ranks(1, 2))
}

func TestWaitAnyTestAll(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		const k = 5
		recvs := make([]*mpi.Request, k)
		bufs := make([][]int, k)
		for i := range k {
			bufs[i] = make([]int, 2)
			var err error
			recvs[i], err = w.Irecv(mpi.Buf(bufs[i]), (r+p-1)%p, i)
			must(t, err)
		}
		if done, err := mpi.TestAll(recvs...); done || err != nil {
			t.Fatalf("TestAll before any send: %v %v", done, err)
		}
		must(t, w.Barrier()) // no rank sends before every rank has tested
		// Send in reverse tag order; WaitAny must report each request once.
		var sends []*mpi.Request
		for i := k - 1; i >= 0; i-- {
			s, err := w.Isend(mpi.Buf([]int{r, i}), (r+1)%p, i)
			must(t, err)
			sends = append(sends, s)
		}
		seen := map[int]bool{}
		for range k {
			i, st, err := mpi.WaitAny(recvs...)
			must(t, err)
			if i < 0 || seen[i] || st.Tag != i || bufs[i][1] != i || bufs[i][0] != (r+p-1)%p {
				t.Fatalf("WaitAny: index %d status %+v buf %v seen %v", i, st, bufs[i], seen)
			}
			seen[i] = true
		}
		if i, _, _ := mpi.WaitAny(recvs...); i != -1 {
			t.Fatalf("WaitAny with none pending: %d, want -1", i)
		}
		must(t, mpi.WaitAll(sends...))
		done, err := mpi.TestAll(recvs...)
		if !done || err != nil {
			t.Fatalf("TestAll after completion: %v %v", done, err)
		}
	})
}

// TestRecvSlice receives messages of sizes unknown to the receiver around
// the one-call limit (4 KiB), empty ones, from ProcNull, and one that is
// not a whole number of elements.
func TestRecvSlice(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		for _, n := range []int{0, 1, 1023, 1024, 1025, 70000} { // float32: 4 KiB is 1024
			send := make([]float32, n)
			fill(send, r+n)
			req, err := w.Isend(mpi.Buf(send), next, 5)
			must(t, err)
			got, st, err := mpi.RecvSlice[float32](w, mpi.AnySource, 5)
			must(t, err)
			if len(got) != n || st.Count() != n || st.Source != prev {
				t.Fatalf("RecvSlice of %d: %d elements, status %+v", n, len(got), st)
			}
			checkPattern(t, "RecvSlice", got, prev+n)
			_, err = req.Wait()
			must(t, err)
		}
		if got, st, err := mpi.RecvSlice[int](w, mpi.ProcNull, 5); err != nil || len(got) != 0 || st.Source != mpi.ProcNull {
			t.Fatalf("RecvSlice from ProcNull: %v %+v %v", got, st, err)
		}
		for _, n := range []int{6, 5002} { // bytes, not a whole number of float64
			req, err := w.Isend(mpi.Buf(make([]byte, n)), next, 6)
			must(t, err)
			got, _, err := mpi.RecvSlice[float64](w, prev, 6)
			wantClass(t, "RecvSlice of a partial element", err, mpi.ErrTruncate)
			if len(got) != n/8 {
				t.Fatalf("partial RecvSlice of %d bytes: %d elements", n, len(got))
			}
			_, err = req.Wait()
			must(t, err)
		}
		_, _, err := mpi.RecvSlice[float64](w, p, 6)
		wantClass(t, "RecvSlice from a rank out of range", err, mpi.ErrRank)
	})
}

// TestWaitAll completes a window of receives together: statuses per
// request, a truncation reported for its request alone, nil and repeated
// entries, and two goroutines waiting on overlapping sets in opposite
// orders (which must not deadlock).
func TestWaitAll(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		const k = 70 // more than a window of 64
		bufs := make([][]int32, k)
		recvs := make([]*mpi.Request, k)
		for i := range recvs {
			n := 3
			if i == 5 {
				n = 1 // message 5 has 3 elements: truncated (staged: even from self, which OpenMPI truncates silently)
			}
			bufs[i] = make([]int32, n)
			var err error
			recvs[i], err = w.Irecv(mpi.Buf(bufs[i]), prev, i)
			must(t, err)
		}
		var sends []*mpi.Request
		for i := k - 1; i >= 0; i-- {
			s, err := w.Isend(mpi.Buf([]int32{int32(r), int32(i), 7}), next, i)
			must(t, err)
			sends = append(sends, s)
		}
		err := mpi.WaitAll(append([]*mpi.Request{nil, recvs[3]}, recvs...)...)
		if !errors.Is(err, mpi.ErrTruncate) {
			t.Fatalf("WaitAll with one truncated receive: %v, want ErrTruncate", err)
		}
		for i, q := range recvs {
			st, err := q.Wait()
			if i == 5 {
				wantClass(t, "truncated request", err, mpi.ErrTruncate)
				if st.Bytes() != 12 || bufs[i][0] != int32(prev) {
					t.Fatalf("truncated request: status %+v (%d bytes), data %v; want 12 bytes, first element %d", st, st.Bytes(), bufs[i], prev)
				}
				continue
			}
			must(t, err)
			if st.Tag != i || st.Source != prev || st.Count() != 3 || bufs[i][0] != int32(prev) || bufs[i][1] != int32(i) {
				t.Fatalf("request %d: status %+v, data %v", i, st, bufs[i])
			}
		}
		// Overlapping sets in opposite orders, from two goroutines at once.
		var a, b []*mpi.Request
		for i := range 2 * k {
			s, err := w.Isend(mpi.Buf([]byte{byte(i)}), next, 1000+i)
			must(t, err)
			a = append(a, s)
			b = append([]*mpi.Request{s}, b...)
		}
		done := make(chan error, 2)
		go func() { done <- mpi.WaitAll(a...) }()
		go func() { done <- mpi.WaitAll(b...) }()
		got := make([]byte, 1)
		for i := range 2 * k {
			_, err := w.Recv(mpi.Buf(got), prev, 1000+i)
			must(t, err)
			if got[0] != byte(i) {
				t.Fatalf("message %d carried %d", i, got[0])
			}
		}
		must(t, <-done)
		must(t, <-done)
		must(t, mpi.WaitAll(sends...))
	})
}

// TestGoroutineStress runs many goroutines per rank, each exchanging
// messages with its twin on the neighbouring ranks over its own tag.
func TestGoroutineStress(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		goroutines, rounds := 16, 200
		if testing.Short() {
			rounds = 50
		}
		var wg sync.WaitGroup
		errs := make(chan error, goroutines)
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				send, recv := make([]byte, 1024+g*100), make([]byte, 1024+g*100)
				for i := range rounds {
					fill(send, r*1000+i)
					rr, err := w.Irecv(mpi.Buf(recv), (r+p-1)%p, g)
					if err == nil {
						err = w.Send(mpi.Buf(send), (r+1)%p, g)
					}
					if err == nil {
						_, err = rr.Wait()
					}
					if err != nil {
						errs <- err
						return
					}
					want := make([]byte, len(recv))
					fill(want, ((r+p-1)%p)*1000+i)
					if string(want) != string(recv) {
						errs <- errors.New("goroutine received wrong data")
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	})
}
