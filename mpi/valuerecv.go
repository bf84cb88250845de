package mpi

import (
	"context"
	"slices"
	"sync"
)

// Nonblocking value receives (IrecvValue). A value's size is unknown until
// its message is matched, so no receive can be posted into a buffer of the
// right size; and matching it only when the program waits (a matched probe,
// as RecvValue does) would let a later IrecvValue take a message that an
// earlier one should have. So each communicator keeps its pending value
// receives in the order they were posted, and whichever of them is waited
// for or tested matches messages for all: each message goes to the earliest
// pending receive whose source and tag it fits, as MPI matches a message to
// the earliest posted receive (see progress).

// valueQueue is a communicator's pending value receives, oldest first.
type valueQueue struct {
	mu      sync.Mutex
	pending []*valueEntry
}

// valueEntry is one pending value receive and, once matched, its encoding.
type valueEntry struct {
	src, tag int
	done     bool
	enc      encoded
	st       Status
	err      error
}

// fits reports whether a message with Status st matches e's source and tag.
func (e *valueEntry) fits(st Status) bool {
	return (e.src == AnySource || e.src == st.Source) && (e.tag == AnyTag || e.tag == st.Tag)
}

func (c *Comm) valueQueue() *valueQueue {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.values == nil {
		c.values = &valueQueue{}
	}
	return c.values
}

// progress matches the messages that have come to the pending receives,
// until e has one (or none is left to match now), and reports whether e has.
// It looks at each pending receive's source and tag, oldest first
// (MPI_Iprobe). A message found goes to that receive unless an older one
// fits it too: then the scan starts again from the oldest, which will find
// this message or one its sender sent earlier (MPI never lets a sender's
// later message overtake an earlier one that fits the same receive). A
// message given to a receive is matched by its own source and tag
// (MPI_Improbe: the one seen, as no earlier one from its sender with its
// tag is left) and received whole.
func (q *valueQueue) progress(c *Comm, e *valueEntry) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.progressLocked(c, e)
}

// tryProgress is progress where it need not wait: while another goroutine
// makes progress (it may be receiving a long value), it reports false.
func (q *valueQueue) tryProgress(c *Comm, e *valueEntry) bool {
	if !q.mu.TryLock() {
		return false
	}
	defer q.mu.Unlock()
	return q.progressLocked(c, e)
}

func (q *valueQueue) progressLocked(c *Comm, e *valueEntry) bool {
	if c.awaitDrains(closedChan) != nil {
		return false // a value given up on is still being drained: its chunks are not ours
	}
	for i := 0; i < len(q.pending) && !e.done; i++ {
		st, found, err := c.Iprobe(q.pending[i].src, q.pending[i].tag)
		if err != nil {
			q.finish(i, encoded{}, Status{}, err)
			i = -1
			continue
		}
		if !found {
			continue
		}
		if older := slices.IndexFunc(q.pending[:i], func(p *valueEntry) bool { return p.fits(st) }); older >= 0 {
			i = -1 // start again: the older one may have a message now
			continue
		}
		m, found, err := c.Improbe(st.Source, st.Tag)
		if err == nil && !found {
			continue // taken by a receive of another kind meanwhile
		}
		var enc encoded
		if err == nil {
			data := make([]byte, m.st.bytes)
			if st, err = m.Recv(Buf(data)); err == nil {
				enc, st, err = c.recvChunks(data, st, nil)
			}
		}
		q.finish(i, enc, st, err)
		i = -1
	}
	return e.done
}

// finish completes pending receive i and removes it from the queue.
func (q *valueQueue) finish(i int, enc encoded, st Status, err error) {
	e := q.pending[i]
	e.enc, e.st, e.err, e.done = enc, st, err, true
	q.pending = slices.Delete(q.pending, i, i+1)
}

// await makes progress until e has its message, letting other goroutines run
// between rounds and waiting by the WaitPolicy; it gives up (errGaveUp) when
// done closes first, and fails if MPI is finalized meanwhile.
func (q *valueQueue) await(c *Comm, e *valueEntry, done <-chan struct{}) error {
	w := newWaiter()
	for !q.progress(c, e) {
		if done != nil && closed(done) {
			return errGaveUp
		}
		if !keepWaiting(&w) {
			return checkState("IrecvValue")
		}
		w.round(0)
	}
	return nil
}

// ValueRequest is a value being received (IrecvValue): Wait or Test yields it.
type ValueRequest[T any] struct {
	c       *Comm
	q       *valueQueue
	e       *valueEntry
	mu      sync.Mutex
	decoded bool
	v       T
	st      Status
	err     error
}

// IrecvValue starts receiving a value of type T from src (or AnySource)
// with tag (or AnyTag) and returns at once; Wait (or Test) yields the value.
// IrecvValues on one communicator take their messages in the order they
// were posted, as MPI's receives do: whichever is waited for or tested
// first, each message goes to the earliest pending IrecvValue it fits, and
// one sender's messages in the order sent (they are matched, with MPI_Iprobe
// and MPI_Improbe, when one of them is waited for or tested, as the value's
// size is known only then). Receives of other kinds (RecvValue,
// Recv, Irecv) are not ordered with them: do not mix them on one source and
// tag while IrecvValues are pending.
func IrecvValue[T any](c *Comm, src, tag int) (*ValueRequest[T], error) {
	if err := c.checkProbe("IrecvValue", src, tag); err != nil {
		return nil, err
	}
	r := &ValueRequest[T]{c: c, e: &valueEntry{src: src, tag: tag}}
	if src == ProcNull { // completes at once, with nothing
		r.decoded, r.st = true, procNullStatus
		return r, nil
	}
	r.q = c.valueQueue()
	r.q.mu.Lock()
	r.q.pending = append(r.q.pending, r.e)
	r.q.mu.Unlock()
	return r, nil
}

// Wait blocks until the value has come and returns it, with its Status.
func (r *ValueRequest[T]) Wait() (T, Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.decoded {
		if err := r.q.await(r.c, r.e, nil); err != nil {
			var zero T
			return zero, Status{}, err
		}
		r.decode()
	}
	return r.v, r.st, r.err
}

// WaitContext is Wait that gives up when ctx is done, with ctx.Err(),
// having taken nothing: a later Wait or WaitContext may still get the value
// (and the receive stays pending, so a value that comes meanwhile is still
// its, in posting order).
func (r *ValueRequest[T]) WaitContext(ctx context.Context) (T, Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.decoded {
		var zero T
		if ctx.Err() != nil {
			return zero, Status{}, gaveUp("IrecvValue", ctx)
		}
		if err := r.q.await(r.c, r.e, ctx.Done()); err == errGaveUp {
			return zero, Status{}, gaveUp("IrecvValue", ctx)
		} else if err != nil {
			return zero, Status{}, err
		}
		r.decode()
	}
	return r.v, r.st, r.err
}

// Test reports whether the value has come, receiving it if so. It does not
// wait: while another goroutine is receiving values of this communicator,
// it reports false.
func (r *ValueRequest[T]) Test() (bool, T, Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.decoded {
		if !r.q.tryProgress(r.c, r.e) {
			var zero T
			return false, zero, Status{}, nil
		}
		r.decode()
	}
	return true, r.v, r.st, r.err
}

// decode decodes the matched value into r.v, once.
func (r *ValueRequest[T]) decode() {
	r.decoded, r.st, r.err = true, r.e.st, r.e.err
	if r.err == nil {
		if err := r.e.enc.decode(&r.v); err != nil {
			r.err = decodeErr("IrecvValue", err)
		}
	}
	r.e.enc = encoded{}
}
