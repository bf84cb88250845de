//go:build !race

package mpi_test

import (
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// Allocation counts (not under -race, whose runtime allocates for its own
// bookkeeping and whose sync.Pool drops what it is given).

// TestZeroAllocations checks that typed sends, receives and broadcasts do not allocate.
func TestZeroAllocations(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		// 512 B and 64 KiB: a message sent eagerly and staged, and one sent
		// by rendezvous (pinned) and matched before it is received.
		for _, n := range []int{64, 8192} {
			send, recv := make([]float64, n), make([]float64, n)
			var x, sum float64
			allocs := testing.AllocsPerRun(200, func() {
				ringStep(w, mpi.Buf(send), mpi.Buf(recv))
				w.Bcast(mpi.Buf(send), 0)
				w.Allreduce(mpi.One(&x), mpi.One(&sum), mpi.Sum)
			})
			if allocs != 0 {
				t.Fatalf("%d float64s: %.1f allocations per Send+Recv+Bcast+Allreduce, want 0", n, allocs)
			}
		}
	}, mpitest.Ranks(2))
}

// A halo exchange allocates nothing: Sendrecv of a row and of a column
// (a Vector datatype laid over the grid), and with ProcNull on either side.
func TestSendrecvZeroAllocations(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		f64, err := mpi.TypeOf[float64]()
		must(t, err)
		const rows, cols = 64, 66
		grid := make([]float64, rows*cols)
		col, err := mpi.Vector(rows, 1, cols, f64)
		must(t, err)
		allocs := testing.AllocsPerRun(200, func() {
			w.Sendrecv(mpi.Buf(grid[cols:2*cols]), next, 1, mpi.Buf(grid[:cols]), prev, 1)
			w.Sendrecv(mpi.Typed(grid[cols-2:], col, 1), next, 2, mpi.Typed(grid, col, 1), prev, 2)
			w.Sendrecv(mpi.Buf(grid[cols:2*cols]), mpi.ProcNull, 3, mpi.Buf(grid[:cols]), mpi.ProcNull, 3)
		})
		if allocs != 0 {
			t.Fatalf("%.1f allocations per three Sendrecvs, want 0", allocs)
		}
		must(t, col.Free())
	}, mpitest.Ranks(2))
}

// One-sided Put, Get, Accumulate and FetchAndOp with a Flush allocate
// nothing once a window's pinner for the target exists.
func TestRMAZeroAllocations(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		win, _, err := mpi.WinAllocate[int64](w, 4)
		must(t, err)
		target := (w.Rank() + 1) % w.Size()
		must(t, win.LockAll())
		x, old := []int64{1, 2}, int64(0)
		one := int64(1)
		allocs := testing.AllocsPerRun(200, func() {
			win.Put(mpi.Buf(x), target, 0)
			win.Get(mpi.Buf(x), target, 2)
			win.Accumulate(mpi.Buf(x), target, 0, mpi.Sum)
			win.FetchAndOp(mpi.One(&one), mpi.One(&old), target, 3, mpi.Sum)
			win.Flush(target)
		})
		if allocs != 0 {
			t.Errorf("%.1f allocations per Put+Get+Accumulate+FetchAndOp+Flush, want 0", allocs)
		}
		must(t, win.UnlockAll())
		must(t, w.Barrier())
		must(t, win.Free())
	}, winJobs(2)...) // across hosts: ThreadSerialized and osc/pt2pt, as every test of windows
}

// Starting and completing persistent requests allocates nothing.
func TestPersistentZeroAllocations(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		for _, n := range []int{64, 8192} { // float64s: staged, pinned
			send, recv := make([]float64, n), make([]float64, n)
			sq, err := w.SendInit(mpi.Buf(send), (r+1)%p, 0)
			must(t, err)
			rq, err := w.RecvInit(mpi.Buf(recv), (r+p-1)%p, 0)
			must(t, err)
			allocs := testing.AllocsPerRun(200, func() {
				rq.Start()
				sq.Start()
				sq.Wait()
				rq.Wait()
			})
			if allocs != 0 {
				t.Fatalf("%d float64s: %.1f allocations per Start+Start+Wait+Wait, want 0", n, allocs)
			}
			must(t, sq.Free())
			must(t, rq.Free())
		}
	}, mpitest.Ranks(2))
}

// TestValueAllocations checks that Go-value messages allocate only for
// encoding: SendValue as much as the codec's Marshal, RecvValue as much as
// its Unmarshal and one slice for the encoded bytes, small (staged) and
// large (matched, then received whole).
func TestValueAllocations(t *testing.T) {
	type record struct {
		Seq  int
		Name string
		Data []float64
	}
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		codec := mpi.CBOR()
		for _, n := range []int{4, 4096} { // ~50 B and ~32 KiB encoded
			v := &record{Seq: 1, Name: "halo", Data: make([]float64, n)}
			data, err := codec.Marshal(v)
			must(t, err)
			var got record // decoded into alike by the codec alone and by RecvValue
			marshal := testing.AllocsPerRun(100, func() { codec.Marshal(v) })
			unmarshal := testing.AllocsPerRun(100, func() {
				got = record{}
				codec.Unmarshal(data, &got)
			})
			pair := testing.AllocsPerRun(100, func() {
				got = record{}
				if r%2 == 0 {
					must(t, w.SendValue(v, (r+1)%p, 0))
					_, err = w.RecvValue(&got, (r+p-1)%p, 0)
				} else {
					_, err = w.RecvValue(&got, (r+p-1)%p, 0)
					must(t, w.SendValue(v, (r+1)%p, 0))
				}
				must(t, err)
			})
			if got.Seq != 1 || got.Name != "halo" || len(got.Data) != n {
				t.Fatalf("%d float64s: received %d, %q and %d float64s", n, got.Seq, got.Name, len(got.Data))
			}
			if want := marshal + unmarshal + 1; pair > want {
				t.Errorf("%d float64s: SendValue+RecvValue made %.1f allocations, want at most %.1f (Marshal %.1f, Unmarshal %.1f, the received bytes 1)",
					n, pair, want, marshal, unmarshal)
			}
		}
	}, mpitest.Ranks(2))
}

// Sending and receiving slices of structs through their cached struct
// datatype allocates nothing.
func TestStructZeroAllocations(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		for _, n := range []int{10, 1000} { // below and above 4 KiB
			send, recv := makeParticles(n, w.Rank()), make([]particle, n)
			allocs := testing.AllocsPerRun(100, func() {
				ringStep(w, mpi.Buf(send), mpi.Buf(recv))
			})
			if allocs != 0 {
				t.Fatalf("%d particles: %.1f allocations per Send+Recv, want 0", n, allocs)
			}
		}
	}, mpitest.Ranks(2))
}

// ringStep sends send to the next rank and receives recv from the one
// before, even ranks sending first.
func ringStep(w *mpi.Comm, send, recv mpi.Buffer) {
	r, p := w.Rank(), w.Size()
	if r%2 == 0 {
		w.Send(send, (r+1)%p, 0)
		w.Recv(recv, (r+p-1)%p, 0)
	} else {
		w.Recv(recv, (r+p-1)%p, 0)
		w.Send(send, (r+1)%p, 0)
	}
}
