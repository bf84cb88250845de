package tsc

// Ticks reads the time-stamp counter (RDTSC). It counts at a constant rate
// where the processor says constant_tsc and nonstop_tsc; the caller measures
// the rate against a clock.
func Ticks() int64

// Available reports whether Ticks reads a counter (else the monotonic clock).
const Available = true
