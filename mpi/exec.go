package mpi

/*
#include "zraw.h"
*/
import "C"

import (
	"github.com/mpigo/mpigo/mpi/internal/tsc"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// How calls reach MPI, and how the binding waits.
//
// Thread levels. Goroutines move between OS threads, so run executes each raw
// call as the level MPI provided allows: directly at ThreadMultiple; under
// one mutex at ThreadSerialized (and ThreadSingle where it was asked for);
// on the OS thread that called MPI_Init_thread, served by one locked
// goroutine, where the library lowered the level further. A blocking
// point-to-point call is a post followed by short polling calls, never one
// long call under the mutex or on the serving thread, so other goroutines'
// calls get in between and nothing deadlocks.
//
// Waiting. mpiexec binds a rank to one core, which all its threads share, so:
//  1. run reschedules (runtime.Gosched) once a millisecond of calls, before
//     sysmon would preempt a goroutine busy in C and wake another thread;
//  2. no call waits long inside C: a polling call spins for at most
//     spinBudget, and not at all while other goroutines wait;
//  3. a wait that lasts gives the core away (yieldFirst), then sleeps
//     (WaitPolicy), so that a rank's peer on the same core can run;
//  4. a call made while another is in C waits briefly for it (crowded), so
//     threads do not pile up inside MPI on one core.
// doc/performance.md ("The execution layer") has the measurements behind each.
//
// Running a raw call: one function per kind of call, the rest of this file
// being how they do it at each thread level.
//
//	run(c, a)             a data call that returns at once: an eager send, a post, one test
//	runLong(c, a)         a call that may wait on other ranks inside MPI: a blocking
//	                      collective at ThreadMultiple and ThreadSingle, an MPI-IO call
//	poll(c, a)            a call that sets a.flag when done, repeated until it is: a probe, a wait
//	postAndPoll(p, t, a)  a post (p), then its request tested (t) until done: Send, Recv
//	start(op, c, a, …)    a nonblocking post whose buffers stay pinned: a Request (request.go)
//	ctl(c, f)             a control call, f a closure (the zraw_*.go functions use it)

type execMode int32

const (
	modeDirect   execMode = iota // ThreadMultiple
	modeLocked                   // ThreadSerialized, ThreadSingle
	modeFunneled                 // a level the library lowered below ThreadSerialized
)

var (
	mode      execMode     // set by InitThread before any other call can run
	callMu    sync.Mutex   // modeLocked
	funnel    chan *job    // modeFunneled: served by the goroutine that called MPI_Init_thread
	lastYield atomic.Int64 // when schedPoint last rescheduled, as time.Since(epoch)
	epoch     = time.Now()
)

// lockedCalls counts the raw calls made under callMu, where the lock makes
// the count's atomic operation in the gate unnecessary (see schedPoint).
var lockedCalls uint32

// blockingCollectives makes a blocking collective one blocking MPI call
// (runLong): at ThreadMultiple, and at ThreadSingle under the lock. Set by
// InitThread.
var blockingCollectives bool

// gate is the one word a raw call updates on its way into C and out: the
// goroutines inside a raw call (low 32 bits, see crowded) and the raw calls
// made so far (high 32 bits, wrapping; see schedPoint). One word, so that a
// call costs one atomic operation in and one out.
var gate atomic.Uint64

const (
	gateInC  = 1                    // one goroutine in C
	gateCall = 1 << 32              // one call made
	gateOut  = ^uint64(gateInC - 1) // -gateInC: one goroutine out of C
)

func gateCalls(v uint64) uint32 { return uint32(v >> 32) }
func gateInCOf(v uint64) int32  { return int32(uint32(v)) }

// Tuning knobs; tests switch the yield off to show what it is for.
var (
	yieldEvery uint32 = 16        // look at the clock every this many calls: a power of two (0: never yield)
	yieldAfter int64  = 1_000_000 // ns between reschedulings (sysmon preempts after 10 ms)
	spinBudget int64  = 20_000    // ns a polling call spins in C before it returns to Go
)

type job struct {
	c    rawCall
	a    args
	rc   int
	done chan struct{}
}

var jobPool = sync.Pool{New: func() any { return &job{done: make(chan struct{}, 1)} }}

// run executes one raw call at the provided thread level and returns its MPI
// return code. a stays with the caller: run copies it where another goroutine
// must see it, so the caller's args never escape to the heap.
func run(c rawCall, a *args) int {
	if !tracing.Load() {
		return runPlain(c, a)
	}
	t0 := tsc.Ticks()
	rc := runPlain(c, a)
	traceCall(c, a, t0)
	return rc
}

// runPlain is run, untraced.
func runPlain(c rawCall, a *args) int {
	if mode == modeDirect {
		rc, calls := direct(c, a)
		schedPoint(calls)
		return rc
	}
	return runSerialized(c, a)
}

// runSerialized runs c under the lock (ThreadSerialized, ThreadSingle) or on
// the serving thread, on a copy of *a there, so that a does not escape. A
// goroutine that finds the lock taken says so (mpigo_wanting), so that a
// polling call holding it stops spinning and lets it in.
func runSerialized(c rawCall, a *args) int {
	if mode == modeLocked {
		if !callMu.TryLock() {
			rawWanting.Add(1)
			callMu.Lock()
			rawWanting.Add(-1)
		}
		rc := int(c.do(a))
		lockedCalls++
		calls := lockedCalls
		callMu.Unlock()
		schedPoint(calls)
		return rc
	}
	return runFunneled(c, a)
}

// runFunneled runs c on the serving thread. After Finalize (which closes
// the channel) a call that got past its own state check returns rcFinalized
// instead of panicking on the closed channel.
func runFunneled(c rawCall, a *args) (rc int) {
	defer func() {
		if recover() != nil {
			rc = rcFinalized
		}
	}()
	j := jobPool.Get().(*job)
	j.c, j.a = c, *a
	funnel <- j
	<-j.done
	*a = j.a
	rc = j.rc
	j.a = args{}
	jobPool.Put(j)
	return rc
}

// serve runs on the locked OS thread that called MPI_Init_thread, executing
// the calls of every goroutine until the channel is closed by Finalize.
func serve(jobs chan *job) {
	for j := range jobs {
		j.rc = int(j.c.do(&j.a))
		j.done <- struct{}{}
	}
}

// schedPoint lets the Go scheduler run once a millisecond of MPI calls, so
// that the runtime never has to preempt a goroutine that is busy in MPI;
// calls is the number of raw calls made so far (gate). It reads the clock
// every yieldEvery calls, and does so with any number of Ps, since sysmon
// takes the P of every C call it finds once its tick is 10 ms old.
func schedPoint(calls uint32) {
	if n := yieldEvery; calls&(n-1) == 0 && n != 0 {
		maybeYield()
	}
}

func maybeYield() {
	if now := int64(time.Since(epoch)); now-lastYield.Load() >= yieldAfter {
		lastYield.Store(now)
		runtime.Gosched()
	}
}

// waiting counts the goroutines in a blocking wait that did not end in its
// first call (poll and the like).
var waiting atomic.Int32

// budget returns how long a waiting call may spin in C: spinBudget if no
// other goroutine waits, else not at all.
func budget(others int32) int64 {
	if waiting.Load() > others {
		return 0
	}
	return spinBudget
}

// yieldFirst is the budget of a polling call that first gives the core to any
// other runnable process (sched_yield), then tests once: a wait that lasted
// WaitPolicy.Yield is for a slow peer, or for one that cannot run because the
// ranks outnumber the cores. Only a lone waiter yields: where several
// goroutines wait, the process has its own work for the core.
const yieldFirst = -1

// poll repeats a polling raw call (one that sets a.flag when done) until it
// completes or fails, yielding to other goroutines between rounds.
func poll(c rawCall, a *args) int { return postAndPoll(c, c, a) }

// postAndPoll runs post, a raw call that posts a request and tests it, then
// polls the request with test until it completes or fails (both set a.flag
// when done), yielding to other goroutines between rounds. When Finalize
// ends the wait, the request is abandoned to MPI_Finalize (rcFinalized).
//
// Most waits end in the first call, which therefore does not count itself in
// waiting: what it would tell others, the gate tells them (crowded).
func postAndPoll(post, test rawCall, a *args) int {
	if tracing.Load() { // the whole wait, one event
		t0 := tsc.Ticks()
		rc := postAndPollPlain(post, test, a)
		traceCall(post, a, t0)
		return rc
	}
	return postAndPollPlain(post, test, a)
}

func postAndPollPlain(post, test rawCall, a *args) int {
	a.budget = budget(0)
	rc := runPlain(post, a)
	if rc != 0 || a.flag {
		return rc
	}
	if waiting.Add(1) > 1 {
		dropSpareP() // goroutines wait at once: see procs.go
	}
	wd := watchBegin(post, a)
	w := newWaiter()
	for rc == 0 && !a.flag {
		if !keepWaiting(&w) {
			rc = rcFinalized
			break
		}
		if a.done != nil && closed(a.done) {
			rc = rcGaveUp
			break
		}
		a.budget = w.round(budget(1)) // spin, yield or sleep: see WaitPolicy
		rc = runQuiet(test, a)
	}
	watchEnd(wd)
	waiting.Add(-1)
	return rc
}

// rcFinalized is the return code of a wait that Finalize ended; rcGaveUp
// of one whose a.done closed (a context's, see context.go).
const (
	rcFinalized = -1
	rcGaveUp    = -2
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// keepWaiting lets other goroutines run between polling rounds and reports
// whether the wait may go on: Finalize ends every wait still in progress, so
// that no goroutine calls MPI once it has been finalized. With one P, or
// while other goroutines wait, every round yields (runtime.Gosched); a lone
// waiter with more Ps yields once a millisecond, since each Gosched would
// find an idle P and wake a thread to spin on it.
func keepWaiting(w *waiter) bool {
	if w.oneP || waiting.Load() > 1 {
		runtime.Gosched()
	} else if now := nanotime(); now-w.yielded >= yieldAfter {
		w.yielded = now
		runtime.Gosched()
	}
	return state.Load() == stateRunning
}

// drainWaits lets the goroutines still waiting in MPI see that MPI is being
// finalized and leave (each within one spin budget), and the raw calls in C
// end, for at most a second.
func drainWaits() {
	for deadline := time.Now().Add(time.Second); (waiting.Load() > 0 || gateInCOf(gate.Load()) > 0) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Microsecond)
	}
}

// runQuiet is run without the scheduling point: polling yields every round anyway.
func runQuiet(c rawCall, a *args) int {
	if mode == modeDirect {
		rc, _ := direct(c, a)
		return rc
	}
	return runSerialized(c, a)
}

// runLong is run for a blocking call that may wait on other ranks for any
// time (a blocking collective at ThreadMultiple and ThreadSingle, Comm.Dup
// and Split): at ThreadMultiple it is not counted in the gate as in C, so
// other goroutines' calls do not wait for it; below, it holds the mutex.
// (Written out, not through a shared helper taking the function: a would
// then escape to the heap, an allocation per call.)
func runLong(c rawCall, a *args) int {
	if !tracing.Load() {
		return runLongPlain(c, a)
	}
	t0 := tsc.Ticks()
	rc := runLongPlain(c, a)
	traceCall(c, a, t0)
	return rc
}

func runLongPlain(c rawCall, a *args) int {
	wd := watchBegin(c, a)
	defer watchEnd(wd)
	if mode == modeDirect {
		rc := int(c.do(a))
		schedPoint(gateCalls(gate.Add(gateCall)))
		return rc
	}
	return runSerialized(c, a)
}

// ctl runs f, control call c (a row of calls.tab), as one raw call that may
// wait on other ranks (runLong), and returns its return code. The closure
// costs an allocation, which only data calls cannot afford.
func ctl(c rawCall, f func() C.int) int {
	a := args{fn: f}
	return runLong(c, &a)
}

// direct performs raw call c on the calling thread (ThreadMultiple), counted
// in the gate, and returns its return code and the calls made so far.
func direct(c rawCall, a *args) (int, uint32) {
	v := gate.Add(gateInC + gateCall)
	if gateInCOf(v) > 1 {
		crowded()
	}
	rc := int(c.do(a))
	gate.Add(gateOut)
	return rc, gateCalls(v)
}

// crowded waits, for at most crowdWait, until no other goroutine is in a raw
// call; it is called counted in the gate as in C, and returns counted in.
// Calls are thus made one at a time, as under ThreadSerialized, but without
// a lock: threads inside MPI on too few cores make each other slow. While it
// waits, the call in C stops spinning (mpigo_wanting) and returns. The wait
// is bounded because the call in C may be waiting on this goroutine (a
// blocking Send above the eager limit on the matching Recv).
func crowded() {
	dropSpareP()
	gate.Add(gateOut)
	rawWanting.Add(1)
	defer rawWanting.Add(-1)
	start := time.Now()
	for {
		if v := gate.Load(); gateInCOf(v) == 0 && gate.CompareAndSwap(v, v+gateInC) {
			return
		}
		switch waited := time.Since(start); {
		case waited > crowdWait:
			gate.Add(gateInC)
			return
		case waited < crowdSpin:
			runtime.Gosched() // most calls end sooner
		default:
			time.Sleep(20 * time.Microsecond) // off the core: the other thread may need it
		}
	}
}

// givesWay reports whether the C code of the polling calls sees a goroutine
// wanting in (mpigo_give_way), asked from this file's own translation unit:
// the state raw.go defines must be one for all of them.
func givesWay() bool { return C.mpigo_give_way() != 0 }

// crowdSpin is how long crowded reschedules before it sleeps, crowdWait how
// long it waits at most.
var crowdSpin, crowdWait = 2 * time.Microsecond, 200 * time.Microsecond
