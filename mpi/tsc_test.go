package mpi_test

import (
	"testing"

	"github.com/mpigo/mpigo/mpi"
)

func BenchmarkTicks(b *testing.B) {
	var s int64
	for b.Loop() {
		s += mpi.Ticks()
	}
	if s == 0 {
		b.Fatal("no ticks")
	}
}

// BenchmarkTraceEvent: what tracing adds to a call, the two ticks and the
// event's append (the rest of the call is MPI's).
func BenchmarkTraceEvent(b *testing.B) {
	for b.Loop() {
		mpi.TraceOneCall()
	}
	mpi.ResetTrace()
}
