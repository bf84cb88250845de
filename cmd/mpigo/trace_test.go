package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mpigo/mpigo/mpi"
)

// Rank 1's clock runs 1000 ns ahead of rank 0's at the start and 3000 at the
// end: merge takes the offset off by interpolation, names the ranks, and
// starts the merged timeline at 0; summary adds up every rank.
func TestMergeAndSummary(t *testing.T) {
	r0 := &mpi.TraceFile{Events: []mpi.TraceEvent{
		{Name: "MPI_Send", Cat: "mpi", Ph: "X", Ts: 100, Dur: 2, Args: map[string]any{"bytes": float64(64)}},
	}}
	r1 := &mpi.TraceFile{Events: []mpi.TraceEvent{
		{Name: "MPI_Recv", Cat: "mpi", Ph: "X", Ts: 103, Dur: 1, Pid: 1, Args: map[string]any{"bytes": float64(64)}},
		{Name: "MPI_Recv", Cat: "mpi", Ph: "X", Ts: 203, Dur: 3, Pid: 1},
	}}
	r1.Mpigo.Rank = 1
	r1.Mpigo.Start.At, r1.Mpigo.Start.Offset, r1.Mpigo.Start.Err = 101_000, 1000, 50
	r1.Mpigo.End.At, r1.Mpigo.End.Offset, r1.Mpigo.End.Err = 201_000, 3000, 80
	merged, maxErr := mergeTraces([]*mpi.TraceFile{r1, r0})
	if maxErr != 80 {
		t.Errorf("largest error %v, want 80", maxErr)
	}
	var ts []float64
	names := 0
	for _, ev := range merged.Events {
		switch ev.Ph {
		case "M":
			names++
		case "X":
			ts = append(ts, ev.Ts)
		}
	}
	// rank 0's send at 100; rank 1's receives at 103-1.04 and 203-3.04
	// (offsets interpolated: 1040 ns at 103 µs, 3040 at 203), less the first.
	want := []float64{0, 101.96 - 100, 199.96 - 100}
	if names != 2 || len(ts) != 3 {
		t.Fatalf("%d process names, %d events", names, len(ts))
	}
	for i := range want {
		if d := ts[i] - want[i]; d > 1e-6 || d < -1e-6 {
			t.Errorf("event %d at %v µs, want %v", i, ts[i], want[i])
		}
	}
	var out bytes.Buffer
	summarize(&out, []*mpi.TraceFile{r0, r1})
	s := out.String()
	for _, line := range [][]string{{"MPI_Recv", "1", "2", "4.0", "2.000", "3.0", "66.7", "64"},
		{"MPI_Send", "1", "1", "2.0", "2.000", "2.0", "33.3", "64"}} {
		line := strings.Join(line, " ")
		s := strings.Join(strings.Fields(s), " ")
		if !strings.Contains(s, line) {
			t.Errorf("summary lacks\n%s\n%s", line, s)
		}
	}
}
