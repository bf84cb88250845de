// Package collectives implements collective algorithms — broadcast trees,
// pipelines, scatter+allgather — in Go over point-to-point messages, so that
// they can be chosen, inspected and measured against the native MPI
// collectives they compete with. The algorithms run over a small Transport
// interface: the mpi package (FromComm), or goroutines as ranks in one
// process (NewLocal), for fast exhaustive tests and simulation.
package collectives

import (
	"fmt"
	"sync"

	"github.com/mpigo/mpigo/mpi"
)

// Transport is the point-to-point layer the algorithms use: ranks 0…Size()-1,
// blocking sends and receives of byte messages matched by source and tag.
type Transport interface {
	Rank() int
	Size() int
	Send(data []byte, dest, tag int) error
	// Recv receives a message from src with tag into buf and returns its length.
	Recv(buf []byte, src, tag int) (int, error)
	// Sendrecv sends out to dest and receives a message from src into in,
	// both with tag, at once: neither waits for the other, so pairs and rings
	// of ranks exchange in one message time. It returns the received length.
	Sendrecv(out []byte, dest int, in []byte, src, tag int) (int, error)
}

// commTransport adapts an *mpi.Comm.
type commTransport struct{ c *mpi.Comm }

// FromComm returns the Transport of an MPI communicator.
func FromComm(c *mpi.Comm) Transport { return commTransport{c} }

func (t commTransport) Rank() int { return t.c.Rank() }
func (t commTransport) Size() int { return t.c.Size() }

func (t commTransport) Send(data []byte, dest, tag int) error {
	return t.c.Send(mpi.Buf(data), dest, tag)
}

func (t commTransport) Recv(buf []byte, src, tag int) (int, error) {
	st, err := t.c.Recv(mpi.Buf(buf), src, tag)
	return st.Count(), err
}

// Sendrecv is one MPI_Sendrecv (Comm.Sendrecv).
func (t commTransport) Sendrecv(out []byte, dest int, in []byte, src, tag int) (int, error) {
	st, err := t.c.Sendrecv(mpi.Buf(out), dest, tag, mpi.Buf(in), src, tag)
	return st.Count(), err
}

// NewLocal returns the Transports of p ranks in this process, to be used by
// one goroutine each. Sends copy the data and never block; receives wait for
// a message from their source with their tag, in the order they were sent.
func NewLocal(p int) []Transport {
	boxes := make([]*mailbox, p)
	for i := range boxes {
		boxes[i] = &mailbox{queues: map[key][][]byte{}}
		boxes[i].cond = sync.NewCond(&boxes[i].mu)
	}
	ts := make([]Transport, p)
	for i := range ts {
		ts[i] = &local{rank: i, boxes: boxes}
	}
	return ts
}

type key struct{ src, tag int }

type mailbox struct {
	mu     sync.Mutex
	cond   *sync.Cond
	queues map[key][][]byte
}

type local struct {
	rank  int
	boxes []*mailbox
}

func (l *local) Rank() int { return l.rank }
func (l *local) Size() int { return len(l.boxes) }

func (l *local) Send(data []byte, dest, tag int) error {
	if dest < 0 || dest >= len(l.boxes) {
		return fmt.Errorf("collectives: send to rank %d of %d", dest, len(l.boxes))
	}
	b := l.boxes[dest]
	b.mu.Lock()
	k := key{l.rank, tag}
	b.queues[k] = append(b.queues[k], append([]byte(nil), data...))
	b.mu.Unlock()
	b.cond.Broadcast()
	return nil
}

// Sendrecv sends, which never blocks here, then receives.
func (l *local) Sendrecv(out []byte, dest int, in []byte, src, tag int) (int, error) {
	if err := l.Send(out, dest, tag); err != nil {
		return 0, err
	}
	return l.Recv(in, src, tag)
}

func (l *local) Recv(buf []byte, src, tag int) (int, error) {
	if src < 0 || src >= len(l.boxes) {
		return 0, fmt.Errorf("collectives: receive from rank %d of %d", src, len(l.boxes))
	}
	b := l.boxes[l.rank]
	k := key{src, tag}
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.queues[k]) == 0 {
		b.cond.Wait()
	}
	msg := b.queues[k][0]
	b.queues[k] = b.queues[k][1:]
	if len(msg) > len(buf) {
		return copy(buf, msg), fmt.Errorf("collectives: message of %d bytes truncated to %d", len(msg), len(buf))
	}
	return copy(buf, msg), nil
}
