package mpi

import (
	"context"
	"errors"
	"sync"
)

// goWork is the Go side of a generalized request (GoRequest): the work's
// outcome, and how to cancel it.
type goWork struct {
	cancel    context.CancelFunc
	done      chan struct{} // closed once err and cancelled are set, before MPI_Grequest_complete
	err       error
	cancelled bool
}

// goWorks lists the works still running, so that Finalize can cancel them
// and no completion calls MPI after it (closed).
var goWorks struct {
	sync.Mutex
	running map[*goWork]struct{}
	closed  bool
}

// GoRequest runs work on a new goroutine as an MPI generalized request
// (MPI_Grequest_start; MPI_Grequest_complete when work returns): the Request
// completes when work returns, and Wait, Test, WaitAll, WaitAny and the rest
// complete it together with MPI's own requests, so one WaitAll can wait for
// messages and for a computation or a file read of the program's own. Its
// error is work's (a panic in work is an ErrOther naming it); its Status
// has Source and Tag Undefined and no bytes. Cancel, or WaitContext giving
// up, cancels work's context; the Status says Cancelled if work then
// returned an error that is context.Canceled. Finalize cancels the context
// of works still running, and their Requests never complete.
func GoRequest(work func(ctx context.Context) error) (*Request, error) {
	const op = "GoRequest"
	if err := checkState(op); err != nil {
		return nil, err
	}
	if work == nil {
		return nil, errorf(ClassArg, op, "nil work")
	}
	h := requestNull
	if err := mpiError(op, mpiGrequestStart(&h)); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &goWork{cancel: cancel, done: make(chan struct{})}
	goWorks.Lock()
	if goWorks.running == nil {
		goWorks.running = map[*goWork]struct{}{}
	}
	goWorks.running[g] = struct{}{}
	goWorks.Unlock()
	go g.run(ctx, work, h)
	return &Request{op: op, kind: reqGo, h: h, gowork: g}, nil
}

func (g *goWork) run(ctx context.Context, work func(context.Context) error, h reqHandle) {
	defer func() {
		if p := recover(); p != nil {
			g.err = errorf(ClassOther, "GoRequest", "work panicked: %v", p)
		}
		g.cancelled = ctx.Err() != nil && errors.Is(g.err, context.Canceled)
		g.cancel()
		close(g.done)
		goWorks.Lock()
		defer goWorks.Unlock()
		delete(goWorks.running, g)
		if !goWorks.closed { // after Finalize, MPI is not to be called
			mpiGrequestComplete(h) // fails only for a bad handle, which h is not
		}
	}()
	g.err = work(ctx)
}

// stopGoWorks is Finalize's: it cancels the works still running, and keeps
// them from calling MPI when they return.
func stopGoWorks() {
	goWorks.Lock()
	defer goWorks.Unlock()
	goWorks.closed = true
	for g := range goWorks.running {
		g.cancel()
	}
}

// outcome sets st and err, those MPI gave for r's completion, to the work's.
func (g *goWork) outcome(st *Status, err *error) {
	<-g.done // closed before MPI could complete the request
	st.Source, st.Tag, st.cancelled = Undefined, Undefined, g.cancelled
	*err = g.err
}
