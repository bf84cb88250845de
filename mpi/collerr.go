package mpi

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// CollectiveErrors says what a collective call does when its arguments fail
// the binding's checks on some ranks only (the root's send buffer of a
// Scatter is short, a neighbour list names a rank that does not exist), and
// whether ranks whose arguments each pass their own checks but disagree
// (one names another root, reduces another count or with another op, calls
// another collective) are caught. Only the ranks with the bad arguments can
// see the first kind; no rank alone can see the second. MPI itself answers
// both with a hang, stale data or, where counts disagree, a write past a
// buffer. Chosen once for the whole program with SetCollectiveErrors (every
// rank must choose the same), or for a debugging run with MPIGO_CHECK=1 in
// the environment (see check.go), which agrees whatever the program chose:
//
//   - AbortOnArgError (the default) costs nothing: the rank that finds an
//     argument error prints it, once, naming its rank, the call and what was
//     wrong, and aborts the job (MPI_Abort on World), as MPI's default error
//     handler would. Disagreements are not caught.
//   - AgreeOnArgErrors makes every collective over an intracommunicator
//     first compare, across the ranks, each rank's verdict and what must
//     match: the call (Bcast against Ibcast or Barrier), the root, the op and
//     element type of a reduction, the bytes of each rank's part, and for
//     the v-collectives what each pair of ranks sends and expects (agree.go).
//     A bad argument on any rank is then an error on every rank, of the
//     class found there and naming the rank; a disagreement an ErrMismatch
//     on every rank naming the ranks and what differs; and no rank enters
//     the collective. It costs one allreduce of 40 bytes on every call: an
//     8-byte Bcast took 2.2–3.2 µs against 0.5 at 2 ranks, 21–24 against
//     1.2–1.4 µs with 4 ranks on 2 cores; 1 MiB 1.0–1.1× at 2 ranks (mpigo
//     modes, medians of 7 alternating rounds; doc/performance.md), and a
//     nonblocking collective's start blocks until it is agreed. Worth it
//     while developing or where a rank's arguments come from its own input.
//     Type signatures are compared by bytes (a Typed buffer may stand for a
//     Buf of the same bytes), except reductions, whose element types must
//     match; the neighbour collectives and Alltoallw compare the call and
//     the verdict only; over an intercommunicator, the verdict only.
//
// In both modes an error every rank sees alike is simply returned: MPI not
// running, a nil or freed communicator, a call that does not exist over an
// intercommunicator. So is every error on a communicator of one rank, where
// no one else waits.
//
// The calls this governs: every collective of Comm (Barrier to Alltoallw,
// blocking and nonblocking, the neighbour collectives), the value
// collectives (BcastValue, …) and the collective constructors whose
// arguments are per rank (SplitType, CartCreate, DistGraphCreateAdjacent,
// Create). CreateGroup and IntercommCreate abort on such an error in either
// mode: the ranks waiting for them (the group's, the other group's) share
// no communicator yet to agree over.
type CollectiveErrors int32

const (
	AbortOnArgError  CollectiveErrors = iota // print the error and abort the job
	AgreeOnArgErrors                         // agree first; return errors on every rank
)

func (m CollectiveErrors) String() string {
	if m == AgreeOnArgErrors {
		return "AgreeOnArgErrors"
	}
	return "AbortOnArgError"
}

var collectiveErrors atomic.Int32

// SetCollectiveErrors sets what collectives do with an argument error found
// on some ranks only (see CollectiveErrors) and returns the previous setting.
// Every rank must set the same, before the collectives it governs.
func SetCollectiveErrors(m CollectiveErrors) CollectiveErrors {
	return CollectiveErrors(collectiveErrors.Swap(int32(m)))
}

// enter decides whether a collective op over c may go into MPI, given what
// its argument checks returned (err, nil if they passed): it returns nil to
// go on, or the error op must return instead. Under AbortOnArgError a
// rank-local error does not return. enter knows the call by its name alone;
// enterCall also by its raw call and checked args, from which the agreeing
// modes take what must match across ranks (agree.go).
func (c *Comm) enter(op string, err error) error { return c.enterCall(op, err, 0, nil) }

func (c *Comm) enterCall(op string, err error, call rawCall, a *args) error {
	if err != nil && (seenByAll(err) || c.size == 1 && !c.inter) {
		return err
	}
	if faultTolerant && c.size == 1 && !c.inter {
		// OpenMPI 5 completes a nonblocking collective over one rank even
		// when the communicator is revoked; the blocking ones fail.
		if err := revokedOne(op, c); err != nil {
			return err
		}
	}
	if CollectiveErrors(collectiveErrors.Load()) == AgreeOnArgErrors || checked.Load() {
		switch {
		case c.inter:
			return c.agree(op, err)
		case c.size == 1:
			return err
		case err != nil:
			return c.agreeShapes(op, err, c.shapeOf(op, call, nil))
		}
		return c.agreeShapes(op, nil, c.shapeOf(op, call, a))
	}
	if err != nil {
		abortOnArgError(c, op, err)
		return err // a fault-tolerant job's
	}
	return nil
}

// seenByAll reports whether err is one that every rank calling the same
// collective finds alike (the communicator or MPI's state, not the caller's
// buffers): the others then return it too instead of waiting.
func seenByAll(err error) bool {
	e, ok := err.(*Error)
	if !ok || e.local {
		return false
	}
	switch e.Class {
	case ClassComm, ClassNotInitialized, ClassFinalized, ClassUnsupported:
		return true
	}
	return false
}

// rankLocal marks err, if an *Error, as found in this rank's own arguments
// even where its class would say the communicator is at fault (a bridge
// communicator that only the leader passes).
func rankLocal(err error) error {
	if e, ok := err.(*Error); ok {
		e.local = true
	}
	return err
}

// agree allreduces every rank's verdict over intercommunicator c (where the
// two groups' arguments differ by design: agreeShapes is for
// intracommunicators) and returns err, or, where
// this rank's arguments passed but another's did not, an error of that
// rank's class naming it. The verdict is class<<32 | rank (-1: passed), so MAX
// keeps the worst class and, among its ranks, the highest. Over an
// intercommunicator an allreduce returns the other group's result, so a
// second one, of the larger of the two, spreads the verdict to both groups.
func (c *Comm) agree(op string, err error) error {
	verdict := int64(-1)
	if err != nil {
		verdict = int64(classOf(err))<<32 | int64(c.rank)
	}
	rounds := 1
	if c.inter {
		rounds = 2
	}
	for range rounds {
		var worst int64
		if aerr := c.allreduceForAgreement(op+" (agreeing on arguments)", One(&verdict), One(&worst), Max); aerr != nil {
			return aerr
		}
		verdict = max(verdict, worst)
	}
	if err != nil || verdict < 0 {
		return err
	}
	rank := int(verdict & 0xffffffff)
	where := fmt.Sprintf("rank %d", rank)
	if c.inter {
		where = "a rank of either group"
	}
	return errorf(Class(verdict>>32), op, "the arguments of %s failed their checks there (%v); no rank entered the collective", where, Class(verdict>>32))
}

// userOpOutcome returns the error of a blocking reduction over c with o:
// if o is a user op whose Go function panicked on any rank, an error on
// every rank naming one where it did (the others would return its wrong
// result as if nothing happened). It costs an 8-byte allreduce after each
// reduction with a user op, and nothing for predefined ops. A nonblocking
// reduction cannot agree (Wait is local): its Wait fails on the ranks where
// the function panicked.
func (c *Comm) userOpOutcome(op string, o *Op) error {
	if o == nil || o.kind != oUser {
		return nil
	}
	err := o.takePanic(op)
	if c.size == 1 || c.inter {
		return err
	}
	verdict, worst := int64(-1), int64(-1)
	if err != nil {
		verdict = int64(c.rank)
	}
	aerr := c.allreduceForAgreement(op+" (agreeing on panics)", One(&verdict), One(&worst), Max)
	switch {
	case err != nil:
		return err
	case aerr != nil:
		return aerr
	case worst >= 0:
		return errorf(ClassOther, op, "the reduction function panicked on rank %d, so the result is not valid", worst)
	}
	return nil
}

// classOf is err's class as the agreements report it: ClassOther for an
// error that is not an *Error.
func classOf(err error) Class {
	if e, ok := err.(*Error); ok {
		return e.Class
	}
	return ClassOther
}

// abortOnArgError ends the job for a collective's argument error found on
// this rank only (AbortOnArgError). In a fault-tolerant job it revokes c
// instead and returns: the others stop waiting with ErrRevoked, and the job
// goes on.
func abortOnArgError(c *Comm, op string, err error) {
	if faultTolerant && c.Revoke() == nil {
		return
	}
	fmt.Fprintf(os.Stderr, "mpigo: rank %d of %d: %v\n"+
		"mpigo: the other ranks of the communicator are waiting in %s, which this rank cannot join, so the job is aborted\n"+
		"mpigo: (mpi.SetCollectiveErrors(mpi.AgreeOnArgErrors) returns such errors on every rank instead)\n",
		world.Rank(), world.Size(), err, op)
	// Let the launcher forward the message before MPI_Abort kills the job (as RunThread).
	time.Sleep(200 * time.Millisecond)
	Abort(1)
}
