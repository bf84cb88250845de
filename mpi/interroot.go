package mpi

import (
	"sync"
	"unsafe"
)

// Rooted collectives over an intercommunicator (Bcast, Scatter(v),
// Gather(v), Reduce and their nonblocking forms): one group holds the root,
// the other group's ranks are its leaves. The root passes Root, the other
// ranks of its group ProcNull (they take no part), and each rank of the
// other group passes the root's rank in the root's group: a manager after
// Spawn broadcasts to its workers, or gathers from them, in one call. The
// leaves' buffers are checked as on an intracommunicator; the root's whole
// buffer holds RemoteSize() parts. InPlace has no meaning here.
//
// The ranks that take no part (ProcNull) pass MPI one element of a scratch
// buffer to Ibcast and Ireduce, not none: OpenMPI 4.1's nonblocking
// intercommunicator Bcast and Reduce hang on the next nonblocking
// collective when such a rank passes a count of 0 (measured in C, 4 ranks:
// that rank skips the operation's tag, and its next one never matches).

// idleScratch is the buffer the ranks that take no part pass (see above);
// MPI never reads or writes it.
var idleScratch = sync.OnceValue(func() unsafe.Pointer { return rawMalloc(64) })

// Root is, in a rooted collective over an intercommunicator, the root
// argument of the root itself (MPI_ROOT).
const Root = -3

// interRole is what a rank does in a rooted collective over an intercommunicator.
type interRole int

const (
	roleLeaf interRole = iota // a rank of the other group: root is the root's rank there
	roleRoot                  // the root (Root)
	roleIdle                  // another rank of the root's group (ProcNull)
)

// interRoot checks root, over intercommunicator c, and says the rank's role.
func (c *Comm) interRoot(op string, root int) (interRole, error) {
	if err := c.check(op); err != nil {
		return 0, err
	}
	switch {
	case root == Root:
		return roleRoot, nil
	case root == ProcNull:
		return roleIdle, nil
	case root >= 0 && root < c.peers:
		return roleLeaf, nil
	}
	return 0, errorf(ClassRoot, op, "root %d over an intercommunicator: want Root at the root, ProcNull at the other"+
		" ranks of its group, and the root's rank (0–%d) in the remote group", root, c.peers-1)
}

// isInter reports whether c is an intercommunicator, for the rooted
// collectives' argument checks to branch on (c may be nil or freed: the
// intracommunicator checks report that).
func (c *Comm) isInter() bool { return c.usable() && c.inter }

func noInPlace(op string, bs ...Buffer) error {
	for _, b := range bs {
		if b.inPlace {
			return bufErr(op, "InPlace has no meaning over an intercommunicator")
		}
	}
	return nil
}

// interBcastArgs: the root sends b, the leaves receive into it.
func (c *Comm) interBcastArgs(op string, b Buffer, root int) (args, error) {
	role, err := c.interRoot(op, root)
	if err == nil {
		err = noInPlace(op, b)
	}
	a := args{root: root, dt: byteType}
	if err != nil || role == roleIdle {
		a.buf, a.n = idleScratch(), 1
		return a, err
	}
	check := b.checkRecvBuf
	if role == roleRoot {
		check = b.check
	}
	a.dt, err = check(op)
	a.buf, a.n = b.ptr, b.n
	return a, err
}

// interScatterGather: Scatter(v) (scatter true) sends parts of whole at
// the root, one to each leaf's part; Gather(v) the reverse. Without counts
// the parts are RemoteSize() equal ones; with them, leaf i's is counts[i]
// elements at displs[i].
func (c *Comm) interScatterGather(op string, whole Buffer, counts, displs []int, part Buffer, root int, scatter bool) (args, error) {
	role, err := c.interRoot(op, root)
	if err == nil {
		err = noInPlace(op, whole, part)
	}
	a := args{root: root, dt: byteType, rdt: byteType}
	switch {
	case err != nil || role == roleIdle:
		return a, err
	case role == roleLeaf && scatter:
		a.rdt, err = part.checkRecvBuf(op)
		a.rbuf, a.rn = part.ptr, part.n
		return a, err
	case role == roleLeaf:
		a.dt, err = part.check(op)
		a.buf, a.n = part.ptr, part.n
		return a, err
	}
	check := whole.checkRecvBuf
	if scatter {
		check = whole.check
	}
	dt, err := check(op)
	if err != nil {
		return a, err
	}
	n := 0 // each part's elements, without counts
	if counts == nil {
		if whole.n%c.peers != 0 {
			return a, bufErr(op, "root buffer of %d elements does not split into %d parts (the remote group's ranks)", whole.n, c.peers)
		}
		n = whole.n / c.peers
	} else {
		if err := c.checkParts(op, counts, displs, whole.n); err != nil {
			return a, err
		}
		a.parts = &parts{counts: cints(counts), displs: cints(displs)}
	}
	if scatter {
		a.buf, a.n, a.dt = whole.ptr, n, dt
	} else {
		a.rbuf, a.rn, a.rdt = whole.ptr, n, dt
	}
	return a, nil
}

// interReduceArgs: the leaves' send buffers are combined into recv at the root.
func (c *Comm) interReduceArgs(op string, send, recv Buffer, o *Op, root int) (args, error) {
	role, err := c.interRoot(op, root)
	if err == nil {
		err = noInPlace(op, send, recv)
	}
	a := args{root: root, dt: byteType}
	if err != nil {
		return a, err
	}
	if role == roleIdle { // one element of a type o takes (see above)
		t := send.t
		switch {
		case t != nil:
		case o != nil && o.kind == oUser:
			t = o.elem
		default:
			t = typeOf[int64]()
		}
		a.op, a.dt, _, err = o.resolve(op, t, 1)
		if err != nil {
			err = errorf(ClassOp, op, "%v (on a rank that takes no part in the Reduce, pass the send buffer a leaf would)", err)
		}
		a.buf, a.rbuf, a.n = idleScratch(), unsafe.Add(idleScratch(), 32), 1
		return a, err
	}
	b := send
	if role == roleRoot {
		b = recv
	}
	if _, err := b.check(op); err != nil {
		return a, err
	}
	if b.dt != nil {
		return a, errorf(ClassType, op, "reductions take Buf buffers, not Typed ones")
	}
	a.op, a.dt, a.n, err = o.resolve(op, b.t, b.n)
	// The buffer MPI ignores is the scratch, not nil: MPICH 4.0 refuses a
	// null send buffer at the root ("Invalid buffer pointer").
	if role == roleRoot {
		a.buf, a.rbuf = idleScratch(), b.ptr
	} else {
		a.buf, a.rbuf = b.ptr, idleScratch()
	}
	return a, err
}

// interIbcastMPICH is Ibcast over intercommunicator c on MPICH, whose
// nonblocking intercommunicator Bcast delivers nothing when the root is not
// rank 0 of its group (measured in C with MPICH 4.0.2 and 4.2.1; its
// Iscatterv works): a Scatterv whose every part is the root's whole buffer
// (parts of a send buffer may overlap).
func (c *Comm) interIbcastMPICH(op string, b Buffer, root int) (*Request, error) {
	counts, displs := make([]int, c.peers), make([]int, c.peers)
	for i := range counts {
		counts[i] = b.n
	}
	a, err := c.interScatterGather(op, b, counts, displs, b, root, true)
	return c.icollective(op, callScatterv, &a, err)
}
