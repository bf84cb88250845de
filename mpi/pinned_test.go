package mpi_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// A Request dropped without Wait keeps its buffer pinned while MPI may use
// it: the garbage collector neither crashes ("found leaking pinned
// pointer", as it did) nor frees the memory MPI writes into; Finalize
// reports the requests still pending.
func TestDroppedRequests(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		const n = 1 << 14 // 128 KiB of float64: pinned, not staged or copied
		me, p := w.Rank(), w.Size()
		recv := make([]float64, n) // the dropped Irecv's buffer: only MPI will write it
		sum := make([]float64, n)
		func() { // the Requests go out of scope here
			send := make([]float64, n)
			for i := range send {
				send[i] = float64(i)
			}
			if _, err := w.Isend(mpi.Buf(send), me, 7); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Irecv(mpi.Buf(recv), me, 8); err != nil {
				t.Fatal(err)
			}
			in := make([]float64, n)
			for i := range in {
				in[i] = 1
			}
			if _, err := w.Iallreduce(mpi.Buf(in), mpi.Buf(sum), mpi.Sum); err != nil {
				t.Fatal(err)
			}
		}()
		for range 3 {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
		got := make([]float64, n)
		if _, err := w.Recv(mpi.Buf(got), me, 7); err != nil { // the dropped Isend's data
			t.Fatal(err)
		}
		if got[n-1] != n-1 {
			t.Errorf("the dropped Isend delivered %v at the end", got[n-1])
		}
		must(t, w.Barrier())
		deadline := time.Now().Add(5 * time.Second)
		var report string
		for {
			report = mpi.UncompletedReport()
			if !strings.Contains(report, "Iallreduce") || time.Now().After(deadline) {
				break
			}
			runtime.Gosched()
		}
		if !strings.Contains(report, "1 request(s)") || !strings.Contains(report, "Irecv ×1") || strings.Contains(report, "Isend") || strings.Contains(report, "Iallreduce") {
			t.Errorf("report: %q; want the dropped Irecv alone", report)
		}
		if sum[0] != float64(p) || sum[n-1] != float64(p) {
			t.Errorf("the dropped Iallreduce left %v, %v; want %d", sum[0], sum[n-1], p)
		}
		// The Irecv still owns its buffer: a message now lands in it.
		msg := make([]float64, n)
		msg[n-1] = 42
		must(t, w.Send(mpi.Buf(msg), me, 8))
		for deadline := time.Now().Add(5 * time.Second); mpi.UncompletedReport() != "" && time.Now().Before(deadline); {
			runtime.GC()
		}
		if r := mpi.UncompletedReport(); r != "" || recv[n-1] != 42 {
			t.Errorf("after its message came: report %q, buffer ends with %v", r, recv[n-1])
		}
	}, mpitest.Ranks(1, 2, 4))
}
