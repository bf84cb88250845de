package mpi

// Persistent requests: a communication made once and started many times
// (MPI_Send_init, MPI_Recv_init, MPI_Start, MPI_Startall, MPI_Request_free).
// The Request, the pin of its buffer (or its staging area) and MPI's request
// are made once, so that a start and a completion allocate nothing and pin
// nothing: what a loop that sends the same buffers over and over saves on
// each message.

// SendInit makes a persistent send of b to rank dest of c with tag
// (MPI_Send_init). Each Start sends what b holds then, and Wait, Test or
// WaitAll completes it; b is pinned until Free, and must not be modified
// while a send is active. Errors as for Send.
func (c *Comm) SendInit(b Buffer, dest, tag int) (*Request, error) {
	return c.sendInit("SendInit", b, dest, tag, false)
}

// SsendInit is SendInit for synchronous sends (MPI_Ssend_init).
func (c *Comm) SsendInit(b Buffer, dest, tag int) (*Request, error) {
	return c.sendInit("SsendInit", b, dest, tag, true)
}

func (c *Comm) sendInit(op string, b Buffer, dest, tag int, sync bool) (*Request, error) {
	dt, err := c.checkSend(op, b, dest, tag)
	if err != nil {
		return nil, err
	}
	if dest == ProcNull {
		return &Request{op: op, kind: reqSend, h: requestNull, done: true, persistent: true}, nil // each start completes at once, as Send
	}
	a := args{buf: b.ptr, n: b.n, dt: dt, peer: dest, tag: tag, comm: c.h, sync: sync}
	return persistent(start(op, callSendInit, &a, reqSend, Buffer{}))
}

// RecvInit makes a persistent receive into b from rank src (or AnySource)
// with tag (or AnyTag) (MPI_Recv_init). Each Start posts it, and Wait, Test
// or WaitAll completes it; Free ends it. As with Irecv, a buffer of up to 4
// KiB is received through a staging area (one of its own, until Free) and
// filled on completion, a longer message being ErrTruncate with nothing
// written past b; a larger b is pinned until Free and handed to MPI, which
// cannot guard it against a longer message (see Irecv).
func (c *Comm) RecvInit(b Buffer, src, tag int) (*Request, error) {
	return persistent(c.irecv("RecvInit", callRecvInit, b, src, tag))
}

// persistent marks a request just made by an init call: not active (one to
// or from ProcNull stays so: see started).
func persistent(r *Request, err error) (*Request, error) {
	if err != nil {
		return nil, err
	}
	r.persistent, r.done = true, true
	return r, nil
}

// Start starts persistent request r (MPI_Start). Errors: r is not
// persistent, is active (complete it first), or was freed (ErrRequest).
func (r *Request) Start() error { return r.onIdle("Start", callStart, (*Request).started) }

// StartAll starts persistent requests, nil ones skipped, in one call
// (MPI_Startall). Errors as for Start, and a request listed twice; then none
// is started. (A persistent collective the binding makes itself, on MPICH,
// is posted after the library's own requests start: should its posting
// fail, the requests before it in reqs are started.)
func StartAll(reqs ...*Request) error {
	set, repeated := lockAll(reqs)
	defer unlockAll(set)
	if repeated {
		return errorf(ClassRequest, "StartAll", "a request is listed twice")
	}
	b := getBatch(len(set))
	defer putBatch(b)
	b.reqs = b.reqs[:0]
	for _, r := range set {
		if err := r.idle("StartAll"); err != nil {
			return err
		}
		if r.h != requestNull {
			b.reqs = append(b.reqs, r.h)
		}
	}
	if len(b.reqs) > 0 {
		a := args{batch: b}
		if err := mpiError("StartAll", run(callStartAll, &a)); err != nil {
			return err
		}
	}
	for _, r := range set {
		if r.repost != nil {
			if err := r.post("StartAll"); err != nil {
				return err // the requests before it were started
			}
			continue
		}
		r.started()
	}
	return nil
}

// idle reports why locked request r is not an idle persistent request, the
// only kind op (a start or Free) applies to, if it is not.
func (r *Request) idle(op string) error {
	switch {
	case !r.persistent:
		return errorf(ClassRequest, op, "%s request is not persistent (make one with SendInit or RecvInit; complete others with Wait, Test or WaitAll)", r.op)
	case r.freed:
		return errorf(ClassRequest, op, "%s request has been freed", r.op)
	case !r.done:
		return errorf(ClassRequest, op, "%s request is active: complete it with Wait, Test or WaitAll first", r.op)
	}
	return checkState(op)
}

// onIdle applies op to persistent request r, which must be idle: call, if
// MPI holds a request for r, then, if that succeeded, then (r locked).
func (r *Request) onIdle(op string, call rawCall, then func(*Request)) error {
	if r == nil {
		return errorf(ClassRequest, op, "nil request")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.idle(op); err != nil {
		return err
	}
	if r.repost != nil && call == callStart {
		return r.post(op)
	}
	if r.h != requestNull {
		a := args{req: r.h}
		if err := mpiError(op, run(call, &a)); err != nil {
			return err
		}
	}
	then(r)
	return nil
}

// started makes started request r active; one to or from ProcNull, which
// MPI holds no request for, stays complete.
func (r *Request) started() {
	if r.h != requestNull {
		r.done, r.st, r.err = false, Status{}, nil
	}
	if r.part != nil {
		r.part.begin()
	}
}

// Free frees persistent request r (MPI_Request_free), and with it the pin of
// its buffer or its staging area. Errors: r is not persistent (complete
// others with Wait), is active, or was freed already (ErrRequest).
func (r *Request) Free() error { return r.onIdle("Free", callRequestFree, (*Request).dropped) }

// dropped marks freed request r, and lets go of its buffer and MPI request.
func (r *Request) dropped() {
	r.h, r.freed = requestNull, true
	r.release()
	r.recv = Buffer{}
}
