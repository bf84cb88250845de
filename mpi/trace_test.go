package mpi_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// A trace records each call with its peer, tag and bytes, spans contain the
// calls made in them, and the ranks' clocks (one kernel's here, and the
// namespace hosts') agree within the measured error.
func TestTrace(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		dir := mpitest.SharedDir(t, w)
		prefix := filepath.Join(dir, "t")
		if mpi.Tracing() {
			t.Fatal("tracing before StartTrace")
		}
		must(t, mpi.StartTrace(prefix))
		if err := mpi.StartTrace(prefix); err == nil {
			t.Error("a second StartTrace succeeded")
		}
		end := mpi.TraceSpan("pingpong")
		buf := make([]byte, 64)
		const rounds = 10
		if w.Size() > 1 && w.Rank() < 2 {
			peer := 1 - w.Rank()
			for range rounds {
				if w.Rank() == 0 {
					must(t, w.Send(mpi.Buf(buf), peer, 5))
					_, err := w.Recv(mpi.Buf(buf), peer, 5)
					must(t, err)
				} else {
					_, err := w.Recv(mpi.Buf(buf), peer, 5)
					must(t, err)
					must(t, w.Send(mpi.Buf(buf), peer, 5))
				}
			}
		}
		end()
		x := []float64{1, 2}
		must(t, w.Bcast(mpi.Buf(x), 0))
		name, err := mpi.StopTrace()
		must(t, err)
		if mpi.Tracing() {
			t.Fatal("tracing after StopTrace")
		}
		b, err := os.ReadFile(name)
		must(t, err)
		var f mpi.TraceFile
		must(t, json.Unmarshal(b, &f))
		if f.Mpigo.Rank != w.Rank() || f.Mpigo.Size != w.Size() {
			t.Fatalf("file of rank %d of %d", f.Mpigo.Rank, f.Mpigo.Size)
		}
		count := map[string]int{}
		var span mpi.TraceEvent
		for _, ev := range f.Events {
			count[ev.Name]++
			switch ev.Name {
			case "pingpong":
				span = ev
			case "MPI_Send", "MPI_Recv":
				if ev.Args["peer"] != float64(1-w.Rank()) || ev.Args["tag"] != float64(5) || ev.Args["bytes"] != float64(64) {
					t.Errorf("%s: args %v", ev.Name, ev.Args)
				}
			case "MPI_Bcast":
				if ev.Args["bytes"] != float64(16) {
					t.Errorf("MPI_Bcast: args %v", ev.Args)
				}
			}
		}
		want := 0
		if w.Size() > 1 && w.Rank() < 2 {
			want = rounds
		}
		if count["MPI_Send"] != want || count["MPI_Recv"] != want || count["MPI_Bcast"] != 1 || count["pingpong"] != 1 {
			t.Fatalf("events %v; want %d sends and receives, a bcast and a span", count, want)
		}
		for _, ev := range f.Events { // the span contains the ping-pong
			if (ev.Name == "MPI_Send" || ev.Name == "MPI_Recv") && (ev.Ts < span.Ts || ev.Ts+ev.Dur > span.Ts+span.Dur) {
				t.Errorf("%s at %.3f+%.3f µs is outside the span %.3f+%.3f", ev.Name, ev.Ts, ev.Dur, span.Ts, span.Dur)
			}
		}
		// One kernel's monotonic clock: every offset within its error.
		for _, c := range []struct {
			what        string
			offset, err int64
		}{{"start", f.Mpigo.Start.Offset, f.Mpigo.Start.Err}, {"end", f.Mpigo.End.Offset, f.Mpigo.End.Err}} {
			if c.offset < -c.err-1000 || c.offset > c.err+1000 || c.err > 1_000_000 {
				t.Errorf("%s: clock offset %d ns ± %d to rank 0's, on one kernel", c.what, c.offset, c.err)
			}
		}
	}, mpitest.Ranks(1, 2, 3))
}

// MPIGO_TRACE=PREFIX traces the whole program: Init starts, Finalize writes
// PREFIX.RANK.json on every rank.
func TestTraceFromEnvironment(t *testing.T) {
	var prefix string
	if !mpitest.IsRank() {
		prefix = filepath.Join(t.TempDir(), "env")
		t.Setenv("MPIGO_TRACE", prefix)
	}
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		if !mpi.Tracing() {
			t.Fatal("MPIGO_TRACE set, not tracing")
		}
		must(t, w.Barrier())
	}, mpitest.Ranks(2))
	if mpitest.IsRank() {
		return
	}
	for r := range 2 {
		b, err := os.ReadFile(prefix + "." + string(rune('0'+r)) + ".json")
		if err != nil {
			t.Fatalf("rank %d wrote no trace: %v", r, err)
		}
		var f mpi.TraceFile
		must(t, json.Unmarshal(b, &f))
		barriers := 0
		for _, ev := range f.Events {
			if ev.Name == "MPI_Barrier" {
				barriers++
			}
		}
		if barriers < 1 {
			t.Errorf("rank %d's trace has no barrier: %d events", r, len(f.Events))
		}
	}
}
