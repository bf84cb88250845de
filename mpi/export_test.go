package mpi

import (
	"time"

	"github.com/mpigo/mpigo/mpi/internal/tsc"
)

// Test-only access to the binding's scheduling knob (see exec.go).

// SetYieldEvery sets how many MPI calls pass between rescheduling points
// (0: never) and returns the previous value.
func SetYieldEvery(n uint32) uint32 {
	old := yieldEvery
	yieldEvery = n
	return old
}

// InitThreadExactly is InitThread asking the library for exactly the level
// required, as InitThread does not for ThreadFunneled, and keeping to its
// letter below ThreadSerialized: with OpenMPI, the one way to run the binding
// on its funneling thread.
func InitThreadExactly(required ThreadLevel) (ThreadLevel, error) {
	return initThread(required, required, true)
}

// Waiting returns how many goroutines are waiting in blocking calls.
func Waiting() int { return int(waiting.Load()) }

// OccupyC makes the binding see one more goroutine inside a raw call (see
// crowded). The returned function undoes it.
func OccupyC() (release func()) {
	gate.Add(gateInC)
	return func() { gate.Add(gateOut) }
}

// Wanting returns how many goroutines wait to call MPI (mpigo_wanting).
func Wanting() int { return int(rawWanting.Load()) }

// InC returns how many goroutines are inside a raw call.
func InC() int { return int(gateInCOf(gate.Load())) }

// CrowdWait is the longest a call waits for another goroutine's call in C.
func CrowdWait() time.Duration { return crowdWait }

// Yields returns how many polling calls gave the core away (mpigo_yields).
func Yields() int64 { return rawYields.Load() }

// BlockingCollectives reports whether a blocking collective is one blocking
// MPI call, rather than the nonblocking form polled.
func BlockingCollectives() bool { return blockingCollectives }

// Naps returns how many times waits slept between polls (see WaitPolicy).
func Naps() int64 { return naps.Load() }

// Procs exposes procs.go's rules.
var (
	RankShare  = rankShare
	CountCPUs  = countCPUs
	OnlineCPUs = onlineCPUs
)

// SetValueChunk sets the largest message of a value (see valueChunk) and
// returns the previous size.
func SetValueChunk(n int) int {
	old := valueChunk
	valueChunk = n
	return old
}

// Ticks reads the trace's clock.
func Ticks() int64 { return tsc.Ticks() }

// TraceOneCall records one event as a traced Send does: the start tick,
// the call (here none), the event.
func TraceOneCall() {
	a := args{n: 1, dt: byteType, peer: 1, tag: 7}
	traceCall(callSend, &a, tsc.Ticks())
}

// ResetTrace empties the trace's events (benchmarks record millions).
func ResetTrace() { trace.next.Store(0) }

// UncompletedReport is what Finalize would print of the requests never
// completed (pinned.go): it completes those MPI is done with first.
func UncompletedReport() string { return reportUncompleted() }

// CShared reports whether the C state that raw.go defines (mpigo_wanting)
// is the one the other cgo files' C code reads: each cgo file is its own
// translation unit, where a static variable of a header would be a copy.
func CShared() bool {
	rawWanting.Add(1)
	defer rawWanting.Add(-1)
	return givesWay()
}
