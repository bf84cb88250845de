package mpi

import (
	"github.com/mpigo/mpigo/mpi/internal/tsc"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// How calls reach MPI, and how the binding waits.
//
// Thread levels. Goroutines move between OS threads, so what MPI calls a
// "thread" is not something a Go program controls. run executes one raw call
// according to the level MPI provided:
//   - ThreadMultiple: directly, from whatever thread the goroutine is on.
//   - ThreadSerialized, and ThreadSingle where it was asked for: under one
//     mutex, taken per call.
//   - ThreadFunneled (InitThread asks for ThreadSerialized instead), and a
//     level the library lowered below ThreadSerialized: on the OS thread
//     that called MPI_Init_thread, where one goroutine locked to it serves all
//     others.
// A blocking point-to-point operation is never one long call under the mutex
// or on the serving thread: it is a post (or a matched probe) followed by
// polling calls, so other goroutines' calls get in between and nothing
// deadlocks. Blocking collectives are polled too, except at ThreadSingle,
// where a program uses MPI from one goroutine at a time and each is one
// blocking call under the mutex (blockingCollectives); Comm.Dup and Split
// are one blocking call at every level (runLong).
//
// Waiting. mpiexec binds each rank to one core, so GOMAXPROCS is 1 and every
// thread of the rank shares that core. Two things make a naive binding slow:
//  1. A goroutine that never reschedules is preempted by the runtime's sysmon
//     every 10 ms; because it is usually inside C, sysmon also retakes its P and
//     wakes another thread, and its back-off resets: ~6,000 context switches a
//     second on the rank's core (C: ~10), 1.3–1.5× C's latency at every size.
//     run therefore reschedules itself (runtime.Gosched) once a millisecond
//     (yieldAfter, looked at every yieldEvery calls), and every polling round
//     does: ~175 switches a second, 1.0–1.15× C. It does with more Ps too,
//     where each Gosched costs a futex call (see schedPoint), and unbound
//     ranks keep a spare P (see procs.go).
//  2. Goroutines blocked inside MPI spin against each other on that one core
//     (16 goroutines, 1 KiB messages: 250–400 µs per message). So no call waits
//     inside C for long: a waiting call spins in C for at most spinBudget, then
//     returns to Go, yields, and polls again; and while more than one goroutine
//     waits, none spins at all (it tests once and yields), since the message it
//     waits for can only arrive while it spins if another goroutine's message
//     is not being received.
//  3. A rank that waits long, while the ranks outnumber the cores, spins on
//     the core its peer needs: a lone wait that lasts (WaitPolicy.Yield,
//     100 µs) gives the core away (sched_yield) before every polling round
//     (yieldFirst); one that lasts longer (WaitPolicy.Sleep, 10 ms) sleeps
//     between rounds, so that an idle rank leaves its core alone.
//  4. When the runtime does take the P from a call in C, other goroutines
//     run on another thread, and if they call MPI then, threads pile up
//     inside MPI on the one core; so do they with more Ps than cores. A call
//     made while another is in C therefore waits, briefly, for that one to
//     end (see crowded).

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
// call costs two atomic operations, one in and one out: each is a locked
// instruction (~4 ns here), and a blocking Recv used to make five (the
// counts of goroutines in C, of calls and of waiters).
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
// that the runtime never has to preempt a goroutine that is busy in MPI (see
// above); calls is the number of raw calls made so far (gate). It reads
// the clock every yieldEvery calls (33 ns), and reschedules
// if yieldAfter has passed: a Gosched costs ~0.3 µs even with nothing else to
// run, and one every 16 calls added 30 ns to a 1-byte one-way. It does so
// with any number of Ps: a goroutine that returns from C keeps its
// scheduling tick, and once that tick is 10 ms old sysmon takes the P of
// every C call it finds, idle Ps or not (runtime.retake), and hands it to a
// thread it wakes. With GOMAXPROCS 2 and no Gosched, 65,536-byte
// MPI_Allreduce took 2× C's time, 4 ranks on 2 cores; where an idle P
// exists, the Gosched costs a futex call once a millisecond.
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
// other runnable process (sched_yield), then tests once. A wait that lasted
// WaitPolicy.Yield is either for a slow peer or for one that cannot run because the
// ranks outnumber the cores, and then every microsecond it spins is taken
// from that peer. OpenMPI yields inside MPI_Test when oversubscribed
// (mpi_yield_when_idle); MPICH never does: with it, package collectives'
// comparison with MPI_Bcast on 4 ranks and 2 cores took 3.3–60 s a run
// without this (12 runs), 4.0–8.0 s with it. With the core to itself, a
// round costs a system call more (~0.5 µs) and sees the message as soon.
// Only a lone waiter yields: where several goroutines wait, the process has
// its own work for the core, and yielding to its own threads (GOMAXPROCS 2
// on one core) made 16 goroutines' messages 4–7× slower.
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
// that no goroutine calls MPI once it has been finalized.
//
// With one P every round yields (runtime.Gosched): it is the only P. So it
// does while other goroutines wait too, as they share the Ps. A lone waiter
// with more than one P (GOMAXPROCS set in the environment, or a rank's share
// of a larger node: see procs.go) yields at most once a millisecond: other
// goroutines have other Ps, and each Gosched found an idle P and woke a
// thread to spin on it. 2,000 binomial broadcasts of 8 B (package
// collectives), 4 ranks on 2 cores, GOMAXPROCS=2: 80,759 context switches,
// 7,667 futex calls, 13.3 µs a broadcast with a Gosched every round; 16,245,
// 1,431 and 1.0 µs this way.
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
// a lock: threads inside MPI on too few cores make each other slow.
//   - With one P, a goroutine runs Go code while another is in C only
//     because the runtime took that one's P away: it does so to a call that
//     lasted over 20 µs (a page fault, a first contact with a peer, a time
//     slice lost to another process) when other goroutines are ready to run.
//     If they now call MPI too, two threads share the rank's core inside MPI:
//     each call stretches by the kernel's time slices, more Ps are taken, and
//     more threads enter. With 16 goroutines per rank this cascade took one
//     run in four to 22 threads and 8–90 µs a message, instead of 1–2 µs.
//   - With more Ps than the rank has cores (GOMAXPROCS set, or ranks not
//     bound), threads in MPI preempt each other inside OpenMPI's locks: 16
//     goroutines per rank with GOMAXPROCS 2 on this 2-core machine took
//     10–82 µs a message, and 1.0–4.7 µs one call at a time.
//
// While it waits, the call in C stops any spinning (mpigo_wanting) and
// returns, so a goroutine waiting for a message never holds others up for
// long. The wait is bounded because the call in C may be waiting on this
// goroutine (as a blocking Send of a message above the eager limit on the
// matching Recv).
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

// crowdSpin is how long crowded reschedules before it sleeps, crowdWait how
// long it waits at most.
var crowdSpin, crowdWait = 2 * time.Microsecond, 200 * time.Microsecond
