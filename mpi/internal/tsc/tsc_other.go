//go:build !amd64

package tsc

import "time"

var start = time.Now()

// Ticks is nanoseconds of the monotonic clock where there is no counter.
func Ticks() int64 { return int64(time.Since(start)) }

// Available reports whether Ticks reads a counter (else the monotonic clock).
const Available = false
