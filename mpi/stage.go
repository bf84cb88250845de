package mpi

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// Staging areas: C memory that MPI receives small messages into, whatever
// their length (see raw.h and smallMessage). Each reserves 32 GiB of address
// space, of which only the pages messages touch take memory; pages past
// stageKeep are given back after a message touched them. A persistent
// receive (RecvInit) keeps its staging area until Free. Spread so far apart,
// many areas in use at once cost the processor page walks: a window of 64
// small receives ran 1.3–1.5× faster with areas 1 MiB apart, which is not
// safe (a longer message would overrun into the next).
//
// stages is the free list; cachedStage holds one more, taken and returned
// with one atomic operation, for the common case of one goroutine with one
// message in flight. At most maxStages exist: beyond that (and where the
// system refuses the reservation) receives are posted into the Go buffer
// (Recv after a matched probe, Irecv and RecvInit pinned).
var (
	stages struct {
		sync.Mutex
		free []unsafe.Pointer
		made int
	}
	cachedStage atomic.Uintptr // an address: atomic.Pointer's operations carry GC write barriers, and cost a call each
)

const (
	maxStages = 256      // 8 TiB of the 128 TiB of address space
	stageKeep = 64 << 10 // bytes of a staging area kept in memory
)

// getStage returns a staging area, or nil if none can be had.
func getStage() unsafe.Pointer {
	if p := cachedStage.Swap(0); p != 0 {
		return unsafe.Add(nil, p) // C memory
	}
	stages.Lock()
	if n := len(stages.free); n > 0 {
		p := stages.free[n-1]
		stages.free = stages.free[:n-1]
		stages.Unlock()
		return p
	}
	if stages.made == maxStages {
		stages.Unlock()
		return nil
	}
	stages.made++
	stages.Unlock()
	p := rawStageNew()
	if p == nil {
		stages.Lock()
		stages.made--
		stages.Unlock()
	}
	return p
}

func putStage(p unsafe.Pointer) {
	if cachedStage.CompareAndSwap(0, uintptr(p)) {
		return
	}
	stages.Lock()
	stages.free = append(stages.free, p)
	stages.Unlock()
}

// finishStaged ends op, a receive into b through staging area p whose
// request ended with rc and st, and returns its error: it copies the message
// into b, as much as fits (a longer one is ErrTruncate), and returns p to
// the free list unless keep (a persistent request's stage, freed with it); a
// request that Finalize ended keeps p, which MPI may still write to.
func finishStaged(op string, p unsafe.Pointer, b Buffer, rc int, st Status, keep bool) error {
	err := mpiError(op, rc)
	if rc == rcFinalized {
		return err
	}
	if rc == 0 && !st.cancelled {
		if n := min(st.bytes, int64(b.bytes())); n > 0 {
			copy(unsafe.Slice((*byte)(b.ptr), n), unsafe.Slice((*byte)(p), n))
		}
		if st.bytes > stageKeep {
			rawStageTrim(p, stageKeep, st.bytes)
		}
		if st.bytes > int64(b.bytes()) {
			err = truncated(op, st, b)
		}
	}
	if !keep {
		putStage(p)
	}
	return err
}
