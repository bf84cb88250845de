package mpi

// Native MPI collectives. At ThreadMultiple each blocking collective is one
// blocking MPI call (OpenMPI's tuned algorithms), and so at ThreadSingle,
// made under the binding's lock (see InitThread); at ThreadSerialized and
// below it is the nonblocking form (MPI_Ibcast, …), pinned and polled, so
// the lock or the serving thread is never held while other ranks are
// awaited: 1.5–3× the time of the blocking call up to 64 KiB. Every rank of
// the communicator must make the same calls in the same order.
//
// A blocking collective waits inside MPI for every rank to join, so blocking
// collectives made from several goroutines of a rank at once (over
// communicators of their own) can leave several threads inside MPI on the
// rank's core: 4 or 16 goroutines per rank, each in 8-byte Allreduces, took
// 0.9–1.4 µs a call in some runs and 250–810 µs in others. Use the
// nonblocking forms there (Iallreduce, then Wait), which are polled:
// 3.4–4.7 µs a call in every run (MPI's nonblocking algorithms; one
// goroutine's blocking Allreduce took 1.2–1.4). The binding cannot switch
// forms for the caller: MPI does not match a blocking collective on one rank
// with a nonblocking one on another.
//
// Buffer lengths are checked before MPI is called: mismatches that MPI would
// only notice as memory corruption or a hang are ErrBuffer errors here. An
// error found on some ranks only never leaves the others waiting: see
// CollectiveErrors.

// collective runs a blocking collective over c, whose argument checks
// returned err, or returns the error that enter makes of err.
func (c *Comm) collective(op string, call rawCall, a *args, o *Op, err error) error {
	if err := c.enterCall(op, err, call, a); err != nil {
		return err
	}
	return c.runCollective(op, call, a, o)
}

// runCollective runs a blocking collective over c, its arguments agreed.
func (c *Comm) runCollective(op string, call rawCall, a *args, o *Op) error {
	a.comm = c.h
	if blockingCollectives {
		if err := mpiError(op, runLong(call, a)); err != nil {
			return c.revokedError(err)
		}
		return c.userOpOutcome(op, o)
	}
	r, err := start(op, call, a, reqCollective, Buffer{})
	if err != nil {
		return c.revokedError(err)
	}
	if _, err := r.Wait(); err != nil {
		return c.revokedError(err)
	}
	return c.userOpOutcome(op, o)
}

// icollective starts a nonblocking collective over c, whose argument checks
// returned err, or returns the error that enter makes of err. With
// a.persistent it makes the persistent form instead, not started (pinit.go).
func (c *Comm) icollective(op string, call rawCall, a *args, err error) (*Request, error) {
	if err := c.enterCall(op, err, call, a); err != nil {
		return nil, err
	}
	a.comm = c.h
	if a.persistent && !libPersistentCollectives {
		return reposted(op, call, a), nil
	}
	if a.persistent {
		return persistent(start(op, call, a, reqCollective, Buffer{}))
	}
	return start(op, call, a, reqCollective, Buffer{})
}

// ireduction is icollective for a reduction with o: a panic of o's Go
// function while MPI runs it is the error of the Request's completion.
func (c *Comm) ireduction(op string, call rawCall, a *args, o *Op, err error) (*Request, error) {
	r, err := c.icollective(op, call, a, err)
	if r != nil && o != nil && o.kind == oUser {
		r.userOp = o
	}
	return r, err
}

func (c *Comm) checkRoot(op string, root int) error {
	if err := c.check(op); err != nil {
		return err
	}
	if err := c.checkIntra(op); err != nil {
		return err
	}
	return c.checkRank(op, "root", root, false)
}

func bufErr(op, format string, v ...any) error { return errorf(ClassBuffer, op, format, v...) }

func sameType(op string, a, b Buffer) error {
	if a.t != b.t || a.dt != b.dt {
		return errorf(ClassType, op, "send buffer is %s but receive buffer is %s", a, b)
	}
	return nil
}

// Barrier blocks until every rank of c has called it (MPI_Barrier).
func (c *Comm) Barrier() error {
	var a args
	return c.collective("Barrier", callBarrier, &a, nil, c.check("Barrier"))
}

// Ibarrier starts a barrier (MPI_Ibarrier).
func (c *Comm) Ibarrier() (*Request, error) {
	var a args
	return c.icollective("Ibarrier", callBarrier, &a, c.check("Ibarrier"))
}

func (c *Comm) bcastArgs(op string, b Buffer, root int) (args, error) {
	if c.isInter() {
		return c.interBcastArgs(op, b, root)
	}
	if err := c.checkRoot(op, root); err != nil {
		return args{}, err
	}
	dt, err := b.checkRecvBuf(op) // a receive, but at the root
	return args{buf: b.ptr, n: b.n, dt: dt, root: root}, err
}

// Bcast copies b at rank root into b at every other rank (MPI_Bcast). Every
// rank's b must have the same length (a shorter one is ErrTruncate).
func (c *Comm) Bcast(b Buffer, root int) error {
	a, err := c.bcastArgs("Bcast", b, root)
	return c.collective("Bcast", callBcast, &a, nil, err)
}

// Ibcast starts a broadcast (MPI_Ibcast).
func (c *Comm) Ibcast(b Buffer, root int) (*Request, error) {
	if c.isInter() && isMPICH() {
		return c.interIbcastMPICH("Ibcast", b, root)
	}
	a, err := c.bcastArgs("Ibcast", b, root)
	return c.icollective("Ibcast", callBcast, &a, err)
}

// rootedArgs checks the buffers of Scatter (scatter true) or Gather: at the
// root, the "whole" buffer holds Size() parts of the data of the "part"
// buffer; the whole is ignored elsewhere. InPlace may stand for the root's
// part. The two may have different datatypes (one Typed) if the parts hold
// the same bytes (see sameParts).
func (c *Comm) rootedArgs(op string, whole, part Buffer, root int, scatter bool) (args, error) {
	if c.isInter() {
		return c.interScatterGather(op, whole, nil, nil, part, root, scatter)
	}
	if err := c.checkRoot(op, root); err != nil {
		return args{}, err
	}
	isRoot := c.rank == root
	var a args
	a.root = root
	var partType dtypeHandle
	if part.inPlace {
		if !isRoot {
			return a, bufErr(op, "InPlace is only allowed at the root")
		}
	} else {
		check := part.check
		if scatter {
			check = part.checkRecvBuf
		}
		dt, err := check(op)
		if err != nil {
			return a, err
		}
		a.dt, a.rdt, partType = dt, dt, dt
	}
	if !isRoot {
		a.n = part.n
		if scatter {
			a.rbuf, a.rn = part.ptr, part.n
		} else {
			a.buf = part.ptr
		}
		return a, nil
	}
	check := whole.checkRecvBuf
	if scatter {
		check = whole.check
	}
	wholeType, err := check(op)
	if err != nil {
		return a, err
	}
	if whole.n%c.size != 0 {
		return a, bufErr(op, "root buffer of %d elements does not split into %d parts", whole.n, c.size)
	}
	n := whole.n / c.size // the root's count per rank, in whole's elements
	if !part.inPlace {
		if err := sameParts(op, whole, n, part); err != nil {
			return a, err
		}
	}
	a.inPlace = part.inPlace
	if scatter {
		a.buf, a.rbuf, a.n, a.rn, a.dt, a.rdt = whole.ptr, part.ptr, n, part.n, wholeType, partType
	} else {
		a.buf, a.rbuf, a.n, a.rn, a.dt, a.rdt = part.ptr, whole.ptr, part.n, n, partType, wholeType
	}
	if part.inPlace { // one side only
		a.n, a.rn, a.dt, a.rdt = n, n, wholeType, wholeType
	}
	return a, nil
}

// sameParts checks that n elements of whole hold the data of part: the
// same element type and length, or, where either is Typed, the same bytes.
func sameParts(op string, whole Buffer, n int, part Buffer) error {
	if whole.contiguous() && part.contiguous() {
		if err := sameType(op, whole, part); err != nil {
			return err
		}
		if n != part.n {
			return bufErr(op, "root buffer has %d elements, want %d ranks × %d", whole.n, whole.n/max(n, 1), part.n)
		}
		return nil
	}
	if got, want := n*whole.unit(), part.bytes(); got != want {
		return bufErr(op, "a part of %s holds %d bytes, but %s holds %d", whole, got, part, want)
	}
	return nil
}

// Scatter sends the i-th of Size() equal parts of send at rank root to rank
// i's recv (MPI_Scatter). send matters only at the root, where it must hold
// Size()×len(recv) elements; the root may pass InPlace as recv.
func (c *Comm) Scatter(send, recv Buffer, root int) error {
	a, err := c.rootedArgs("Scatter", send, recv, root, true)
	return c.collective("Scatter", callScatter, &a, nil, err)
}

// Iscatter starts a Scatter (MPI_Iscatter).
func (c *Comm) Iscatter(send, recv Buffer, root int) (*Request, error) {
	a, err := c.rootedArgs("Iscatter", send, recv, root, true)
	return c.icollective("Iscatter", callScatter, &a, err)
}

// Gather collects send from every rank into recv at rank root, rank i's at
// part i (MPI_Gather). recv matters only at the root, where it must hold
// Size()×len(send) elements; the root may pass InPlace as send.
func (c *Comm) Gather(send, recv Buffer, root int) error {
	a, err := c.rootedArgs("Gather", recv, send, root, false)
	return c.collective("Gather", callGather, &a, nil, err)
}

// Igather starts a Gather (MPI_Igather).
func (c *Comm) Igather(send, recv Buffer, root int) (*Request, error) {
	a, err := c.rootedArgs("Igather", recv, send, root, false)
	return c.icollective("Igather", callGather, &a, err)
}

// checkParts validates counts and displacements of a v-collective over a
// buffer of n elements.
func (c *Comm) checkParts(op string, counts, displs []int, n int) error {
	return checkPartList(op, c.peers, counts, displs, n)
}

// checkPartList validates the k counts and displacements of parts of a
// buffer of n elements.
func checkPartList(op string, k int, counts, displs []int, n int) error {
	if len(counts) != k || len(displs) != k {
		return bufErr(op, "need %d counts and displacements, have %d and %d", k, len(counts), len(displs))
	}
	for i := range counts {
		if counts[i] < 0 || displs[i] < 0 || counts[i] > maxCount || displs[i] > maxCount {
			return errorf(ClassCount, op, "part %d: count %d, displacement %d out of range", i, counts[i], displs[i])
		}
		if counts[i]+displs[i] > n {
			return bufErr(op, "part %d (%d elements at %d) lies outside the buffer of %d", i, counts[i], displs[i], n)
		}
	}
	return nil
}

// Scatterv is Scatter with parts of different sizes: rank i receives
// counts[i] elements starting at displs[i] of send (MPI_Scatterv). counts,
// displs and send matter only at the root.
func (c *Comm) Scatterv(send Buffer, counts, displs []int, recv Buffer, root int) error {
	a, err := c.scattervArgs("Scatterv", send, counts, displs, recv, root)
	return c.collective("Scatterv", callScatterv, &a, nil, err)
}

// Iscatterv starts a Scatterv (MPI_Iscatterv).
func (c *Comm) Iscatterv(send Buffer, counts, displs []int, recv Buffer, root int) (*Request, error) {
	a, err := c.scattervArgs("Iscatterv", send, counts, displs, recv, root)
	return c.icollective("Iscatterv", callScatterv, &a, err)
}

func (c *Comm) scattervArgs(op string, send Buffer, counts, displs []int, recv Buffer, root int) (args, error) {
	if c.isInter() {
		return c.interScatterGather(op, send, counts, displs, recv, root, true)
	}
	if err := c.checkRoot(op, root); err != nil {
		return args{}, err
	}
	a := args{root: root, inPlace: recv.inPlace}
	var err error
	if !recv.inPlace {
		if a.dt, err = recv.check(op); err != nil {
			return args{}, err
		}
		a.rbuf, a.rn = recv.ptr, recv.n
	} else if c.rank != root {
		return args{}, bufErr(op, "InPlace is only allowed at the root")
	}
	if c.rank == root {
		if a.dt, err = send.check(op); err != nil {
			return args{}, err
		}
		if !recv.inPlace {
			if err := sameType(op, send, recv); err != nil {
				return args{}, err
			}
		}
		if err := c.checkParts(op, counts, displs, send.n); err != nil {
			return args{}, err
		}
		if !recv.inPlace && recv.n < counts[root] {
			return args{}, bufErr(op, "receive buffer holds %d elements, the root's part has %d", recv.n, counts[root])
		}
		a.buf, a.parts = send.ptr, &parts{counts: cints(counts), displs: cints(displs)}
	}
	return a, nil
}

// Gatherv is Gather with parts of different sizes: rank i's send lands at
// displs[i] of recv, where counts[i] elements are expected (MPI_Gatherv).
// counts, displs and recv matter only at the root.
func (c *Comm) Gatherv(send, recv Buffer, counts, displs []int, root int) error {
	a, err := c.gathervArgs("Gatherv", send, recv, counts, displs, root)
	return c.collective("Gatherv", callGatherv, &a, nil, err)
}

// Igatherv starts a Gatherv (MPI_Igatherv).
func (c *Comm) Igatherv(send, recv Buffer, counts, displs []int, root int) (*Request, error) {
	a, err := c.gathervArgs("Igatherv", send, recv, counts, displs, root)
	return c.icollective("Igatherv", callGatherv, &a, err)
}

func (c *Comm) gathervArgs(op string, send, recv Buffer, counts, displs []int, root int) (args, error) {
	if c.isInter() {
		return c.interScatterGather(op, recv, counts, displs, send, root, false)
	}
	if err := c.checkRoot(op, root); err != nil {
		return args{}, err
	}
	a := args{root: root, inPlace: send.inPlace}
	var err error
	if !send.inPlace {
		if a.dt, err = send.check(op); err != nil {
			return args{}, err
		}
		a.buf, a.n = send.ptr, send.n
	} else if c.rank != root {
		return args{}, bufErr(op, "InPlace is only allowed at the root")
	}
	if c.rank == root {
		if a.dt, err = recv.check(op); err != nil {
			return args{}, err
		}
		if !send.inPlace {
			if err := sameType(op, send, recv); err != nil {
				return args{}, err
			}
		}
		if err := c.checkParts(op, counts, displs, recv.n); err != nil {
			return args{}, err
		}
		if !send.inPlace && send.n != counts[root] {
			return args{}, bufErr(op, "the root sends %d elements but counts[%d] is %d", send.n, root, counts[root])
		}
		a.rbuf, a.parts = recv.ptr, &parts{counts: cints(counts), displs: cints(displs)}
	}
	return a, nil
}

// allArgs checks the buffers of Allgather and Alltoall: recv holds Size()
// parts of len(send) (Allgather) or as many elements as send (Alltoall).
// InPlace may stand for send.
func (c *Comm) allArgs(op string, send, recv Buffer, toAll bool) (args, error) {
	if err := c.check(op); err != nil {
		return args{}, err
	}
	dt, err := recv.checkRecvBuf(op)
	a := args{rbuf: recv.ptr, dt: dt, rdt: dt, inPlace: send.inPlace}
	if err != nil {
		return a, err
	}
	if recv.n%c.peers != 0 {
		return a, bufErr(op, "receive buffer of %d elements does not split into %d parts", recv.n, c.peers)
	}
	a.n, a.rn = recv.n/c.peers, recv.n/c.peers
	if send.inPlace {
		return a, nil
	}
	if a.dt, err = send.check(op); err != nil {
		return a, err
	}
	if !send.contiguous() || !recv.contiguous() { // Typed: the same bytes a part
		if toAll && send.n%c.peers != 0 {
			return a, bufErr(op, "send buffer of %d elements does not split into %d parts", send.n, c.peers)
		}
		if toAll {
			a.n = send.n / c.peers
		} else {
			a.n = send.n
		}
		if err := sameParts(op, recv, a.rn, Buffer{n: a.n, t: send.t, dt: send.dt}); err != nil {
			return a, err
		}
		a.buf = send.ptr
		return a, nil
	}
	if err := sameType(op, send, recv); err != nil {
		return a, err
	}
	want := a.n
	if toAll {
		want = recv.n
	}
	if send.n != want {
		return a, bufErr(op, "send buffer has %d elements, want %d for a receive buffer of %d", send.n, want, recv.n)
	}
	a.buf = send.ptr
	return a, nil
}

// Allgather gathers send from every rank into recv at every rank, rank i's
// at part i (MPI_Allgather). recv holds Size()×len(send) elements; InPlace as
// send takes each rank's contribution from its part of recv.
func (c *Comm) Allgather(send, recv Buffer) error {
	a, err := c.allArgs("Allgather", send, recv, false)
	return c.collective("Allgather", callAllgather, &a, nil, err)
}

// Iallgather starts an Allgather (MPI_Iallgather).
func (c *Comm) Iallgather(send, recv Buffer) (*Request, error) {
	a, err := c.allArgs("Iallgather", send, recv, false)
	return c.icollective("Iallgather", callAllgather, &a, err)
}

// Allgatherv is Allgather with parts of different sizes: rank i's send
// (counts[i] elements) lands at displs[i] of every rank's recv (MPI_Allgatherv).
func (c *Comm) Allgatherv(send, recv Buffer, counts, displs []int) error {
	a, err := c.allgathervArgs("Allgatherv", send, recv, counts, displs)
	return c.collective("Allgatherv", callAllgatherv, &a, nil, err)
}

// Iallgatherv starts a Allgatherv (MPI_Iallgatherv).
func (c *Comm) Iallgatherv(send, recv Buffer, counts, displs []int) (*Request, error) {
	a, err := c.allgathervArgs("Iallgatherv", send, recv, counts, displs)
	return c.icollective("Iallgatherv", callAllgatherv, &a, err)
}

func (c *Comm) allgathervArgs(op string, send, recv Buffer, counts, displs []int) (args, error) {
	if err := c.check(op); err != nil {
		return args{}, err
	}
	dt, err := recv.check(op)
	if err != nil {
		return args{}, err
	}
	if err := c.checkParts(op, counts, displs, recv.n); err != nil {
		return args{}, err
	}
	a := args{rbuf: recv.ptr, dt: dt, inPlace: send.inPlace, parts: &parts{counts: cints(counts), displs: cints(displs)}}
	if !send.inPlace {
		if _, err := send.check(op); err != nil {
			return args{}, err
		}
		if err := sameType(op, send, recv); err != nil {
			return args{}, err
		}
		if send.n != counts[c.rank] {
			return args{}, bufErr(op, "rank %d sends %d elements but counts[%d] is %d", c.rank, send.n, c.rank, counts[c.rank])
		}
		a.buf, a.n = send.ptr, send.n
	}
	return a, nil
}

// Alltoall sends part j of send to rank j, which stores it as part i of its
// recv, where i is the sender (MPI_Alltoall). send and recv have the same
// length, a multiple of Size(); InPlace as send exchanges within recv.
func (c *Comm) Alltoall(send, recv Buffer) error {
	a, err := c.allArgs("Alltoall", send, recv, true)
	return c.collective("Alltoall", callAlltoall, &a, nil, err)
}

// Ialltoall starts an Alltoall (MPI_Ialltoall).
func (c *Comm) Ialltoall(send, recv Buffer) (*Request, error) {
	a, err := c.allArgs("Ialltoall", send, recv, true)
	return c.icollective("Ialltoall", callAlltoall, &a, err)
}

// Alltoallv is Alltoall with parts of different sizes (MPI_Alltoallv): the
// part for rank j is sendCounts[j] elements at sendDispls[j] of send, and the
// part from rank i lands at recvDispls[i] of recv.
func (c *Comm) Alltoallv(send Buffer, sendCounts, sendDispls []int, recv Buffer, recvCounts, recvDispls []int) error {
	a, err := c.alltoallvArgs("Alltoallv", send, sendCounts, sendDispls, recv, recvCounts, recvDispls)
	return c.collective("Alltoallv", callAlltoallv, &a, nil, err)
}

// Ialltoallv starts a Alltoallv (MPI_Ialltoallv).
func (c *Comm) Ialltoallv(send Buffer, sendCounts, sendDispls []int, recv Buffer, recvCounts, recvDispls []int) (*Request, error) {
	a, err := c.alltoallvArgs("Ialltoallv", send, sendCounts, sendDispls, recv, recvCounts, recvDispls)
	return c.icollective("Ialltoallv", callAlltoallv, &a, err)
}

func (c *Comm) alltoallvArgs(op string, send Buffer, sendCounts, sendDispls []int, recv Buffer, recvCounts, recvDispls []int) (args, error) {
	if err := c.check(op); err != nil {
		return args{}, err
	}
	dt, err := recv.check(op)
	if err != nil {
		return args{}, err
	}
	if err := c.checkParts(op, recvCounts, recvDispls, recv.n); err != nil {
		return args{}, err
	}
	a := args{rbuf: recv.ptr, dt: dt, inPlace: send.inPlace, parts: &parts{rcounts: cints(recvCounts), rdisp: cints(recvDispls)}}
	if !send.inPlace {
		if _, err := send.check(op); err != nil {
			return args{}, err
		}
		if err := sameType(op, send, recv); err != nil {
			return args{}, err
		}
		if err := c.checkParts(op, sendCounts, sendDispls, send.n); err != nil {
			return args{}, err
		}
		a.buf, a.parts.counts, a.parts.displs = send.ptr, cints(sendCounts), cints(sendDispls)
	}
	return a, nil
}
