package mpi

// The synchronization of one-sided communication: the epochs (fence,
// lock, post-start-complete-wait) and the flushes, and the pinning of the
// operations' buffers until an epoch completes them.

import "runtime"

// Targets of sync that are not ranks.
const (
	noRank   = -1000 // a call that names no target rank
	all      = -1001 // completes: every target's operations
	none     = -1002 // completes: no operation
	attached = -1003 // pending: the memory attached to a dynamic window
)

// sync runs synchronization call do on w, named op; rank is the target of
// a per-target call (or noRank). completes is the target whose operations
// it completes (or all, none), whose buffers are then unpinned. do gets the
// handle of g (groupNull without one).
func (w *Win) sync(op string, rank int, g *Group, completes int, do func(g groupHandle) int) error {
	if err := w.check(op); err != nil {
		return err
	}
	if rank != noRank {
		if err := w.comm.checkRank(op, "target", rank, false); err != nil {
			return err
		}
		if rank == ProcNull {
			return nil // nothing to lock, unlock or flush
		}
	}
	gh := groupNull
	if g != nil {
		if err := g.check(op); err != nil {
			return err
		}
		gh = g.h
	}
	err := mpiError(op, do(gh))
	if err == nil && completes != none {
		w.release(completes)
	}
	return err
}

// flush runs one of the flushes: data calls, so that a flush after each
// small Put allocates nothing.
func (w *Win) flush(c rawCall, rank int) int {
	a := args{win: w.h, peer: max(rank, 0)}
	return runLong(c, &a)
}

// Fence ends one active-target epoch of every rank and starts the next
// (MPI_Win_fence): collective over the window's communicator; every
// operation since the last Fence is then complete. asserts (ModeNoStore,
// ModeNoPut, ModeNoPrecede, ModeNoSucceed) tell MPI what the program
// guarantees, which may make it faster; a false one is the program's error,
// which MPI need not detect.
func (w *Win) Fence(asserts ...Assert) error {
	a := assertBits(asserts)
	return w.sync("Win.Fence", noRank, nil, all, func(groupHandle) int { return mpiWinFence(a, w.h) })
}

// Lock starts a passive-target epoch at rank (MPI_Win_lock): exclusive,
// or shared with other ranks' shared locks; asserts: ModeNoCheck (no other
// rank holds or asks for a conflicting lock).
func (w *Win) Lock(rank int, exclusive bool, asserts ...Assert) error {
	a := assertBits(asserts)
	lock := lockShared
	if exclusive {
		lock = lockExclusive
	}
	c, _ := enumlockKind.toC(lock)
	return w.sync("Win.Lock", rank, nil, none, func(groupHandle) int { return mpiWinLock(c, rank, a, w.h) })
}

// Unlock ends the epoch at rank (MPI_Win_unlock), completing its operations.
func (w *Win) Unlock(rank int) error {
	return w.sync("Win.Unlock", rank, nil, rank, func(groupHandle) int { return mpiWinUnlock(rank, w.h) })
}

// LockAll starts a shared passive-target epoch at every rank
// (MPI_Win_lock_all); asserts: ModeNoCheck.
func (w *Win) LockAll(asserts ...Assert) error {
	a := assertBits(asserts)
	return w.sync("Win.LockAll", noRank, nil, none, func(groupHandle) int { return mpiWinLockAll(a, w.h) })
}

// UnlockAll ends it (MPI_Win_unlock_all), completing every operation.
func (w *Win) UnlockAll() error {
	return w.sync("Win.UnlockAll", noRank, nil, all, func(groupHandle) int { return mpiWinUnlockAll(w.h) })
}

// Flush completes the operations to rank, at both ends, inside a
// passive-target epoch (MPI_Win_flush).
func (w *Win) Flush(rank int) error {
	return w.sync("Win.Flush", rank, nil, rank, func(groupHandle) int { return w.flush(callWinFlush, rank) })
}

// FlushAll completes every operation, at both ends (MPI_Win_flush_all).
func (w *Win) FlushAll() error {
	return w.sync("Win.FlushAll", noRank, nil, all, func(groupHandle) int { return w.flush(callWinFlushAll, 0) })
}

// FlushLocal completes the operations to rank at the origin: their buffers
// may be reused (MPI_Win_flush_local).
func (w *Win) FlushLocal(rank int) error {
	return w.sync("Win.FlushLocal", rank, nil, rank, func(groupHandle) int { return w.flush(callWinFlushLocal, rank) })
}

// FlushLocalAll is FlushLocal for every target (MPI_Win_flush_local_all).
func (w *Win) FlushLocalAll() error {
	return w.sync("Win.FlushLocalAll", noRank, nil, all, func(groupHandle) int { return w.flush(callWinFlushLocalAll, 0) })
}

// Sync makes this rank's window memory and MPI's view of it agree
// (MPI_Win_sync), for shared windows read and written directly.
func (w *Win) Sync() error {
	return w.sync("Win.Sync", noRank, nil, none, func(groupHandle) int { return mpiWinSync(w.h) })
}

// Post exposes this rank's window to the ranks of g, a group of the
// window's communicator, until Wait (MPI_Win_post); asserts: ModeNoCheck,
// ModeNoStore, ModeNoPut.
func (w *Win) Post(g *Group, asserts ...Assert) error {
	a := assertBits(asserts)
	return w.sync("Win.Post", noRank, g, none, func(gh groupHandle) int { return mpiWinPost(gh, a, w.h) })
}

// Start starts an epoch in which this rank accesses the windows of the
// ranks of g, which Post them, until Complete (MPI_Win_start); asserts:
// ModeNoCheck.
func (w *Win) Start(g *Group, asserts ...Assert) error {
	a := assertBits(asserts)
	return w.sync("Win.Start", noRank, g, none, func(gh groupHandle) int { return mpiWinStart(gh, a, w.h) })
}

// Complete ends the epoch of Start, completing its operations (MPI_Win_complete).
func (w *Win) Complete() error {
	return w.sync("Win.Complete", noRank, nil, all, func(groupHandle) int { return mpiWinComplete(w.h) })
}

// Wait ends the exposure of Post, once every origin of the group has
// called Complete (MPI_Win_wait).
func (w *Win) Wait() error {
	return w.sync("Win.Wait", noRank, nil, none, func(groupHandle) int { return mpiWinWait(w.h) })
}

// Test is Wait that does not wait (MPI_Win_test): it reports whether every
// origin of Post's group has called Complete, and if so ends the exposure.
func (w *Win) Test() (bool, error) {
	var flag int
	err := w.sync("Win.Test", noRank, nil, none, func(groupHandle) int { return mpiWinTest(w.h, &flag) })
	return flag != 0, err
}

// Assert is an assertion of one-sided synchronization (MPI_MODE_*): what
// the program guarantees about an epoch, so that MPI may skip work.
type Assert int

const (
	ModeNoCheck   Assert = 1 << iota // Lock, LockAll, Start, Post: no conflicting lock or matching call is pending
	ModeNoStore                      // Post, Fence: the local window was not stored to since the last synchronization
	ModeNoPut                        // Post, Fence: the local window will not be put to or accumulated into until the next
	ModeNoPrecede                    // Fence: no operation of this rank completes at this fence
	ModeNoSucceed                    // Fence: no operation of this rank starts after it
)

// assertBits is the library's bits of asserts.
func assertBits(asserts []Assert) int {
	bits := 0
	for _, a := range asserts {
		for _, m := range []Assert{ModeNoCheck, ModeNoStore, ModeNoPut, ModeNoPrecede, ModeNoSucceed} {
			if a&m != 0 {
				c, _ := enumAssert.toC(m)
				bits |= c
			}
		}
	}
	return bits
}

// pinner returns the pinner of target's pending buffers; w.mu held.
func (w *Win) pinner(target int) *runtime.Pinner {
	i := w.slot(target)
	if w.pending[i] == nil {
		w.pending[i] = new(runtime.Pinner) // kept, unpinned, for the next epoch's buffers
	}
	return w.pending[i]
}

// slot is target's index in w.pending.
func (w *Win) slot(target int) int {
	if target == attached {
		return len(w.pending) - 1
	}
	return target
}

// release unpins the buffers of the operations to target (or all targets)
// that are now complete; attached memory stays pinned until Free. An index
// per target, not a map: a flush after each small Put releases one target.
func (w *Win) release(target int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if target != all {
		if p := w.pending[w.slot(target)]; p != nil {
			p.Unpin()
		}
		return
	}
	for i, p := range w.pending {
		if p != nil && (i < len(w.pending)-1 || w.freed.Load()) {
			p.Unpin()
		}
	}
}
