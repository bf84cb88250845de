// Package pool runs a Go function over a stream of tasks on the ranks of an
// MPI job, like Python's mpi4py.futures: rank 0 submits tasks and gets
// futures; every rank, rank 0 included, runs tasks, each taking its next one
// as soon as it is free (dynamic load balancing, so uneven tasks keep every
// rank busy).
//
//	mpi.Run(func(world *mpi.Comm) error {
//		p, err := pool.Start(world, func(x int) (int, error) { return x * x, nil })
//		if p == nil {
//			return err // a worker rank: it served until rank 0 closed the pool
//		}
//		defer p.Close()
//		squares, err := p.Map([]int{1, 2, 3}) // in order: 1 4 9
//		...
//	})
//
// Tasks and results travel as Go values (mpi.SendValue: CBOR by default), so
// In and Out may be any types the codec encodes. A task whose function
// returns an error, or panics, fails that task's future with a *TaskError;
// the pool and the job go on.
package pool

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/mpigo/mpigo/mpi"
)

// inFlight is how many tasks a worker rank holds at once: one running, one
// waiting. (Mandelbrot rows of ~1 ms on 2 ranks: with one, rank 1 ran 15
// of 800 rows while rank 0 computed; with two, half.)
const inFlight = 2

// Tags of the pool's messages on its own communicator (a Dup of the one given).
const (
	tagTask   = 1
	tagResult = 2
)

// task is what rank 0 sends a worker; Stop ends the worker.
type task[In any] struct {
	ID   int64
	Stop bool
	In   In
}

// result is what a worker sends back.
type result[Out any] struct {
	ID    int64
	Out   Out
	Err   string
	Panic string // the panic's value and stack, if the function panicked
}

// TaskError is the error of a task whose function failed on a rank.
type TaskError struct {
	Rank  int    // where the task ran
	Msg   string // the function's error, or the panic's value
	Stack string // for a panic: the stack of the panicking goroutine
}

func (e *TaskError) Error() string {
	if e.Stack != "" {
		return fmt.Sprintf("pool: task panicked on rank %d: %s", e.Rank, e.Msg)
	}
	return fmt.Sprintf("pool: task failed on rank %d: %s", e.Rank, e.Msg)
}

// ErrClosed is the error of Submit after Close.
var ErrClosed = errors.New("pool: closed")

// Pool is the handle rank 0 gets from Start.
type Pool[In, Out any] struct {
	comm *mpi.Comm
	fn   func(In) (Out, error)

	mu      sync.Mutex
	queue   []queued[In, Out] // submitted, not yet handed out
	idle    []int             // ranks waiting for a task (0: the local worker)
	running map[int64]*Future[Out]
	nextID  int64
	closed  bool
	local   chan task[In] // rank 0's own worker
	done    sync.WaitGroup
	recvErr error
}

type queued[In, Out any] struct {
	id  int64
	in  In
	fut *Future[Out]
}

// Future is the result of a submitted task, to come.
type Future[Out any] struct {
	done chan struct{}
	out  Out
	err  error
}

// Wait blocks until the task is done and returns its result.
func (f *Future[Out]) Wait() (Out, error) {
	<-f.done
	return f.out, f.err
}

// Done is closed when the task is done.
func (f *Future[Out]) Done() <-chan struct{} { return f.done }

// Start makes a pool over the ranks of c running fn (collective over c).
// On rank 0 it returns the Pool, on which to Submit or Map and then Close.
// On every other rank it serves tasks until rank 0 closes the pool, then
// returns nil and the error that ended it, if any: the caller returns.
func Start[In, Out any](c *mpi.Comm, fn func(In) (Out, error)) (*Pool[In, Out], error) {
	if fn == nil {
		return nil, errors.New("pool: nil function")
	}
	comm, err := c.Dup() // the pool's messages never meet the program's
	if err != nil {
		return nil, err
	}
	if comm.Rank() != 0 {
		defer comm.Free()
		return nil, serve(comm, fn)
	}
	p := &Pool[In, Out]{comm: comm, fn: fn, running: map[int64]*Future[Out]{}, local: make(chan task[In], 1)}
	// Rank 0's own worker takes one task at a time; every other rank is
	// given up to inFlight, so that it starts its next task as soon as one is
	// done rather than waiting for rank 0 to hear of it (rank 0 may be busy
	// running a task of its own on its one core).
	p.idle = append(p.idle, 0)
	for range inFlight {
		for r := 1; r < comm.Size(); r++ {
			p.idle = append(p.idle, r)
		}
	}
	p.done.Add(1)
	go p.runLocal()
	if comm.Size() > 1 {
		p.done.Add(1)
		go p.collect()
	}
	return p, nil
}

// serve is a worker rank: it runs the tasks rank 0 sends until told to stop.
func serve[In, Out any](comm *mpi.Comm, fn func(In) (Out, error)) error {
	for {
		var t task[In]
		if _, err := comm.RecvValue(&t, 0, tagTask); err != nil {
			return err
		}
		if t.Stop {
			return nil
		}
		if err := comm.SendValue(run(fn, t), 0, tagResult); err != nil {
			return err
		}
	}
}

// run runs fn on t's input, its error or panic captured in the result.
func run[In, Out any](fn func(In) (Out, error), t task[In]) (res result[Out]) {
	res.ID = t.ID
	defer func() {
		if v := recover(); v != nil {
			res.Panic = string(debug.Stack())
			res.Err = fmt.Sprint(v)
		}
	}()
	out, err := fn(t.In)
	res.Out = out
	if err != nil {
		res.Err = err.Error()
	}
	return res
}

// Submit queues in and returns its future; ErrClosed after Close.
func (p *Pool[In, Out]) Submit(in In) (*Future[Out], error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	if p.recvErr != nil {
		return nil, p.recvErr
	}
	f := &Future[Out]{done: make(chan struct{})}
	p.queue = append(p.queue, queued[In, Out]{id: p.nextID, in: in, fut: f})
	p.nextID++
	return f, p.dispatch()
}

// Map runs fn on every input and returns the outputs in the order of ins;
// the error is the first task's error, in that order, if any failed.
func (p *Pool[In, Out]) Map(ins []In) ([]Out, error) {
	futs := make([]*Future[Out], len(ins))
	for i, in := range ins {
		f, err := p.Submit(in)
		if err != nil {
			return nil, err
		}
		futs[i] = f
	}
	outs := make([]Out, len(ins))
	var first error
	for i, f := range futs {
		out, err := f.Wait()
		outs[i] = out
		if err != nil && first == nil {
			first = fmt.Errorf("task %d: %w", i, err)
		}
	}
	return outs, first
}

// dispatch hands queued tasks to idle ranks; p.mu held.
func (p *Pool[In, Out]) dispatch() error {
	for len(p.queue) > 0 && len(p.idle) > 0 {
		q, r := p.queue[0], p.idle[len(p.idle)-1]
		p.queue, p.idle = p.queue[1:], p.idle[:len(p.idle)-1]
		p.running[q.id] = q.fut
		t := task[In]{ID: q.id, In: q.in}
		if r == 0 {
			p.local <- t
			continue
		}
		if err := p.comm.SendValue(t, r, tagTask); err != nil {
			p.finish(result[Out]{ID: q.id, Err: err.Error()}, r, false) // r is not given another
			return err
		}
	}
	return nil
}

// finish resolves the future of res, run on rank r, and with free makes a
// slot of r idle again; p.mu held.
func (p *Pool[In, Out]) finish(res result[Out], r int, free bool) {
	f := p.running[res.ID]
	delete(p.running, res.ID)
	if free {
		p.idle = append(p.idle, r)
	}
	if f == nil {
		return
	}
	f.out = res.Out
	if res.Err != "" {
		f.err = &TaskError{Rank: r, Msg: res.Err, Stack: res.Panic}
	}
	close(f.done)
}

// runLocal is rank 0's own worker.
func (p *Pool[In, Out]) runLocal() {
	defer p.done.Done()
	for t := range p.local {
		res := run(p.fn, t)
		p.mu.Lock()
		p.finish(res, 0, true)
		p.dispatch()
		p.mu.Unlock()
		runtime.Gosched() // let the collector hear from the other ranks
	}
}

// collect receives the workers' results until every worker has stopped.
func (p *Pool[In, Out]) collect() {
	defer p.done.Done()
	for {
		var res result[Out]
		st, err := p.comm.RecvValue(&res, mpi.AnySource, tagResult)
		p.mu.Lock()
		if err != nil {
			p.recvErr = err
			p.mu.Unlock()
			return
		}
		if res.ID < 0 { // the end (Close)
			p.mu.Unlock()
			return
		}
		p.finish(res, st.Source, true)
		p.dispatch()
		p.mu.Unlock()
	}
}

// Close waits for every submitted task, stops the workers (which then
// return from Start) and frees the pool's communicator. Submit fails after.
func (p *Pool[In, Out]) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	pending := make([]*Future[Out], 0, len(p.running)+len(p.queue))
	for _, f := range p.running {
		pending = append(pending, f)
	}
	for _, q := range p.queue {
		pending = append(pending, q.fut)
	}
	p.mu.Unlock()
	for _, f := range pending {
		f.Wait()
	}
	var errs []error
	for r := 1; r < p.comm.Size(); r++ {
		errs = append(errs, p.comm.SendValue(task[In]{Stop: true}, r, tagTask))
	}
	if p.comm.Size() > 1 { // end collect with a result of our own
		errs = append(errs, p.comm.SendValue(result[Out]{ID: -1}, 0, tagResult))
	}
	close(p.local)
	p.done.Wait()
	errs = append(errs, p.recvErr, p.comm.Free())
	return errors.Join(errs...)
}
