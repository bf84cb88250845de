package mpi

import "sync/atomic"

// Comm is an MPI communicator: a group of ranks and a context for their
// messages. MPI_COMM_WORLD is World(); new ones come from Dup and Split.
// Every communicator returns errors (MPI_ERRORS_RETURN) instead of aborting.
// A Comm is safe for use by several goroutines at once.
type Comm struct {
	h          commHandle
	rank, size int
	predefined bool // World and Self cannot be freed
	freed      atomic.Bool
}

func newComm(h commHandle, predefined bool) (*Comm, error) {
	a := args{comm: h}
	if !predefined { // MPI inherits the handler; say so anyway rather than rely on it
		if err := mpiError("Comm", run(callSetErrorsReturn, &a)); err != nil {
			return nil, err
		}
	}
	if err := mpiError("Comm", run(callCommInfo, &a)); err != nil {
		return nil, err
	}
	return &Comm{h: h, rank: a.root, size: a.n, predefined: predefined}, nil
}

// Rank returns the caller's rank in c, from 0 to Size()-1 (MPI_Comm_rank).
func (c *Comm) Rank() int { return c.rank }

// Size returns the number of ranks in c (MPI_Comm_size).
func (c *Comm) Size() int { return c.size }

// check returns an error if c cannot be used now.
func (c *Comm) check(op string) error {
	if err := checkState(op); err != nil {
		return err
	}
	if c == nil {
		return errorf(ClassComm, op, "nil communicator")
	}
	if c.freed.Load() {
		return errorf(ClassComm, op, "communicator has been freed")
	}
	return nil
}

// usable is check's test without the errors, for the valid-argument fast
// paths of every message (checkSend, checkProbe), which fall back to check.
func (c *Comm) usable() bool { return state.Load() == stateRunning && c != nil && !c.freed.Load() }

// Dup returns a new communicator with the same ranks as c and a separate
// message context (MPI_Comm_dup). Collective over c.
func (c *Comm) Dup() (*Comm, error) {
	if err := c.check("Dup"); err != nil {
		return nil, err
	}
	a := args{comm: c.h}
	if err := mpiError("Dup", runLong(callCommDup, &a)); err != nil {
		return nil, err
	}
	return newComm(a.comm, false)
}

// Split partitions c (MPI_Comm_split): ranks that pass the same color end up
// in the same new communicator, ordered by key, then by their rank in c. A
// negative color (Undefined) takes no part and gets a nil *Comm. Collective over c.
func (c *Comm) Split(color, key int) (*Comm, error) {
	if err := c.check("Split"); err != nil {
		return nil, err
	}
	a := args{comm: c.h, peer: color, tag: key}
	return c.split("Split", &a)
}

// Undefined is the color for Split that leaves the caller out.
const Undefined = -1

// SplitShared partitions c into communicators of ranks that share memory,
// i.e. run on the same node (MPI_Comm_split_type with MPI_COMM_TYPE_SHARED),
// ordered by key. Collective over c. OpenMPI 4.1 crashed in this call across
// network-namespace "hosts"; Split by a host id is the portable alternative.
func (c *Comm) SplitShared(key int) (*Comm, error) {
	if err := c.check("SplitShared"); err != nil {
		return nil, err
	}
	a := args{comm: c.h, tag: key, sync: true}
	return c.split("SplitShared", &a)
}

func (c *Comm) split(op string, a *args) (*Comm, error) {
	if err := mpiError(op, runLong(callCommSplit, a)); err != nil {
		return nil, err
	}
	if a.comm == commNull {
		return nil, nil
	}
	return newComm(a.comm, false)
}

// Free releases c (MPI_Comm_free). Collective over c; later use of c returns
// ErrComm. World and Self cannot be freed.
func (c *Comm) Free() error {
	if err := c.check("Free"); err != nil {
		return err
	}
	if c.predefined {
		return errorf(ClassComm, "Free", "World and Self cannot be freed")
	}
	if c.freed.Swap(true) {
		return errorf(ClassComm, "Free", "communicator has been freed")
	}
	a := args{comm: c.h}
	return mpiError("Free", run(callCommFree, &a))
}

// Abort ends every rank of c's job with exit code code (MPI_Abort).
func (c *Comm) Abort(code int) {
	if c != nil && state.Load() == stateRunning {
		rawAbort(c.h, code)
	}
	Abort(code)
}

// checkRank validates a peer or root rank of c. anyOK allows AnySource.
func (c *Comm) checkRank(op, what string, r int, anyOK bool) error {
	if uint(r) < uint(c.size) || r == ProcNull && what != "root" || r == AnySource && anyOK {
		return nil
	}
	class := ClassRank
	if what == "root" {
		class = ClassRoot
	}
	return errorf(class, op, "%s %d out of range [0, %d)", what, r, c.size)
}

// checkTag validates a tag; anyOK allows AnyTag.
func checkTag(op string, tag int, anyOK bool) error {
	if uint(tag) <= uint(tagUB) || tag == AnyTag && anyOK {
		return nil
	}
	return errorf(ClassTag, op, "tag %d out of range [0, %d]", tag, tagUB)
}
