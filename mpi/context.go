package mpi

import (
	"context"
	"errors"
	"fmt"
)

// Waits a Go program can bound or cancel with a context.Context: the
// receives, probes and request waits below return ctx.Err() (wrapped: test
// with errors.Is(err, context.Canceled) or context.DeadlineExceeded) once
// ctx is done, checked between the polling rounds every blocking call makes
// (about every 20 µs while spinning; with WaitPolicy's naps, within one nap).
//
// A receive or probe of this file matches its message first (MPI_Improbe), so
// one that gives up has taken nothing: the message stays for a later
// receive. A Request's receive is cancelled (MPI_Cancel). Sends and
// collectives cannot be cancelled (OpenMPI reports a cancelled send as done
// while it stays pending, and MPI forbids cancelling collectives):
// WaitContext gives up waiting for them, but the Request is still pending,
// its buffer MPI's, and it must still be completed with Wait.

// RecvContext is Recv that gives up when ctx is done, with ctx.Err().
// Nothing is received then. A message longer than b is ErrTruncate, as for
// Recv.
func (c *Comm) RecvContext(ctx context.Context, b Buffer, src, tag int) (Status, error) {
	dt, err := c.checkRecv("RecvContext", b, src, tag)
	if err != nil {
		return Status{}, err
	}
	if src == ProcNull {
		return procNullStatus, nil
	}
	if err := ctx.Err(); err != nil {
		return Status{}, gaveUp("RecvContext", ctx)
	}
	var a args
	a.rbuf, a.rn, a.dt, a.limit, a.peer, a.tag, a.comm, a.done = b.ptr, b.n, dt, int64(b.bytes()), src, tag, c.h, ctx.Done()
	rc := poll(callRecvPoll, &a)
	st := a.status()
	st.elemSize = b.unit()
	switch {
	case rc == rcGaveUp:
		return Status{}, gaveUp("RecvContext", ctx)
	case rc == 0 && a.tooLong:
		return st, receiveTruncated("RecvContext", a.msg, b, st)
	}
	return st, mpiError("RecvContext", rc)
}

// ProbeContext is Probe that gives up when ctx is done, with ctx.Err().
func (c *Comm) ProbeContext(ctx context.Context, src, tag int) (Status, error) {
	const op = "ProbeContext"
	if err := c.checkProbe(op, src, tag); err != nil {
		return Status{}, err
	}
	if ctx.Err() != nil {
		return Status{}, gaveUp(op, ctx)
	}
	a := args{peer: src, tag: tag, comm: c.h, done: ctx.Done()}
	if rc := poll(callIprobe, &a); rc == rcGaveUp {
		return Status{}, gaveUp(op, ctx)
	} else if err := mpiError(op, rc); err != nil {
		return Status{}, err
	}
	return a.status(), nil
}

// RecvValueContext is RecvValue that gives up when ctx is done, with
// ctx.Err(); the message is then left for a later receive.
func (c *Comm) RecvValueContext(ctx context.Context, ptr any, src, tag int) (Status, error) {
	if ctx.Err() != nil {
		return Status{}, gaveUp("RecvValueContext", ctx)
	}
	st, err := c.recvValue("RecvValueContext", ptr, src, tag, ctx.Done())
	if err == errGaveUp {
		return Status{}, gaveUp("RecvValueContext", ctx)
	}
	return st, err
}

// WaitContext is Wait that gives up when ctx is done. A pending receive is
// then cancelled (MPI_Cancel): if the cancel wins, the error is ctx.Err();
// if the message had already arrived, the receive completes as Wait would
// and its Status and error are returned. A send or collective cannot be
// cancelled: the error (ctx.Err(), wrapped) says so, and r stays pending, to
// be completed with Wait before its buffer is used again.
func (r *Request) WaitContext(ctx context.Context) (Status, error) {
	if r == nil {
		return Status{}, errorf(ClassRequest, "WaitContext", "nil request")
	}
	r.mu.Lock()
	if !r.done {
		if err := checkState("WaitContext"); err != nil {
			r.mu.Unlock()
			return Status{}, err
		}
		a := args{req: r.h, done: ctx.Done()}
		rc := poll(callTest, &a)
		if rc != rcGaveUp {
			r.finish(rc, &a)
		} else if r.kind == reqRecv || r.kind == reqGo {
			r.mu.Unlock()
			return r.cancelAndWait(ctx)
		} else {
			r.h = a.req
			r.mu.Unlock()
			return Status{}, fmt.Errorf("%w (mpi: %s cannot be cancelled and is still pending: Wait for it before using its buffer)", gaveUp("WaitContext", ctx), r.op)
		}
	}
	defer r.mu.Unlock()
	return r.st, r.err
}

// cancelAndWait cancels receive r and completes it.
func (r *Request) cancelAndWait(ctx context.Context) (Status, error) {
	if err := r.Cancel(); err != nil {
		return Status{}, err
	}
	st, err := r.Wait()
	if st.Cancelled() {
		return st, gaveUp("WaitContext", ctx)
	}
	return st, err
}

// WaitAllContext waits for every request, as WaitAll, but gives up when ctx
// is done: each pending receive is then cancelled and completed (see
// WaitContext), and the error is ctx.Err(), joined with the errors of the
// requests that failed. Sends and collectives still pending stay pending.
func WaitAllContext(ctx context.Context, reqs ...*Request) error {
	var errs []error
	for _, r := range reqs {
		if r == nil {
			continue
		}
		if _, err := r.WaitContext(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// gaveUp is the error of a wait that ctx ended: ctx.Err(), said where.
func gaveUp(op string, ctx context.Context) error {
	return fmt.Errorf("mpi: %s: %w", op, ctx.Err())
}
