package mpi

import (
	"sync"
	"sync/atomic"
)

// Comm is an MPI communicator: a group of ranks and a context for their
// messages. MPI_COMM_WORLD is World(); new ones come from Dup and Split.
// Every communicator returns errors (MPI_ERRORS_RETURN) instead of aborting.
// A Comm is safe for use by several goroutines at once.
type Comm struct {
	h          commHandle
	rank, size int
	peers      int  // ranks a message can be sent to: size, or an intercommunicator's remote size
	inter      bool // an intercommunicator (intercomm.go)
	predefined bool // World and Self cannot be freed
	freed      atomic.Bool

	mu      sync.Mutex    // guards what follows
	nbrs    *neighbors    // topology communicators: their neighbours, once known (topology.go)
	values  *valueQueue   // pending IrecvValues, once there were any (valuerecv.go)
	drains  int           // values given up on whose chunks are being dropped (value.go)
	drained chan struct{} // closed when drains falls to 0
	attrs   map[any]any
}

func newComm(h commHandle, predefined bool) (*Comm, error) {
	if !predefined { // MPI inherits the handler; say so anyway rather than rely on it
		if err := mpiError("Comm", mpiErrorsReturn(h)); err != nil {
			return nil, err
		}
	}
	c := &Comm{h: h, predefined: predefined}
	var inter bool
	rc := mpiCommRank(h, &c.rank)
	if rc == rcSuccess {
		rc = mpiCommSize(h, &c.size)
	}
	if rc == rcSuccess {
		rc = mpiCommTestInter(h, &inter)
	}
	if err := mpiError("Comm", rc); err != nil {
		return nil, err
	}
	c.peers = c.size
	if inter {
		c.inter = true
		if err := mpiError("Comm", mpiCommRemoteSize(h, &c.peers)); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Rank returns the caller's rank in c, from 0 to Size()-1 (MPI_Comm_rank).
func (c *Comm) Rank() int { return c.valid("Rank").rank }

// Size returns the number of ranks in c (MPI_Comm_size).
func (c *Comm) Size() int { return c.valid("Size").size }

// valid returns c, or panics with a message saying what is wrong where a
// method that returns no error is called on a nil Comm (World() and Self()
// are nil before Init): never a bare nil dereference inside mpigo.
func (c *Comm) valid(op string) *Comm {
	if c == nil {
		if state.Load() == stateNew {
			panic("mpi: Comm." + op + " on a nil *Comm: MPI is not initialized (World() is nil before mpi.Init or mpi.Run)")
		}
		panic("mpi: Comm." + op + " on a nil *Comm (a communicator that was never made, or a Split with Undefined)")
	}
	return c
}

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
	h := commNull
	if err := mpiError("Dup", mpiCommDup(c.h, &h)); err != nil {
		return nil, err
	}
	return newComm(h, false)
}

// Split partitions c (MPI_Comm_split): ranks that pass the same color end up
// in the same new communicator, ordered by key, then by their rank in c. A
// negative color (Undefined) takes no part and gets a nil *Comm. Collective over c.
func (c *Comm) Split(color, key int) (*Comm, error) {
	if err := c.check("Split"); err != nil {
		return nil, err
	}
	if color < 0 {
		color = mpiUndefined
	}
	return c.split("Split", func(h *commHandle) int { return mpiCommSplit(c.h, color, key, h) })
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
	return c.SplitType(SplitShared, key)
}

// SplitKind is a split type of SplitType: which ranks share what.
type SplitKind int

// The split types. SplitShared is MPI's; the others are OpenMPI's
// (OMPI_COMM_TYPE_*), ErrUnsupported with another library.
const (
	SplitShared   SplitKind = iota // MPI_COMM_TYPE_SHARED: the same shared-memory node
	SplitHWThread                  // the same hardware thread
	SplitCore                      // the same core
	SplitL1Cache
	SplitL2Cache
	SplitL3Cache
	SplitSocket
	SplitNUMA
	SplitBoard
	SplitHost
	SplitCU
	SplitCluster
)

// SplitType partitions c into communicators of the ranks that share the
// hardware of kind, ordered by key (MPI_Comm_split_type). Collective over c.
func (c *Comm) SplitType(kind SplitKind, key int) (*Comm, error) {
	err := c.check("SplitType")
	if err == nil && (kind < SplitShared || kind > SplitCluster) {
		err = errorf(ClassArg, "SplitType", "unknown split kind %d", int(kind))
	}
	if err := c.enter("SplitType", err); err != nil {
		return nil, err
	}
	t, ok := enumSplitKind.toC(kind)
	if !ok {
		return nil, mpiError("SplitType", rcUnsupported)
	}
	return c.split("SplitType", func(h *commHandle) int { return mpiCommSplitType(c.h, t, key, h) })
}

// Idup starts a Dup (MPI_Comm_idup): the new communicator may be used once
// the Request completes.
func (c *Comm) Idup() (*Comm, *Request, error) {
	if err := c.check("Idup"); err != nil {
		return nil, nil, err
	}
	h, req := commNull, requestNull
	rc := mpiCommIdup(c.h, &h, &req)
	if err := mpiError("Idup", rc); err != nil {
		return nil, nil, err
	}
	// Same group, and the error handler is inherited: nothing to ask MPI.
	d := &Comm{h: h, rank: c.rank, size: c.size, peers: c.peers, inter: c.inter}
	return d, &Request{op: "Idup", kind: reqCollective, h: req}, nil
}

// Compare compares c and d (MPI_Comm_compare): Ident for the same
// communicator, Congruent for the same ranks in the same order (a Dup),
// Similar in another order, Unequal otherwise.
func (c *Comm) Compare(d *Comm) (Comparison, error) {
	if err := c.check("Compare"); err != nil {
		return Unequal, err
	}
	if err := d.check("Compare"); err != nil {
		return Unequal, err
	}
	var r int
	rc := mpiCommCompare(c.h, d.h, &r)
	k, _ := enumComparison.fromC(r)
	return k, mpiError("Compare", rc)
}

// SetName names c (MPI_Comm_set_name), for debuggers and error messages; at
// most 63 bytes (OpenMPI's limit).
func (c *Comm) SetName(name string) error {
	if err := c.check("SetName"); err != nil {
		return err
	}
	if len(name) >= maxObjectName {
		return errorf(ClassArg, "SetName", "name of %d bytes is longer than MPI's %d", len(name), maxObjectName-1)
	}
	return mpiError("SetName", mpiCommSetName(c.h, name))
}

const maxObjectName = 64 // the least MPI_MAX_OBJECT_NAME of OpenMPI (64) and MPICH (128)

// Name returns c's name (MPI_Comm_get_name): "MPI_COMM_WORLD" for World.
func (c *Comm) Name() (string, error) {
	if err := c.check("Name"); err != nil {
		return "", err
	}
	buf := make([]byte, libObjectName+1)
	var n int
	rc := mpiCommGetName(c.h, buf, &n)
	return string(buf[:n]), mpiError("Name", rc)
}

// SetAttr attaches value to c under key, as MPI's attributes do (kept in Go:
// any comparable key, any value; not copied by Dup).
func (c *Comm) SetAttr(key, value any) error {
	if err := c.check("SetAttr"); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.attrs == nil {
		c.attrs = map[any]any{}
	}
	c.attrs[key] = value
	return nil
}

// Attr returns the value attached to c under key, and whether there is one.
func (c *Comm) Attr(key any) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.attrs[key]
	return v, ok
}

// DeleteAttr removes the value attached to c under key.
func (c *Comm) DeleteAttr(key any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.attrs, key)
}

// split runs make, a collective call over c that makes a communicator
// (MPI_Comm_split, MPI_Comm_create, MPI_Cart_create …), and wraps what it
// made: nil where the caller took no part.
func (c *Comm) split(op string, make func(h *commHandle) int) (*Comm, error) {
	h := commNull
	if err := mpiError(op, make(&h)); err != nil {
		return nil, err
	}
	if h == commNull {
		return nil, nil
	}
	return newComm(h, false)
}

// Free releases c (MPI_Comm_free). Collective over c; later use of c returns
// ErrComm. World and Self cannot be freed.
func (c *Comm) Free() error {
	if err := c.release("Free"); err != nil {
		return err
	}
	h := c.h
	return mpiError("Free", mpiCommFree(&h))
}

// release marks c freed for op (Free, Disconnect), unless it cannot be.
func (c *Comm) release(op string) error {
	if err := c.check(op); err != nil {
		return err
	}
	if c.predefined {
		return errorf(ClassComm, op, "World and Self cannot be freed")
	}
	if c.freed.Swap(true) {
		return errorf(ClassComm, op, "communicator has been freed")
	}
	return nil
}

// Abort ends every rank of c's job with exit code code (MPI_Abort).
func (c *Comm) Abort(code int) {
	if c != nil && state.Load() == stateRunning {
		rawAbort(c.h, code)
	}
	Abort(code)
}

// checkRank validates a peer or root rank of c (of its remote group, for
// an intercommunicator's peers). anyOK allows AnySource.
func (c *Comm) checkRank(op, what string, r int, anyOK bool) error {
	n := c.size
	if what != "root" {
		n = c.peers
	}
	if uint(r) < uint(n) || r == ProcNull && what != "root" || r == AnySource && anyOK {
		return nil
	}
	class := ClassRank
	if what == "root" {
		class = ClassRoot
	}
	return errorf(class, op, "%s %d out of range [0, %d)", what, r, n)
}

// checkTag validates a tag; anyOK allows AnyTag.
func checkTag(op string, tag int, anyOK bool) error {
	if uint(tag) <= uint(tagUB) || tag == AnyTag && anyOK {
		return nil
	}
	return errorf(ClassTag, op, "tag %d out of range [0, %d]", tag, tagUB)
}

// DupWithInfo is Dup with hints for the new communicator
// (MPI_Comm_dup_with_info), which it takes instead of c's; info may be nil
// (none). Collective over c.
func (c *Comm) DupWithInfo(info *Info) (*Comm, error) {
	const op = "DupWithInfo"
	if err := c.check(op); err != nil {
		return nil, err
	}
	ih, err := info.handle(op)
	if err := c.enter(op, err); err != nil {
		return nil, err
	}
	h := commNull
	if err := mpiError(op, mpiCommDupWithInfo(c.h, ih, &h)); err != nil {
		return nil, err
	}
	return newComm(h, false)
}

// SetInfo gives c hints (MPI_Comm_set_info), collective over c: the
// library keeps those it knows (OpenMPI: mpi_assert_no_any_tag and the
// other mpi_assert_ keys of MPI-4), and may ignore any.
func (c *Comm) SetInfo(info *Info) error {
	const op = "Comm.SetInfo"
	if err := c.check(op); err != nil {
		return err
	}
	ih, err := info.given(op)
	if err := c.enter(op, err); err != nil {
		return err
	}
	return mpiError(op, mpiCommSetInfo(c.h, ih))
}

// Info returns the hints in use on c (MPI_Comm_get_info), for the caller
// to Free.
func (c *Comm) Info() (*Info, error) {
	return infoFrom("Comm.Info", c.check("Comm.Info"), func(h *infoHandle) int { return mpiCommGetInfo(c.h, h) })
}
