package mpi

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	_ "unsafe" // go:linkname

	"github.com/mpigo/mpigo/mpi/internal/tsc"
)

// Tracing: every rank records its MPI calls (which call, peer or root, tag,
// elements and datatype, start and duration) and the spans programs and
// package collectives mark (TraceSpan), and writes them as a Chrome
// trace-event JSON file that Perfetto (ui.perfetto.dev) and chrome://tracing
// open. `mpigo trace merge` puts the ranks' files on one clock and
// `mpigo trace summary` prints counts, time and bytes per call, like mpiP.
//
// Start it with StartTrace and end it with StopTrace, or for a whole program
// with the environment variable MPIGO_TRACE=PREFIX: Init starts it and
// Finalize writes PREFIX.RANK.json. Both ends measure each rank's clock
// against rank 0's (the best of 20 ping-pongs, Cristian's method) and write
// the offsets and their error into the file, for merge.
//
// Cost: off, one atomic load per call (no allocation); on, two reads of the
// time-stamp counter (~8 ns each here, against ~20 for the vDSO clock) and
// an append into preallocated chunks per call. A blocking call that polls
// is one event, from its first poll to its end.

//go:linkname nanotime runtime.nanotime
func nanotime() int64

var tracing atomic.Bool

// event is one recorded call or span (40 bytes).
type event struct {
	start, dur int64 // ticks (tsc.Ticks), converted to ns when written
	dt         dtypeHandle
	n          int32 // elements
	peer, tag  int32
	call       uint16 // rawCall, or spanBase + a name's index
	nb         bool   // a nonblocking collective's posting
}

const spanBase = 1 << 15

const chunkBits = 16 // events per chunk: 65536 (2.5 MB)

var trace struct {
	next   atomic.Int64                                   // events taken
	chunks [1 << 12]atomic.Pointer[[1 << chunkBits]event] // up to 268 M events
	grow   sync.Mutex
	names  sync.Map // span name → index
	byIdx  []string
	nameMu sync.Mutex
	prefix string
	start  clockSync
	// The tick rate: ticks and the monotonic clock (ns) read together at
	// StartTrace, and again at StopTrace.
	tick0, ns0 int64
}

// record appends an event.
func record(ev event) {
	i := trace.next.Add(1) - 1
	c := i >> chunkBits
	if c >= int64(len(trace.chunks)) {
		return // full: later events are dropped
	}
	ch := trace.chunks[c].Load()
	if ch == nil {
		trace.grow.Lock()
		if ch = trace.chunks[c].Load(); ch == nil {
			ch = new([1 << chunkBits]event)
			trace.chunks[c].Store(ch)
		}
		trace.grow.Unlock()
	}
	ch[i&(1<<chunkBits-1)] = ev
}

// traceCall records raw call c on a, which started at t0.
func traceCall(c rawCall, a *args, t0 int64) {
	n := a.n
	if n == 0 { // a receive's count
		n = a.rn
	}
	peer := int32(a.peer)
	if c == callBarrier {
		peer = -1
	}
	record(event{start: t0, dur: tsc.Ticks() - t0, dt: a.dt, n: int32(n), peer: peer, tag: int32(a.tag),
		call: uint16(c), nb: a.nonblocking})
}

// TraceSpan marks a span of the program in the trace, from now until the
// returned function is called (defer mpi.TraceSpan("solve")()). Spans nest
// with the MPI calls made meanwhile. Off, it costs one atomic load.
func TraceSpan(name string) (end func()) {
	if !tracing.Load() {
		return noSpan
	}
	idx := spanIndex(name)
	t0 := tsc.Ticks()
	return func() { record(event{start: t0, dur: tsc.Ticks() - t0, call: uint16(spanBase + idx), peer: -1}) }
}

func noSpan() {}

func spanIndex(name string) int {
	if i, ok := trace.names.Load(name); ok {
		return i.(int)
	}
	trace.nameMu.Lock()
	defer trace.nameMu.Unlock()
	if i, ok := trace.names.Load(name); ok {
		return i.(int)
	}
	i := len(trace.byIdx)
	trace.byIdx = append(trace.byIdx, name)
	trace.names.Store(name, i)
	return i
}

// Tracing reports whether calls are being recorded.
func Tracing() bool { return tracing.Load() }

// StartTrace starts recording this rank's calls, to be written by StopTrace
// to PREFIX.RANK.json (collective over World: it measures the clocks).
// Events recorded before, by an earlier trace, are dropped.
func StartTrace(prefix string) error {
	if err := checkState("StartTrace"); err != nil {
		return err
	}
	if prefix == "" {
		return errorf(ClassArg, "StartTrace", "empty file prefix")
	}
	if tracing.Load() {
		return errorf(ClassOther, "StartTrace", "already tracing to %s", trace.prefix)
	}
	s, err := syncClocks(world)
	if err != nil {
		return err
	}
	trace.prefix, trace.start = prefix, s
	trace.next.Store(0)
	trace.tick0, trace.ns0 = tsc.Ticks(), nanotime()
	tracing.Store(true)
	return nil
}

// StopTrace stops recording and writes PREFIX.RANK.json (collective over
// World). It returns the file's name.
func StopTrace() (string, error) {
	if err := checkState("StopTrace"); err != nil {
		return "", err
	}
	if !tracing.Swap(false) {
		return "", errorf(ClassOther, "StopTrace", "not tracing")
	}
	end, err := syncClocks(world)
	if err != nil {
		return "", err
	}
	tick1, ns1 := tsc.Ticks(), nanotime()
	nsPerTick := 1.0
	if tick1 > trace.tick0 {
		nsPerTick = float64(ns1-trace.ns0) / float64(tick1-trace.tick0)
	}
	name := trace.prefix + "." + strconv.Itoa(world.rank) + ".json"
	return name, writeTrace(name, trace.start, end, nsPerTick)
}

// clockSync is this rank's clock against rank 0's, at one moment: offset
// (this clock minus rank 0's) within ±err, measured at local time at (ns).
type clockSync struct {
	At     int64 `json:"at_ns"`
	Offset int64 `json:"offset_ns"`
	Err    int64 `json:"error_ns"`
}

// syncClocks measures every rank's offset to rank 0 (Cristian's method,
// the best of 20 ping-pongs each), tracing off meanwhile.
func syncClocks(c *Comm) (clockSync, error) {
	const rounds = 20
	var mine clockSync
	buf := make([]int64, 3)
	for r := 1; r < c.size; r++ {
		switch c.rank {
		case 0:
			best := clockSync{Err: 1 << 62}
			for range rounds {
				t0 := nanotime()
				if err := c.Send(Buf(buf[:1]), r, 0x7ace); err != nil {
					return mine, err
				}
				if _, err := c.Recv(Buf(buf[:1]), r, 0x7ace); err != nil {
					return mine, err
				}
				t1 := nanotime()
				if e := (t1 - t0) / 2; e < best.Err {
					best = clockSync{At: buf[0], Offset: buf[0] - (t0+t1)/2, Err: e}
				}
			}
			buf[0], buf[1], buf[2] = best.At, best.Offset, best.Err
			if err := c.Send(Buf(buf), r, 0x7ace); err != nil {
				return mine, err
			}
		case r:
			for range rounds {
				if _, err := c.Recv(Buf(buf[:1]), 0, 0x7ace); err != nil {
					return mine, err
				}
				buf[0] = nanotime()
				if err := c.Send(Buf(buf[:1]), 0, 0x7ace); err != nil {
					return mine, err
				}
			}
			if _, err := c.Recv(Buf(buf), 0, 0x7ace); err != nil {
				return mine, err
			}
			mine = clockSync{At: buf[0], Offset: buf[1], Err: buf[2]}
		}
	}
	if c.rank == 0 {
		mine = clockSync{At: nanotime()}
	}
	return mine, c.Barrier()
}

// TraceEvent is one event of a trace file (Chrome's trace-event format:
// complete events, "X", times in µs).
type TraceEvent struct {
	Name string         `json:"name"`
	Cat  string         `json:"cat"`
	Ph   string         `json:"ph"`
	Ts   float64        `json:"ts"`
	Dur  float64        `json:"dur"`
	Pid  int            `json:"pid"`
	Tid  int            `json:"tid"`
	Args map[string]any `json:"args,omitempty"`
}

// TraceFile is a trace file as StopTrace writes it: the events, and in
// "mpigo" the rank and its clock against rank 0's at the start and the end.
type TraceFile struct {
	Events []TraceEvent `json:"traceEvents"`
	Mpigo  struct {
		Rank, Size int
		Start, End clockSync
		Dropped    int64 `json:",omitempty"`
	} `json:"mpigo"`
}

func writeTrace(name string, start, end clockSync, nsPerTick float64) error {
	n := min(trace.next.Load(), int64(len(trace.chunks))<<chunkBits)
	var f TraceFile
	f.Mpigo.Rank, f.Mpigo.Size, f.Mpigo.Start, f.Mpigo.End = world.rank, world.size, start, end
	f.Mpigo.Dropped = trace.next.Load() - n
	sizes := map[dtypeHandle]int64{}
	for i := range n {
		ev := trace.chunks[i>>chunkBits].Load()[i&(1<<chunkBits-1)]
		startNs := float64(trace.ns0) + float64(ev.start-trace.tick0)*nsPerTick
		te := TraceEvent{Ph: "X", Ts: startNs / 1e3, Dur: float64(ev.dur) * nsPerTick / 1e3, Pid: world.rank}
		if ev.call >= spanBase {
			te.Name, te.Cat = trace.byIdx[ev.call-spanBase], "span"
		} else {
			te.Name, te.Cat = callNames[rawCall(ev.call)], "mpi"
			if ev.nb {
				te.Name += " (nonblocking)"
			}
			te.Args = map[string]any{}
			if ev.peer >= 0 && rawCall(ev.call) < firstControl {
				te.Args["peer"] = ev.peer
			}
			if ev.tag > 0 {
				te.Args["tag"] = ev.tag
			}
			if ev.n > 0 && ev.dt != 0 {
				size, ok := sizes[ev.dt]
				if !ok {
					shape, rc := rawTypeShape(ev.dt)
					size = -1 // freed since
					if rc == 0 {
						size = shape[0]
					}
					sizes[ev.dt] = size
				}
				te.Args["count"] = ev.n
				if size >= 0 {
					te.Args["bytes"] = int64(ev.n) * size
				}
			}
		}
		f.Events = append(f.Events, te)
	}
	out, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	if err := json.NewEncoder(w).Encode(&f); err != nil {
		out.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// traceFromEnv starts a trace at Init when MPIGO_TRACE names a prefix.
func traceFromEnv() error {
	if p := os.Getenv("MPIGO_TRACE"); p != "" {
		if err := StartTrace(p); err != nil {
			return fmt.Errorf("MPIGO_TRACE: %w", err)
		}
	}
	return nil
}
