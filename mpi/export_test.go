package mpi

// Test-only access to the binding's scheduling knob (see exec.go).

// SetYieldEvery sets how many MPI calls pass between rescheduling points
// (0: never) and returns the previous value.
func SetYieldEvery(n uint32) uint32 {
	old := yieldEvery
	yieldEvery = n
	return old
}

// InitThreadExactly is InitThread asking the library for exactly the level
// required, as InitThread does not below ThreadSerialized: with OpenMPI, the
// one way to run the binding on its funneling thread.
func InitThreadExactly(required ThreadLevel) (ThreadLevel, error) {
	return initThread(required, required)
}

// Waiting returns how many goroutines are waiting in blocking calls.
func Waiting() int { return int(waiting.Load()) }
