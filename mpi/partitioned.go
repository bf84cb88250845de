package mpi

import (
	"sync/atomic"
)

// Partitioned communication (MPI-4's MPI_Psend_init, MPI_Precv_init,
// MPI_Pready*, MPI_Parrived): one message in partitions, which the sender
// marks ready one by one, typically from the goroutines that fill them,
// and the receiver may use as each arrives. The requests are persistent:
// Start (or StartAll) begins a round, Wait completes it, Free ends them.
//
// Pready and Parrived never wait for Wait: a goroutine may mark its
// partition ready while another waits for the send, which completes only
// when every partition is ready. The binding checks what MPI would abort
// on: a partition out of range, marked twice in a round, marked before
// Start, a Pready on a receive or a Parrived on a send.
//
// OpenMPI 5 and MPICH 4 have it; on OpenMPI 4.1 the inits are an
// ErrUnsupported error (mpi4.go).

// partitioned is the state of a partitioned request that Pready and
// Parrived read without the Request's lock, which Wait holds.
type partitioned struct {
	h      reqHandle // MPI's request, made once (requestNull: to or from ProcNull)
	n      int       // partitions
	send   bool
	active atomic.Bool     // started and not yet completed
	ready  []atomic.Uint64 // send: the partitions marked ready this round, a bit each
}

// PsendInit makes a partitioned send of b to dest with tag
// (MPI_Psend_init): b holds partitions parts of len(b)/partitions
// elements; each Start sends them as Pready marks them. b is pinned until
// Free and a part must not change once marked. Errors: partitions < 1 or
// not dividing len(b) (ErrArg), as for SendInit, and ErrUnsupported
// without MPI-4.
func (c *Comm) PsendInit(b Buffer, partitions, dest, tag int) (*Request, error) {
	const op = "PsendInit"
	dt, err := c.checkSend(op, b, dest, tag)
	if err != nil {
		return nil, err
	}
	return c.pinit(op, callPsendInit, b, dt, partitions, dest, tag, true)
}

// PrecvInit makes a partitioned receive into b from src with tag
// (MPI_Precv_init): b holds partitions parts; Parrived reports a part's
// arrival while a round is active, Wait the whole. The sender's total must
// equal b's (its partitions may differ). src and tag are given: AnySource
// and AnyTag are ErrRank and ErrTag. Other errors as for PsendInit.
func (c *Comm) PrecvInit(b Buffer, partitions, src, tag int) (*Request, error) {
	const op = "PrecvInit"
	if c.usable() && src == AnySource {
		return nil, errorf(ClassRank, op, "a partitioned receive names its source (AnySource is not allowed)")
	}
	if c.usable() && tag == AnyTag {
		return nil, errorf(ClassTag, op, "a partitioned receive names its tag (AnyTag is not allowed)")
	}
	dt, err := c.checkRecv(op, b, src, tag)
	if err != nil {
		return nil, err
	}
	return c.pinit(op, callPrecvInit, b, dt, partitions, src, tag, false)
}

func (c *Comm) pinit(op string, call rawCall, b Buffer, dt dtypeHandle, partitions, peer, tag int, send bool) (*Request, error) {
	if partitions < 1 || b.n%partitions != 0 {
		return nil, errorf(ClassArg, op, "%d partitions of a buffer of %d elements (want at least 1, dividing it)", partitions, b.n)
	}
	if err := needMPI4(op, callNames[call]); err != nil {
		return nil, err
	}
	part := &partitioned{n: partitions, send: send, h: requestNull}
	if send {
		part.ready = make([]atomic.Uint64, (partitions+63)/64)
	}
	kind, recv := reqSend, Buffer{}
	if !send {
		kind, recv = reqRecv, b
	}
	if peer == ProcNull { // each round completes at once, as a persistent send or receive's
		return &Request{op: op, kind: kind, h: requestNull, done: true, persistent: true, part: part}, nil
	}
	a := args{buf: b.ptr, n: b.n / partitions, dt: dt, peer: peer, tag: tag, comm: c.h, partitions: partitions}
	if !send {
		a.buf, a.rbuf, a.rn = nil, b.ptr, b.n/partitions
	}
	r, err := persistent(start(op, call, &a, kind, recv))
	if err != nil {
		return nil, err
	}
	r.part, part.h = part, r.h
	return r, nil
}

// Pready marks partition p of active partitioned send r ready (MPI_Pready):
// MPI may send it from now on. Safe from any goroutine while another waits.
func (r *Request) Pready(p int) error { return r.pready("Pready", p, p) }

// PreadyRange marks partitions lo to hi, both included, ready
// (MPI_Pready_range).
func (r *Request) PreadyRange(lo, hi int) error { return r.pready("PreadyRange", lo, hi) }

func (r *Request) pready(op string, lo, hi int) error {
	if err := r.markReady(op, lo, hi, nil); err != nil || r.part.h == requestNull {
		return err
	}
	a := args{req: r.part.h, lo: lo, hi: hi}
	return mpiError(op, run(callPready, &a))
}

// PreadyList marks the partitions listed ready (MPI_Pready_list).
func (r *Request) PreadyList(partitions []int) error {
	const op = "PreadyList"
	if err := r.markReady(op, 0, -1, partitions); err != nil || len(partitions) == 0 || r.part.h == requestNull {
		return err
	}
	a := args{req: r.part.h, list: cints(partitions)}
	return mpiError(op, run(callPreadyList, &a))
}

// markReady checks that partitions lo…hi, or those listed, of r may be
// marked ready now, and marks them: r is an active partitioned send, each
// partition in range and not marked before this round. Nothing is marked
// if one fails.
func (r *Request) markReady(op string, lo, hi int, list []int) error {
	if err := r.partOf(op, true); err != nil {
		return err
	}
	pt := r.part
	each := func(f func(p int) error) error {
		if list == nil {
			for p := lo; p <= hi; p++ {
				if err := f(p); err != nil {
					return err
				}
			}
			return nil
		}
		for _, p := range list {
			if err := f(p); err != nil {
				return err
			}
		}
		return nil
	}
	if list == nil && lo > hi {
		return errorf(ClassArg, op, "partition range %d…%d is empty", lo, hi)
	}
	if err := each(func(p int) error {
		if p < 0 || p >= pt.n {
			return errorf(ClassArg, op, "partition %d out of range [0, %d)", p, pt.n)
		}
		return nil
	}); err != nil {
		return err
	}
	var marked []int
	err := each(func(p int) error {
		bit := uint64(1) << (p % 64)
		if old := pt.ready[p/64].Or(bit); old&bit != 0 {
			return errorf(ClassArg, op, "partition %d was marked ready already this round", p)
		}
		marked = append(marked, p)
		return nil
	})
	if err != nil { // unmark what this call marked
		for _, p := range marked {
			pt.ready[p/64].And(^(uint64(1) << (p % 64)))
		}
	}
	return err
}

// partOf checks that r is a partitioned request of the side wanted, active.
func (r *Request) partOf(op string, send bool) error {
	switch {
	case r == nil:
		return errorf(ClassRequest, op, "nil request")
	case r.part == nil:
		return errorf(ClassRequest, op, "%s request is not partitioned (make one with PsendInit or PrecvInit)", r.op)
	case r.part.send != send && send:
		return errorf(ClassRequest, op, "%s request is a partitioned receive: only a send's partitions are marked ready", r.op)
	case r.part.send != send:
		return errorf(ClassRequest, op, "%s request is a partitioned send: Parrived asks a receive", r.op)
	case !r.part.active.Load():
		return errorf(ClassRequest, op, "%s request is not active: Start it first", r.op)
	}
	return checkState(op)
}

// Parrived reports whether partition p of partitioned receive r has
// arrived (MPI_Parrived). Outside a round (before the first Start, after
// Wait completes it) every partition has, as MPI says.
func (r *Request) Parrived(p int) (bool, error) {
	const op = "Parrived"
	err := r.partOf(op, false)
	if err != nil && (r == nil || r.part == nil || r.part.send) {
		return false, err
	}
	if p < 0 || p >= r.part.n {
		return false, errorf(ClassArg, op, "partition %d out of range [0, %d)", p, r.part.n)
	}
	if err != nil || r.part.h == requestNull { // not active, or from ProcNull
		return true, checkState(op)
	}
	a := args{req: r.part.h, lo: p}
	if err := mpiError(op, run(callParrived, &a)); err != nil {
		return false, err
	}
	return a.flag, nil
}

// begin starts a round of r's partitions (r.part non-nil).
func (pt *partitioned) begin() {
	for i := range pt.ready {
		pt.ready[i].Store(0)
	}
	pt.active.Store(true) // to or from ProcNull: until the next Start, as nothing completes it
}
