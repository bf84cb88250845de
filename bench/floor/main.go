//go:build !mpich

// Command floor measures how close a Go binding of MPI can come to C on this
// machine. In one 2-rank job it runs the same ping-pong three ways, in
// alternating rounds:
//
//	c      the whole loop inside one C call: what C gets
//	cgo    one cgo call per MPI_Send and MPI_Recv (and a Gosched once a
//	       millisecond, see mpi's package docs): the least a binding can do
//	mpigo  mpi.Comm.Send and Recv
//
// and prints each one's median one-way time over the rounds, with its ratio
// to c. cgo − c is the cost of the cgo transitions on the critical path,
// mpigo − cgo what the binding adds. With -window W it measures osu_bw's
// windows instead (rank 0 posts W Isends, rank 1 W Irecvs, a Waitall each,
// then a 4-byte acknowledgement): the whole loop in C, one cgo call per
// MPI call, and mpigo with Isend/Irecv/WaitAll and with persistent requests
// (StartAll), in ns per message. Run it as mpiexec -n 2 floor [flags].
package main

/*
#cgo pkg-config: ompi-c
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>

static void loop(uintptr_t sb, uintptr_t rb, int n, int rank, int iters) {
	for (int i = 0; i < iters; i++) {
		if (rank == 0) {
			MPI_Send((void *)sb, n, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
			MPI_Recv((void *)rb, n, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		} else {
			MPI_Recv((void *)rb, n, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			MPI_Send((void *)sb, n, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
		}
	}
}
// osu_bw's window, in C: W messages of n bytes, then the acknowledgement.
static void window(uintptr_t sb, uintptr_t rb, int n, int rank, int w, int iters, MPI_Request *reqs) {
	char ack[4];
	for (int i = 0; i < iters; i++) {
		for (int k = 0; k < w; k++) {
			if (rank == 0) MPI_Isend((void *)sb, n, MPI_BYTE, 1, 100, MPI_COMM_WORLD, &reqs[k]);
			else MPI_Irecv((void *)rb, n, MPI_BYTE, 0, 100, MPI_COMM_WORLD, &reqs[k]);
		}
		MPI_Waitall(w, reqs, MPI_STATUSES_IGNORE);
		if (rank == 0) MPI_Recv(ack, 4, MPI_BYTE, 1, 101, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		else MPI_Send(ack, 4, MPI_BYTE, 0, 101, MPI_COMM_WORLD);
	}
}
static int post(uintptr_t b, int n, int rank, MPI_Request *q) {
	return rank == 0 ? MPI_Isend((void *)b, n, MPI_BYTE, 1, 100, MPI_COMM_WORLD, q)
	                 : MPI_Irecv((void *)b, n, MPI_BYTE, 0, 100, MPI_COMM_WORLD, q);
}
static int waitall(int w, MPI_Request *reqs) { return MPI_Waitall(w, reqs, MPI_STATUSES_IGNORE); }
static int send(uintptr_t b, int n, int peer) { return MPI_Send((void *)b, n, MPI_BYTE, peer, 1, MPI_COMM_WORLD); }
static int recv(uintptr_t b, int n, int peer) {
	return MPI_Recv((void *)b, n, MPI_BYTE, peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"time"
	"unsafe"

	"github.com/mpigo/mpigo/bench"
	"github.com/mpigo/mpigo/mpi"
)

func main() {
	size := flag.Int("size", 1, "message size in bytes")
	iters := flag.Int("iters", 50000, "round trips per round and way")
	rounds := flag.Int("rounds", 15, "rounds")
	thread := flag.String("thread", "multiple", "thread level to ask for: single, funneled, serialized or multiple")
	window := flag.Int("window", 0, "measure osu_bw windows of this many messages instead of ping-pongs")
	only := flag.String("only", "", "run C and this way only (for a profile of it)")
	flag.Parse()
	level, err := mpi.ParseThreadLevel(*thread)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(2)
	}
	if _, err := mpi.InitThread(level); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	err = func() error {
		w := mpi.World()
		if w.Size() != 2 {
			return fmt.Errorf("floor needs 2 ranks, has %d", w.Size())
		}
		var ways []way
		what, per := "one-way ns", 2**iters
		if *window > 0 {
			ways, what, per = windows(w, *size, *window, *iters), fmt.Sprintf("ns a message in windows of %d", *window), *window**iters
		} else {
			ways = pingpongs(w, *size, *iters)
		}
		if *only != "" {
			i := slices.IndexFunc(ways, func(x way) bool { return x.name == *only })
			if i < 1 {
				return fmt.Errorf("-only %s: no such way besides C", *only)
			}
			ways = []way{ways[0], ways[i]}
		}
		times := make([][]float64, len(ways))
		for r := 0; r < *rounds; r++ {
			for k := range ways {
				i := (k + r) % len(ways) // rotate the order each round
				if err := w.Barrier(); err != nil {
					return err
				}
				start := time.Now()
				if err := ways[i].run(); err != nil {
					return err
				}
				times[i] = append(times[i], float64(time.Since(start).Nanoseconds())/float64(per))
			}
		}
		if w.Rank() == 0 {
			fmt.Printf("# %s, %d B, thread level %s, median of %d rounds × %d iterations (min–max)\n", what, *size, mpi.Provided(), *rounds, *iters)
			c := bench.Summarize(times[0]).Median
			for i, way := range ways {
				st := bench.Summarize(times[i])
				fmt.Printf("%-10s %7.0f  %5.2f×  (%.0f–%.0f)\n", way.name, st.Median, st.Median/c, st.Min, st.Max)
			}
		}
		return nil
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		mpi.Abort(1)
	}
	if err := mpi.Finalize(); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

type way struct {
	name string
	run  func() error
}

func pingpongs(w *mpi.Comm, size, iters int) []way {
	rank, peer := w.Rank(), 1-w.Rank()
	send, recv := make([]byte, max(size, 1)), make([]byte, max(size, 1))
	for i := range send {
		send[i], recv[i] = 'a', 'b'
	}
	// mpigo gets buffers of its own: a Pin of a buffer already pinned (below,
	// for the cgo way) takes a slower path in the runtime.
	gsend, grecv := slices.Clone(send), slices.Clone(recv)
	sb, rb := mpi.Buf(gsend[:size]), mpi.Buf(grecv[:size])
	pin := new(runtime.Pinner) // C gets the buffers' addresses: they must stay put (Unpin: never, the job ends)
	pin.Pin(&send[0])
	pin.Pin(&recv[0])
	pinned = pin
	sa, ra := C.uintptr_t(uintptr(unsafe.Pointer(&send[0]))), C.uintptr_t(uintptr(unsafe.Pointer(&recv[0])))
	n, p := C.int(size), C.int(peer)
	calls, last := 0, time.Now()
	yield := func() { // as mpi's scheduling point: once a millisecond, looked at every 16 calls
		if calls++; calls%16 == 0 && time.Since(last) >= time.Millisecond {
			last = time.Now()
			runtime.Gosched()
		}
	}
	return []way{
		{"c", func() error { C.loop(sa, ra, n, C.int(rank), C.int(iters)); return nil }},
		{"cgo", func() error {
			for range iters {
				var rc1, rc2 C.int
				if rank == 0 {
					rc1 = C.send(sa, n, p)
					yield()
					rc2 = C.recv(ra, n, p)
				} else {
					rc1 = C.recv(ra, n, p)
					yield()
					rc2 = C.send(sa, n, p)
				}
				yield()
				if rc1 != 0 || rc2 != 0 {
					return fmt.Errorf("MPI error %d", max(rc1, rc2))
				}
			}
			return nil
		}},
		{"mpigo", func() error {
			for range iters {
				var err error
				if rank == 0 {
					if err = w.Send(sb, peer, 1); err == nil {
						_, err = w.Recv(rb, peer, 1)
					}
				} else if _, err = w.Recv(rb, peer, 1); err == nil {
					err = w.Send(sb, peer, 1)
				}
				if err != nil {
					return err
				}
			}
			return nil
		}},
	}
}

// windows are osu_bw's windows of w messages of size bytes, three ways.
func windows(w *mpi.Comm, size, win, iters int) []way {
	rank, peer := w.Rank(), 1-w.Rank()
	buf := make([]byte, max(size, 1))
	gbuf := slices.Clone(buf)
	pin := new(runtime.Pinner)
	pin.Pin(&buf[0])
	pinned = pin
	b, n, r := C.uintptr_t(uintptr(unsafe.Pointer(&buf[0]))), C.int(size), C.int(rank)
	creqs := (*C.MPI_Request)(C.malloc(C.size_t(win) * C.size_t(unsafe.Sizeof(C.MPI_Request(nil)))))
	reqs := unsafe.Slice(creqs, win)
	ack := make([]byte, 4)
	acknowledge := func() (err error) {
		if rank == 0 {
			_, err = w.Recv(mpi.Buf(ack), peer, 101)
		} else {
			err = w.Send(mpi.Buf(ack), peer, 101)
		}
		return err
	}
	post := func(k int) (*mpi.Request, error) {
		if rank == 0 {
			return w.Isend(mpi.Buf(gbuf[:size]), peer, 100)
		}
		return w.Irecv(mpi.Buf(gbuf[:size]), peer, 100)
	}
	greqs := make([]*mpi.Request, win)
	persistent := make([]*mpi.Request, win)
	for k := range persistent {
		var err error
		if rank == 0 {
			persistent[k], err = w.SendInit(mpi.Buf(gbuf[:size]), peer, 100)
		} else {
			persistent[k], err = w.RecvInit(mpi.Buf(gbuf[:size]), peer, 100)
		}
		if err != nil {
			panic(err)
		}
	}
	keep = append(keep, persistent) // pinned until the job ends
	return []way{
		{"c", func() error { C.window(b, b, n, r, C.int(win), C.int(iters), creqs); return nil }},
		{"cgo", func() error {
			for range iters {
				for k := range win {
					if rc := C.post(b, n, r, &reqs[k]); rc != 0 {
						return fmt.Errorf("MPI error %d", rc)
					}
				}
				if rc := C.waitall(C.int(win), creqs); rc != 0 {
					return fmt.Errorf("MPI error %d", rc)
				}
				if err := acknowledge(); err != nil {
					return err
				}
			}
			return nil
		}},
		{"mpigo", func() error {
			for range iters {
				for k := range win {
					var err error
					if greqs[k], err = post(k); err != nil {
						return err
					}
				}
				if err := mpi.WaitAll(greqs...); err != nil {
					return err
				}
				if err := acknowledge(); err != nil {
					return err
				}
			}
			return nil
		}},
		{"persistent", func() error {
			for range iters {
				if err := mpi.StartAll(persistent...); err != nil {
					return err
				}
				if err := mpi.WaitAll(persistent...); err != nil {
					return err
				}
				if err := acknowledge(); err != nil {
					return err
				}
			}
			return nil
		}},
	}
}

// pinned keeps the Pinner of the cgo way's buffers reachable until the job
// ends, and keep the persistent requests (which pin theirs).
var (
	pinned *runtime.Pinner
	keep   [][]*mpi.Request
)
