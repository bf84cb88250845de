package bench

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Units of a series: a time (lower is better) or a rate (higher is better).
const (
	Micros   = "us"
	MBPerSec = "MB/s"
	MsgsPerS = "msg/s"
)

// Benchmark describes one benchmark of the suite.
type Benchmark struct {
	Name       string
	Unit       string
	Collective bool // all ranks take part, timed as the slowest rank
	Sized      bool // false: one row of size 0 (barrier)
	// The sizes it runs at, in bytes: from MinSize, up to MaxSize (0: any).
	// The baselines are told them (Limits), not left to know them.
	MinSize, MaxSize int
}

// Benchmarks lists the suite in the order tables print it. It is the one
// description of the suite: the Go suite, the driver and, through the flags
// the driver passes (Config.Flags), the baselines in C, Python and gompi
// read it; the driver refuses a baseline's result that it does not allow.
var Benchmarks = []Benchmark{
	{"latency", Micros, false, true, 0, 0},
	{"bw", MBPerSec, false, true, 0, 0},
	{"bibw", MBPerSec, false, true, 0, 0},
	{"bw-persistent", MBPerSec, false, true, 0, 0},
	{"value", MsgsPerS, false, true, 0, ValueMaxSize},
	{"put-latency", Micros, false, true, 0, 0},
	{"get-bw", MBPerSec, false, true, 0, 0},
	{"bcast", Micros, true, true, 0, 0},
	{"scatter", Micros, true, true, 0, 0},
	{"gather", Micros, true, true, 0, 0},
	{"allgather", Micros, true, true, 0, 0},
	{"alltoall", Micros, true, true, 0, 0},
	{"reduce", Micros, true, true, 8, 0}, // from one float64
	{"allreduce", Micros, true, true, 8, 0},
	{"barrier", Micros, true, false, 0, 0},
}

// Sizes returns the sizes b runs at, of the point-to-point sizes p2p or the
// collective ones coll asked for: 0 alone if it is not sized.
func (b Benchmark) Sizes(p2p, coll []int) []int {
	if !b.Sized {
		return []int{0}
	}
	asked := p2p
	if b.Collective {
		asked = coll
	}
	return slices.DeleteFunc(slices.Clone(asked), func(n int) bool { return !b.Allows(n) })
}

// Allows reports whether b runs at size bytes.
func (b Benchmark) Allows(size int) bool {
	if !b.Sized {
		return size == 0
	}
	return size >= b.MinSize && (b.MaxSize == 0 || size <= b.MaxSize)
}

// Limits is the baselines' -l flag: "name:min:max" (max 0: none) for each
// benchmark with bounds on its sizes, comma-separated.
func Limits() string {
	var l []string
	for _, b := range Benchmarks {
		if b.MinSize > 0 || b.MaxSize > 0 {
			l = append(l, fmt.Sprintf("%s:%d:%d", b.Name, b.MinSize, b.MaxSize))
		}
	}
	return strings.Join(l, ",")
}

// Lookup returns the benchmark called name.
func Lookup(name string) (Benchmark, error) {
	for _, b := range Benchmarks {
		if b.Name == name {
			return b, nil
		}
	}
	return Benchmark{}, fmt.Errorf("bench: unknown benchmark %q (have %s)", name, strings.Join(Names(), ", "))
}

// Names lists the benchmarks' names.
func Names() []string {
	var n []string
	for _, b := range Benchmarks {
		n = append(n, b.Name)
	}
	return n
}

// order is a benchmark's position in Benchmarks (unknown ones last).
func order(name string) int {
	i := slices.IndexFunc(Benchmarks, func(b Benchmark) bool { return b.Name == name })
	if i < 0 {
		return len(Benchmarks)
	}
	return i
}

// HigherIsBetter reports whether larger values of unit are faster.
func HigherIsBetter(unit string) bool { return unit == MBPerSec || unit == MsgsPerS }

// Window is the number of messages in flight per bw, bibw, bw-persistent
// and value sample.
const Window = 64

// ValueMaxSize is the largest value message the value benchmark sends: a Go
// value of megabytes is not how values are used, and one size of 4 MiB
// would take mpi4py's object mode half a minute.
const ValueMaxSize = 1 << 20

// LargeSize is OSU's boundary between small and large messages, above which
// fewer iterations are run.
const LargeSize = 8192

// Iterations returns the timed and warm-up iterations (windows for bw, bibw
// and value) of benchmark b at size bytes, OSU's counts multiplied by scale:
//
//	latency, put-latency
//	                 10000 timed, 1000 warm-up; above 8 KiB 1000 and 100
//	bw, bibw, bw-persistent, value, get-bw
//	                   100 windows, 10 warm-up; above 8 KiB 20 and 2
//	collectives       1000 timed, 100 warm-up; above 8 KiB 100 and 10
//
// At least 2 timed and 1 warm-up iteration are run whatever the scale. The
// baselines implement the same rule.
func Iterations(b Benchmark, size int, scale float64) (iters, warm int) {
	large := size > LargeSize
	switch {
	case (b.Name == "latency" || b.Name == "put-latency") && !large:
		iters, warm = 10000, 1000
	case b.Name == "latency" || b.Name == "put-latency":
		iters, warm = 1000, 100
	case !b.Collective && !large:
		iters, warm = 100, 10
	case !b.Collective:
		iters, warm = 20, 2
	case !large:
		iters, warm = 1000, 100
	default:
		iters, warm = 100, 10
	}
	return max(2, int(math.Round(float64(iters)*scale))), max(1, int(math.Round(float64(warm)*scale)))
}

// PowersOfTwo lists lo, 2lo, 4lo, … up to hi (lo ≥ 1).
func PowersOfTwo(lo, hi int) []int {
	var s []int
	for n := max(lo, 1); n <= hi; n *= 2 {
		s = append(s, n)
	}
	return s
}
