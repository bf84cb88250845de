package mpi

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
)

// WaitPolicy says how a blocking call waits for a message that is late. A
// rank that waits long (for a slow peer, for a chat line, for work) should
// not burn a core doing it, yet a message that comes soon should be taken
// at once. Every blocking wait of the binding (Recv, Probe, a Send waiting
// for its receiver, Wait, WaitAll, and the collectives where they are
// polled: below ThreadSingle… see collective.go) goes through three stages, timed
// from its start:
//
//  1. spin, until Yield: each polling call spins in C (20 µs at most, less
//     while other goroutines wait), so a message is taken as it lands;
//  2. yield, until Sleep: each round first gives the core to any other
//     runnable process (sched_yield), for a peer that may share the core;
//  3. sleep, from Sleep on: the goroutine sleeps between rounds, its naps
//     doubling from 16 µs up to MaxNap, so an idle rank uses next to no CPU;
//     a message that comes now is taken up to one nap late.
//
// Sleep 0 means never sleep. A blocking collective made as one MPI call
// (at ThreadMultiple and ThreadSingle) waits inside the MPI library, which
// spins (OpenMPI yields with mpi_yield_when_idle): this policy does not
// reach it.
type WaitPolicy struct {
	Yield  time.Duration // spin until then
	Sleep  time.Duration // yield until then, sleep after; 0: never sleep
	MaxNap time.Duration // the longest sleep between two polls
}

// DefaultWaitPolicy is the policy a program starts with, unless the
// environment variable MPIGO_WAIT sets another (see ParseWaitPolicy): an idle
// rank uses about 2% of a core, and wakes within about 1 ms.
var DefaultWaitPolicy = WaitPolicy{Yield: 100 * time.Microsecond, Sleep: 10 * time.Millisecond, MaxNap: 250 * time.Microsecond}

const firstNap = 16 * time.Microsecond

type waitTimes struct{ yield, sleep, maxNap int64 } // ns

var waitPolicy atomic.Pointer[waitTimes]

func init() {
	p := DefaultWaitPolicy
	if s := os.Getenv("MPIGO_WAIT"); s != "" {
		var err error
		if p, err = ParseWaitPolicy(s); err != nil {
			fmt.Fprintf(os.Stderr, "mpigo: MPIGO_WAIT: %v; using %v\n", err, DefaultWaitPolicy)
			p = DefaultWaitPolicy
		}
	}
	SetWaitPolicy(p)
}

// SetWaitPolicy sets how blocking calls wait from now on, for every
// goroutine, and returns the previous policy. A negative duration is taken
// as 0; a MaxNap below 16 µs as 16 µs.
func SetWaitPolicy(p WaitPolicy) WaitPolicy {
	t := &waitTimes{yield: max(int64(p.Yield), 0), sleep: max(int64(p.Sleep), 0), maxNap: max(int64(p.MaxNap), int64(firstNap))}
	old := waitPolicy.Swap(t)
	if old == nil {
		return WaitPolicy{}
	}
	return WaitPolicy{time.Duration(old.yield), time.Duration(old.sleep), time.Duration(old.maxNap)}
}

func (p WaitPolicy) String() string {
	return fmt.Sprintf("yield=%v,sleep=%v,nap=%v", p.Yield, p.Sleep, p.MaxNap)
}

// ParseWaitPolicy reads a policy as MPIGO_WAIT gives it: comma-separated
// yield=D, sleep=D and nap=D (Go durations; unnamed ones keep their
// defaults), or "spin" (never yield or sleep: the fastest, for ranks that
// each own a core and never idle long).
func ParseWaitPolicy(s string) (WaitPolicy, error) {
	p := DefaultWaitPolicy
	if strings.TrimSpace(s) == "spin" {
		return WaitPolicy{Yield: 1<<63 - 1}, nil
	}
	for _, f := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(f), "=")
		d, err := time.ParseDuration(v)
		if !ok || err != nil || d < 0 {
			return p, fmt.Errorf("%q: want yield=D, sleep=D or nap=D with D a duration such as 100us (or spin)", f)
		}
		switch k {
		case "yield":
			p.Yield = d
		case "sleep":
			p.Sleep = d
		case "nap":
			p.MaxNap = d
		default:
			return p, fmt.Errorf("%q: unknown setting %q (want yield, sleep or nap)", f, k)
		}
	}
	return p, nil
}

// waiter is one blocking wait's progress through the policy's stages.
type waiter struct {
	start   int64 // ns since epoch
	nap     time.Duration
	t       *waitTimes
	oneP    bool  // GOMAXPROCS is 1 (see keepWaiting)
	yielded int64 // nanotime of keepWaiting's last Gosched
}

func newWaiter() waiter {
	now := nanotime()
	return waiter{start: int64(time.Since(epoch)), nap: firstNap, t: waitPolicy.Load(), oneP: runtime.GOMAXPROCS(0) == 1, yielded: now}
}

// round prepares the next polling round: it returns the spin budget the
// round may use (budget's, or yieldFirst), after sleeping if the wait has
// reached that stage.
func (w *waiter) round(budget int64) int64 {
	waited := int64(time.Since(epoch)) - w.start
	switch {
	case w.t.sleep > 0 && waited >= w.t.sleep:
		time.Sleep(w.nap)
		naps.Add(1)
		w.nap = min(2*w.nap, time.Duration(w.t.maxNap))
		return 0 // test once
	case budget > 0 && waited >= w.t.yield:
		return yieldFirst
	}
	return budget
}

// naps counts the sleeps of waits (for tests).
var naps atomic.Int64
