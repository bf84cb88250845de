package mpi

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Debugging modes, chosen by environment with no code change.
//
// MPIGO_CHECK=1 is the checked mode, for debugging runs (as MUST or MPICH's
// error checking are for C): every collective agrees on its arguments
// across the ranks first, as under AgreeOnArgErrors, whatever the program
// set with SetCollectiveErrors, so that a disagreement (another root,
// another count, another op, another call) is an ErrMismatch on every rank
// naming the ranks that differ, before MPI is entered; and the watchdog is
// on (30 s unless MPIGO_WATCHDOG says otherwise).
//
// MPIGO_WATCHDOG=DURATION (e.g. 30s) is the watchdog: a rank that has waited
// that long in one MPI call prints, once, the call, its arguments and the
// communicator, naming itself. A job hung because its ranks disagree then
// shows each rank's side in its output (rank 0 in MPI_Bcast with root 0,
// rank 1 with root 2), though no rank can tell alone. SetWatchdog does the
// same from code.

var checked atomic.Bool

// checkFromEnv reads MPIGO_CHECK and MPIGO_WATCHDOG (at Init).
func checkFromEnv() error {
	if v := os.Getenv("MPIGO_CHECK"); v != "" && v != "0" {
		checked.Store(true)
		SetWatchdog(30 * time.Second)
	}
	if v := os.Getenv("MPIGO_WATCHDOG"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("MPIGO_WATCHDOG=%q: want a duration such as 30s", v)
		}
		SetWatchdog(d)
	}
	return nil
}

// Checked reports whether the checked mode (MPIGO_CHECK) is on.
func Checked() bool { return checked.Load() }

var watchdog struct {
	after   atomic.Int64 // ns; 0: off
	mu      sync.Mutex
	waits   map[*watched]struct{}
	started bool
}

// watched is one call a rank waits in, as the watchdog reports it.
type watched struct {
	what    string
	since   time.Time
	printed bool
}

// SetWatchdog makes every call that has waited longer than d print what it
// is waiting in, once (0 turns it off), and returns the previous setting.
// See MPIGO_WATCHDOG.
func SetWatchdog(d time.Duration) time.Duration {
	old := time.Duration(watchdog.after.Swap(int64(max(d, 0))))
	if d > 0 {
		watchdog.mu.Lock()
		if !watchdog.started {
			watchdog.started = true
			watchdog.waits = map[*watched]struct{}{}
			go watch()
		}
		watchdog.mu.Unlock()
	}
	return old
}

// watchBegin registers a wait in call c with args a (nil when the watchdog
// is off: one atomic load); watchEnd ends it.
func watchBegin(c rawCall, a *args) *watched {
	if watchdog.after.Load() == 0 {
		return nil
	}
	w := &watched{what: describeCall(c, a), since: time.Now()}
	watchdog.mu.Lock()
	watchdog.waits[w] = struct{}{}
	watchdog.mu.Unlock()
	return w
}

func watchEnd(w *watched) {
	if w != nil {
		watchdog.mu.Lock()
		delete(watchdog.waits, w)
		watchdog.mu.Unlock()
	}
}

// watch prints the waits older than the watchdog's setting, once each.
func watch() {
	for {
		after := time.Duration(watchdog.after.Load())
		tick := min(max(after/4, 10*time.Millisecond), time.Second)
		if after == 0 {
			tick = time.Second
		}
		time.Sleep(tick)
		if after == 0 || state.Load() != stateRunning {
			continue
		}
		var late []*watched
		watchdog.mu.Lock()
		for w := range watchdog.waits {
			if !w.printed && time.Since(w.since) >= after {
				w.printed = true
				late = append(late, w)
			}
		}
		watchdog.mu.Unlock()
		slices.SortFunc(late, func(a, b *watched) int { return a.since.Compare(b.since) })
		failed := ""
		if len(late) > 0 {
			failed = failedInWorld()
		}
		for _, w := range late {
			fmt.Fprintf(os.Stderr, "mpigo: watchdog: rank %d of %d has waited %v in %s%s\n",
				world.Rank(), world.Size(), time.Since(w.since).Round(time.Millisecond), w.what, failed)
		}
	}
}

// describeCall says what a raw call waits for: the MPI function, its
// arguments that ranks must agree on or match, and the communicator.
func describeCall(c rawCall, a *args) string {
	name := ""
	if c < numCalls {
		name = callNames[c]
	}
	if name == "" {
		name = "an MPI call"
	}
	comm := "communicator " + strconv.FormatUint(uint64(a.comm), 16)
	switch a.comm {
	case commWorld:
		comm = "World"
	case commSelf:
		comm = "Self"
	}
	switch c {
	case callTest, callTestAll:
		return name + " (waiting for a request)"
	case callRecvPoll, callRecvStaged, callIrecv, callImprobe, callIprobe:
		return fmt.Sprintf("%s from %s, tag %s, on %s", name, rankName(a.peer), tagName(a.tag), comm)
	case callSendPoll, callSend, callIsend, callIsendCopy:
		return fmt.Sprintf("%s of %d elements to rank %d, tag %d, on %s", name, a.n, a.peer, a.tag, comm)
	case callBcast, callScatter, callGather, callScatterv, callGatherv:
		return fmt.Sprintf("%s with root %d, %d elements (%d received), on %s", name, a.root, a.n, a.rn, comm)
	case callReduce, callAllreduce, callScan, callExscan, callReduceScatterBlock:
		root := ""
		if c == callReduce {
			root = fmt.Sprintf(", root %d", a.root)
		}
		return fmt.Sprintf("%s of %d elements, op %s%s, on %s", name, a.n, opName(opID(a.op)), root, comm)
	}
	return fmt.Sprintf("%s (%d elements sent, %d received) on %s", name, a.n, a.rn, comm)
}

func rankName(r int) string {
	if r == AnySource {
		return "any rank"
	}
	return "rank " + strconv.Itoa(r)
}

func tagName(t int) string {
	if t == AnyTag {
		return "any"
	}
	return strconv.Itoa(t)
}
