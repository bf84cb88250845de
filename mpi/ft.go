package mpi

// #include "raw.h"
import "C"

import (
	"fmt"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// Fault tolerance (ULFM, the MPI Forum's User-Level Failure Mitigation, as
// OpenMPI 5 has it in its ftmpi extension): a job started with
//
//	mpiexec --with-ft ulfm -n N prog
//
// goes on when a rank dies. A call that needs the dead rank returns an error
// of class ClassProcFailed (errors.Is(err, ErrProcFailed)) instead of
// waiting forever, and so does every blocking call and every Wait of the
// binding; a receive from AnySource that the dead rank might have matched
// returns ErrProcFailedPending and stays posted. The survivors then recover
// with the pattern
//
//	if errors.Is(err, mpi.ErrProcFailed) || errors.Is(err, mpi.ErrRevoked) {
//		comm.Revoke()              // every rank's pending and later calls on comm fail with ErrRevoked
//		comm, err = comm.Shrink()  // a new communicator of the survivors
//		…                          // redistribute the work, restore lost state, go on
//	}
//
// and Agree, a vote that completes even when ranks die during it, tells them
// whether every survivor finished a step.
//
// Without ULFM (OpenMPI 4.1, MPICH) or in a job started without it, these
// calls return ErrUnsupported, saying which, before MPI is called (OpenMPI 5
// without --with-ft lets Revoke through and then hangs in Shrink), and a
// dead rank ends the whole job, as mpiexec always did.

// haveULFM is true where the library has ULFM (raw_ft.h).
const haveULFM = C.MPIGO_ULFM == 1

// HasULFM reports whether the MPI library has fault tolerance (ULFM; known
// when the binding is built): a job has it when also started with it
// (FaultTolerant).
func HasULFM() bool { return haveULFM }

// faultTolerant is read at Init: the job runs with fault tolerance on.
var faultTolerant bool

// FaultTolerant reports whether this job survives a dead rank: the library
// has ULFM and mpiexec started the job with it (--with-ft ulfm). It is false
// before Init.
func FaultTolerant() bool { return faultTolerant && state.Load() == stateRunning }

// checkFT is c.check, then the error of a fault-tolerance call where the
// job has none.
func (c *Comm) checkFT(op string) error {
	if err := c.check(op); err != nil || faultTolerant {
		return err
	}
	if !haveULFM {
		return errorf(ClassUnsupported, op, "%s has no fault tolerance (ULFM): OpenMPI 5 has it", libraryName())
	}
	return errorf(ClassUnsupported, op, "this job runs without fault tolerance: start it with mpiexec --with-ft ulfm (%s)", libraryName())
}

// Revoke revokes c (MPIX_Comm_revoke): every rank's pending and later calls
// on c, save Shrink, Agree and the failure queries, return ErrRevoked. A rank
// that has seen a failure calls it so that the others, which may be waiting
// for a message that will never come, stop waiting too. It is not
// collective: any rank may call it, and calling it again does nothing.
func (c *Comm) Revoke() error {
	const op = "Revoke"
	if err := c.checkFT(op); err != nil {
		return err
	}
	return mpiError(op, mpiCommRevoke(c.h))
}

// IsRevoked reports whether c has been revoked, by this rank or another
// (MPIX_Comm_is_revoked).
func (c *Comm) IsRevoked() (bool, error) {
	const op = "IsRevoked"
	if err := c.checkFT(op); err != nil {
		return false, err
	}
	var revoked bool
	err := mpiError(op, mpiCommIsRevoked(c.h, &revoked))
	return revoked, err
}

// Shrink returns a new communicator of the ranks of c that are alive
// (MPIX_Comm_shrink), in the same order; it works on a revoked c, and ranks
// that die while it runs are left out too. Collective over the survivors of c.
func (c *Comm) Shrink() (*Comm, error) {
	const op = "Shrink"
	if err := c.checkFT(op); err != nil {
		return nil, err
	}
	h := commNull
	if err := mpiError(op, mpiCommShrink(c.h, &h)); err != nil {
		return nil, err
	}
	return newComm(h, false)
}

// Agree returns the bitwise AND of flag over the living ranks of c
// (MPIX_Comm_agree), a vote that completes even when ranks die during it.
// The result is valid also when the error is ErrProcFailed: that error says
// that a rank of c has failed that this rank has not acknowledged
// (AckFailed), so that the survivors learn of it together. Collective over
// the survivors of c; works on a revoked c.
func (c *Comm) Agree(flag int32) (int32, error) {
	r, err := c.Iagree(&flag)
	if err != nil {
		return flag, err
	}
	_, err = r.Wait()
	return flag, err
}

// Iagree starts Agree (MPIX_Comm_iagree): *flag, pinned until the request
// completes, holds the AND of the ranks' flags once it has.
func (c *Comm) Iagree(flag *int32) (*Request, error) {
	const op = "Iagree"
	if err := c.checkFT(op); err != nil {
		return nil, err
	}
	if flag == nil {
		return nil, errorf(ClassArg, op, "nil flag")
	}
	a := args{comm: c.h, buf: unsafe.Pointer(flag)}
	return start(op, callIagree, &a, reqCollective, Buffer{})
}

// Failed returns the group of the ranks of c known here to have failed
// (MPIX_Comm_get_failed), in the order this rank learnt of them; ranks of c
// are found with the group's TranslateRanks. Local: other ranks may know of
// more or fewer failures.
func (c *Comm) Failed() (*Group, error) {
	const op = "Failed"
	if err := c.checkFT(op); err != nil {
		return nil, err
	}
	return newGroup(op, func(out *groupHandle) int { return mpiCommGetFailed(c.h, out) })
}

// FailedRanks returns the ranks of c (of its remote group, for an
// intercommunicator) known here to have failed: Failed's group, translated.
func (c *Comm) FailedRanks() ([]int, error) {
	g, err := c.Failed()
	if err != nil {
		return nil, err
	}
	defer g.Free()
	group := c.Group
	if c.inter {
		group = c.RemoteGroup
	}
	peers, err := group()
	if err != nil {
		return nil, err
	}
	defer peers.Free()
	idx := make([]int, g.Size())
	for i := range idx {
		idx[i] = i
	}
	return g.TranslateRanks(idx, peers)
}

// AckFailed acknowledges the first n failed ranks of Failed's group
// (MPIX_Comm_ack_failed) and returns how many are acknowledged now (all
// known failures when n is at least their number): then receives from
// AnySource no longer fail with ErrProcFailedPending for them, and Agree no
// longer reports them with ErrProcFailed. n 0 asks for the count only.
func (c *Comm) AckFailed(n int) (int, error) {
	const op = "AckFailed"
	if err := c.checkFT(op); err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, errorf(ClassArg, op, "negative count %d", n)
	}
	n = min(n, c.size) // MPI's is a C int; c has no more failures than ranks
	var acked int
	err := mpiError(op, mpiCommAckFailed(c.h, n, &acked))
	return acked, err
}

// revokedOne is the error of a collective over c, of one rank, once c is
// revoked (nil before).
func revokedOne(op string, c *Comm) error {
	if c.revoked() {
		return errorf(ClassRevoked, op, "communicator revoked")
	}
	return nil
}

// revoked reports whether c is revoked, in a fault-tolerant job (false
// where the library cannot tell).
func (c *Comm) revoked() bool {
	var revoked bool
	return faultTolerant && mpiCommIsRevoked(c.h, &revoked) == rcSuccess && revoked
}

// failStop ends this rank as a failed process, which the others detect.
func failStop() {
	os.Stdout.Sync()
	os.Stderr.Sync()
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// finalizeGrace bounds MPI_Finalize in a fault-tolerant job.
const finalizeGrace = 5 * time.Second

// finalizeBounded calls MPI_Finalize and returns its code. In a
// fault-tolerant job, whose survivors have just agreed (so all are in
// MPI_Finalize), it gives up waiting after finalizeGrace: OpenMPI 5.0.7's
// MPI_Finalize sometimes waits forever after a rank has died, in C as in Go
// (2 jobs of 30 of a C program that kills a rank, shrinks and finalizes;
// ompi#11404). The process then exits without it, which mpiexec accepts
// from the survivors of a fault-tolerant job; gaveUp says so.
func finalizeBounded() (rc int, gaveUp bool) {
	if !faultTolerant {
		return mpiFinalize(), false
	}
	done := make(chan int, 1)
	go func() { done <- mpiFinalize() }()
	select {
	case rc := <-done:
		return rc, false
	case <-time.After(finalizeGrace):
		fmt.Fprintf(os.Stderr, "mpigo: rank %d: MPI_Finalize has not returned in %v after rank failures "+
			"(OpenMPI 5's ULFM, ompi#11404); going on without it\n", world.Rank(), finalizeGrace)
		return rcSuccess, true
	}
}

// revokedError is err, a collective's over c, or ErrRevoked where c is
// revoked and err is not already of a fault class: OpenMPI 5.0.7's
// nonblocking collectives on a communicator being revoked sometimes fail
// with an internal code ("known error not in list", MPI_ERR_OTHER; 1 job of
// 3 of TestFTArgErrorRevokes at ThreadFunneled).
func (c *Comm) revokedError(err error) error {
	if !faultTolerant {
		return err
	}
	e, ok := err.(*Error)
	if !ok || e.Code == 0 || e.Class == ClassRevoked || e.Class == ClassProcFailed || e.Class == ClassProcFailedPending {
		return err
	}
	if c.revoked() {
		return &Error{Class: ClassRevoked, Code: e.Code, Op: e.Op, Msg: "communicator revoked (the library said: " + e.Msg + ")"}
	}
	return err
}

// failedInWorld is what the watchdog adds to its report in a fault-tolerant
// job at ThreadMultiple (the watchdog's goroutine may call MPI only there):
// the ranks of World known here to have failed, or "" if none.
func failedInWorld() string {
	if !FaultTolerant() || provided != ThreadMultiple {
		return ""
	}
	ranks, err := world.FailedRanks()
	if err != nil || len(ranks) == 0 {
		return ""
	}
	return fmt.Sprintf(" (World ranks known to have failed: %v)", ranks)
}
