package mpi

import "math/bits"

// Bounds checks in overflow-safe arithmetic. Every check that keeps MPI
// inside Go memory multiplies or adds sizes that a caller controls (counts,
// extents, displacements, window units): in plain int64 arithmetic a huge
// value wraps around and passes the check, and MPI then reads or writes far
// outside the buffer. These helpers report the overflow instead.

// addInt64 returns a+b and whether it fits an int64.
func addInt64(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0) || b == 0
}

// mulInt64 returns a*b and whether it fits an int64.
func mulInt64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(absU64(a), absU64(b))
	if hi != 0 || !neg && lo > 1<<63-1 || neg && lo > 1<<63 {
		return 0, false
	}
	if neg {
		return int64(-lo), true // -lo wraps to the right value, -2^63 included
	}
	return int64(lo), true
}

func absU64(x int64) uint64 {
	if x < 0 {
		return uint64(-x) // -MinInt64 wraps to 2^63 as a uint64
	}
	return uint64(x)
}

// typedReach returns the bytes [lo, hi) that count elements of a datatype
// reach, relative to where the first element starts: each element's data
// spans [trueLB, trueLB+trueExtent) of its own start, and element i starts i
// extents after the first (extent may be negative). ok is false where any of
// it overflows an int64: no buffer is that large, so the caller refuses it.
func typedReach(count, trueLB, trueExtent, extent int64) (lo, hi int64, ok bool) {
	if count <= 0 {
		return 0, 0, true
	}
	step, ok1 := mulInt64(count-1, extent) // the last element's start
	end, ok2 := addInt64(trueLB, trueExtent)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	lo, hi = trueLB, end
	var ok3 bool
	if step < 0 {
		lo, ok3 = addInt64(lo, step)
	} else {
		hi, ok3 = addInt64(hi, step)
	}
	return lo, hi, ok3
}

// rangeInside reports whether bytes [base+lo, base+hi) lie inside [0, size),
// computed without overflow. An empty range reaches nothing and is inside.
func rangeInside(base, lo, hi, size int64) bool {
	if lo == hi {
		return true
	}
	from, ok1 := addInt64(base, lo)
	to, ok2 := addInt64(base, hi)
	return ok1 && ok2 && from >= 0 && from <= to && to <= size
}
