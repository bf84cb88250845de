package mpi

import (
	"cmp"
	"errors"
	"runtime"
	"slices"
	"sync"
	"unsafe"
)

type reqKind int

const (
	reqSend reqKind = iota
	reqRecv
	reqCollective
	reqGo // a generalized request: GoRequest's work
)

// Request is a nonblocking operation in flight (MPI_Request). The buffers
// MPI holds stay pinned (runtime.Pinner) until it completes, so the garbage
// collector neither frees nor moves them while MPI writes or reads them (a
// small Irecv's buffer is not given to MPI: the message is staged and copied
// in on completion); complete every Request with Wait, Test or WaitAll. A
// persistent Request (SendInit, RecvInit) is started with Start or StartAll
// and completed as often as needed, and holds its buffer until Free. A
// Request is safe for use by several goroutines.
type Request struct {
	mu         sync.Mutex
	h          reqHandle
	pin        *runtime.Pinner // from pinners; nil once completed (persistent: freed)
	stage      unsafe.Pointer  // a staged call's staging area (stage.go); nil once completed (persistent: freed)
	sendCopy   unsafe.Pointer  // a small send's copy in C memory (smallSend), freed once completed
	op         string
	kind       reqKind
	recv       Buffer // a receive's buffer
	done       bool   // completed (persistent: not active)
	persistent bool
	freed      bool // persistent: Free was called
	st         Status
	err        error

	userOp                 *Op          // a reduction's user op, whose panic is the completion's error
	repost                 *repost      // a persistent collective the binding makes itself (pinit.go)
	part                   *partitioned // a partitioned request's (partitioned.go)
	gowork                 *goWork      // a GoRequest's work (gorequest.go)
	prevPinned, nextPinned *Request     // the list of requests holding pinned memory (pinned.go)
	listed                 bool
}

// pinners recycles Pinners: a Pinner's first Pin allocates its state and
// sets a finalizer, which cost more than the MPI_Isend of a small message.
var pinners = sync.Pool{New: func() any { return new(runtime.Pinner) }}

// start posts a nonblocking raw call; recv is a receive's buffer. Every Go
// buffer MPI keeps until completion is pinned before the call; counts and
// displacements too. A staged receive (a.stage set) is given C memory.
func start(op string, c rawCall, a *args, kind reqKind, recv Buffer) (*Request, error) {
	r := pinned(op, a, kind, recv)
	a.nonblocking = true
	if err := mpiError(op, run(c, a)); err != nil {
		r.release()
		return nil, err
	}
	r.h = a.req
	return r, nil
}

// pinned returns a Request, not posted, holding pinned what MPI will keep
// of a (see start).
func pinned(op string, a *args, kind reqKind, recv Buffer) *Request {
	r := &Request{op: op, kind: kind, recv: recv, h: requestNull, stage: a.stage}
	if a.stage == nil || a.buf != nil { // a staged Isendrecv gives MPI its send buffer
		r.pin = pinners.Get().(*runtime.Pinner)
		r.pinAll(a.buf)
		if a.stage == nil {
			r.pinAll(a.rbuf)
		}
		if p := a.parts; p != nil {
			r.pinAll(p.arrays()...)
		}
		linkPinned(r)
	}
	return r
}

func (r *Request) pinAll(ptrs ...unsafe.Pointer) {
	for _, p := range ptrs {
		if p != nil {
			pinGo(r.pin, p)
		}
	}
}

// pinGo pins p if it is Go memory; memory from C (MPI_Alloc_mem, mmap) needs no pinning.
func pinGo(pin *runtime.Pinner, p unsafe.Pointer) {
	defer func() { recover() }() // Pin panics on pointers the Go runtime does not own
	pin.Pin(p)
}

// Wait blocks until r completes (MPI_Wait, as a polling loop that lets
// other goroutines run) and returns its Status (meaningful for receives) and
// error, e.g. ErrTruncate for a receive into too small a buffer. Waiting on a
// completed request returns the same result again.
func (r *Request) Wait() (Status, error) {
	if r == nil {
		return Status{}, errorf(ClassRequest, "Wait", "nil request")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.done {
		if err := checkState("Wait"); err != nil {
			return Status{}, err
		}
		a := args{req: r.h}
		r.finish(poll(callTest, &a), &a)
	}
	return r.st, r.err
}

// Test reports whether r has completed (MPI_Test), with its Status and error if so.
func (r *Request) Test() (bool, Status, error) {
	if r == nil {
		return false, Status{}, errorf(ClassRequest, "Test", "nil request")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.done {
		if err := checkState("Test"); err != nil {
			return false, Status{}, err
		}
		a := args{req: r.h}
		rc := run(callTest, &a)
		r.h = a.req
		if rc != 0 || a.flag {
			r.finish(rc, &a)
		}
	}
	return r.done, r.st, r.err
}

// release unpins the request's buffers, recycles its Pinner and staging
// area and frees its send's copy, once MPI is done with them.
func (r *Request) release() {
	if r.sendCopy != nil {
		rawFree(r.sendCopy)
		r.sendCopy = nil
	}
	if r.pin != nil {
		r.pin.Unpin()
		pinners.Put(r.pin)
		r.pin = nil
		unlinkPinned(r)
	}
	if r.stage != nil {
		putStage(r.stage)
		r.stage = nil
	}
}

func (r *Request) finish(rc int, a *args) {
	r.h = a.req
	r.complete(rc, a.status())
}

// complete records the outcome of r, whose MPI request is done (or, with
// rcFinalized, abandoned to MPI_Finalize).
func (r *Request) complete(rc int, st Status) {
	r.done = true
	if r.part != nil {
		r.part.active.Store(false)
	}
	if rc == rcFinalized {
		r.sendCopy = nil // MPI_Finalize may still read it
	}
	if r.recv.t != nil {
		st.elemSize = r.recv.unit()
	}
	r.st = st
	if r.stage != nil { // a staged receive
		r.err = finishStaged(r.op, r.stage, r.recv, rc, st, r.persistent)
	} else {
		r.err = mpiError(r.op, rc)
	}
	if r.err == nil {
		r.err = r.userOp.takePanic(r.op)
	}
	if r.gowork != nil && rc == rcSuccess {
		r.gowork.outcome(&r.st, &r.err)
	}
	if !r.persistent { // a persistent Request keeps its buffer until Free
		r.stage = nil
		r.release()
		r.recv = Buffer{} // a completed Request does not keep the buffer alive
	}
}

// Cancel asks MPI to cancel a pending receive (MPI_Cancel); Wait then
// completes it and Status.Cancelled reports whether the cancel won over a
// matching message. On a GoRequest it cancels the work's context. Sends
// cannot be cancelled: OpenMPI reports success but the send stays pending,
// so Cancel on a send returns an ErrUnsupported error, as it does on
// collectives (MPI forbids it).
func (r *Request) Cancel() error {
	if r == nil {
		return errorf(ClassRequest, "Cancel", "nil request")
	}
	if r.gowork != nil {
		r.gowork.cancel()
		return nil
	}
	if r.kind != reqRecv {
		return errorf(ClassUnsupported, "Cancel", "only receives can be cancelled (%s is not)", r.op)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return nil
	}
	if err := checkState("Cancel"); err != nil {
		return err
	}
	a := args{req: r.h}
	return mpiError("Cancel", run(callCancel, &a))
}

// WaitAll waits for every request and returns the errors of those that
// failed, joined (nil requests are skipped). The requests are completed
// together: one polling loop over all of them in C (mpigo_testall), as fast as
// C's MPI_Waitall over a window of small messages where a Wait per request
// would cost a call each. It holds every request's lock meanwhile (taken in
// address order, so concurrent WaitAlls over shared requests cannot
// deadlock).
func WaitAll(reqs ...*Request) error {
	set, _ := lockAll(reqs)
	defer unlockAll(set)
	if err := waitLocked(set); err != nil {
		return err
	}
	var errs []error
	for _, r := range reqs {
		if r != nil && r.err != nil && !slices.Contains(errs, r.err) {
			errs = append(errs, r.err)
		}
	}
	return errors.Join(errs...)
}

// lockAll locks the distinct requests of reqs, nil ones skipped, in address
// order (so that concurrent calls over shared requests cannot deadlock), and
// returns them, and whether some request was listed twice.
func lockAll(reqs []*Request) (set []*Request, repeated bool) {
	set = make([]*Request, 0, len(reqs))
	for _, r := range reqs {
		if r != nil {
			set = append(set, r)
		}
	}
	n := len(set)
	if !slices.IsSortedFunc(set, byAddress) { // requests made in a row usually are
		slices.SortFunc(set, byAddress)
	}
	set = slices.Compact(set)
	for _, r := range set {
		r.mu.Lock()
	}
	return set, len(set) < n
}

func byAddress(a, b *Request) int {
	return cmp.Compare(uintptr(unsafe.Pointer(a)), uintptr(unsafe.Pointer(b)))
}

func unlockAll(set []*Request) {
	for _, r := range set {
		r.mu.Unlock()
	}
}

// waitLocked completes the pending requests of set (all locked).
func waitLocked(set []*Request) error {
	pending := make([]*Request, 0, len(set))
	for _, r := range set {
		if !r.done {
			pending = append(pending, r)
		}
	}
	n := len(pending)
	if n == 0 {
		return nil
	}
	if err := checkState("WaitAll"); err != nil {
		return err
	}
	b := getBatch(n)
	defer putBatch(b)
	for i, r := range pending {
		b.reqs[i] = r.h
	}
	a := args{batch: b}
	rc := poll(callTestAll, &a)
	for i, r := range pending {
		r.h = b.reqs[i]
		if done, reqRC, st := b.result(i); done {
			r.complete(reqRC, st)
		} else if rc != 0 { // the call itself failed, or Finalize ended the wait
			r.complete(rc, Status{})
		}
	}
	return nil
}

// WaitAny waits until one of the requests that had not completed before the
// call completes, and returns its index, Status and error. It returns -1 when
// none is pending (nil requests are skipped).
func WaitAny(reqs ...*Request) (int, Status, error) {
	pending := make([]int, 0, len(reqs))
	for i, r := range reqs {
		if r != nil && !r.isDone() {
			pending = append(pending, i)
		}
	}
	if len(pending) == 0 {
		return -1, Status{}, nil
	}
	for {
		for _, i := range pending {
			if done, st, err := reqs[i].Test(); done {
				return i, st, err
			}
		}
		runtime.Gosched()
	}
}

// TestAll reports whether every request has completed, testing each once;
// the errors of completed requests that failed are joined.
func TestAll(reqs ...*Request) (bool, error) {
	all := true
	var errs []error
	for _, r := range reqs {
		if r == nil {
			continue
		}
		done, _, err := r.Test()
		all = all && done
		if err != nil {
			errs = append(errs, err)
		}
	}
	return all, errors.Join(errs...)
}

func (r *Request) isDone() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done
}
