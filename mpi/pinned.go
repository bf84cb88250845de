package mpi

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
)

// Requests that hold pinned Go memory. A program that drops a Request
// without Wait (an Isend whose completion it does not care about, a
// receive it gave up on) must not crash: MPI may still read or write the
// buffer, so it must stay pinned, and a runtime.Pinner that becomes
// unreachable while pinned panics in the garbage collector ("found leaking
// pinned pointer"). So while MPI holds a request's memory the binding keeps
// the Request reachable itself, in this list, whoever else holds it; the
// request leaves the list when it completes (or, persistent, is freed).
// Finalize reports those still in it, by operation, as requests never
// completed. Requests whose memory is C memory (staged receives, copied
// small sends) pin nothing and are not listed.

var pinnedList struct {
	mu   sync.Mutex
	head *Request // doubly linked through Request.prevPinned/nextPinned: O(1), no allocation
}

func linkPinned(r *Request) {
	pinnedList.mu.Lock()
	r.nextPinned = pinnedList.head
	if r.nextPinned != nil {
		r.nextPinned.prevPinned = r
	}
	pinnedList.head = r
	r.listed = true
	pinnedList.mu.Unlock()
}

func unlinkPinned(r *Request) {
	pinnedList.mu.Lock()
	if r.listed {
		if r.prevPinned != nil {
			r.prevPinned.nextPinned = r.nextPinned
		} else {
			pinnedList.head = r.nextPinned
		}
		if r.nextPinned != nil {
			r.nextPinned.prevPinned = r.prevPinned
		}
		r.prevPinned, r.nextPinned, r.listed = nil, nil, false
	}
	pinnedList.mu.Unlock()
}

// reportUncompleted completes, before MPI_Finalize, the listed requests that
// MPI has finished with and that no goroutine is waiting for, and returns a
// report of those still pending, or "" if none is: Finalize prints it.
func reportUncompleted() string {
	pinnedList.mu.Lock()
	var listed []*Request
	for r := pinnedList.head; r != nil; r = r.nextPinned {
		listed = append(listed, r)
	}
	pinnedList.mu.Unlock()
	counts := map[string]int{}
	for _, r := range listed {
		if !r.mu.TryLock() {
			continue // a goroutine is waiting for it: not dropped
		}
		if !r.done && !r.persistent {
			a := args{req: r.h}
			if rc := run(callTest, &a); rc != 0 || a.flag {
				r.finish(rc, &a) // completed meanwhile: unpinned, unlisted
			}
		}
		if !r.done || r.persistent && !r.freed {
			counts[r.op]++
		}
		r.mu.Unlock()
	}
	if len(counts) == 0 {
		return ""
	}
	var ops []string
	total := 0
	for op, n := range counts {
		ops = append(ops, fmt.Sprintf("%s ×%d", op, n))
		total += n
	}
	sort.Strings(ops)
	return fmt.Sprintf("mpigo: rank %d: Finalize: %d request(s) never completed with Wait, Test or WaitAll (persistent ones: Free): %s; their buffers stayed pinned for MPI",
		world.Rank(), total, strings.Join(ops, ", "))
}

// reportUncompletedAtFinalize prints what reportUncompleted finds.
func reportUncompletedAtFinalize() {
	if msg := reportUncompleted(); msg != "" {
		fmt.Fprintln(os.Stderr, msg)
	}
}
