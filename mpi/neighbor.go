package mpi

// #include "raw.h"
import "C"

import (
	"math"
	"runtime"
	"unsafe"
)

// Neighbour collectives (MPI_Neighbor_*): collectives over a communicator
// with a topology (CartCreate, DistGraphCreateAdjacent) in which each rank
// exchanges with its neighbours only, in the order of Neighbors(): part i of
// the receive buffer comes from Sources[i], part j of the send buffer goes
// to Dests[j]. A Cart's neighbours are, in each dimension, the rank before
// and the rank after: a halo exchange is one NeighborAlltoall (or
// NeighborAlltoallw with a datatype per side). Every rank of the
// communicator takes part. Buffer lengths are checked against the degrees
// before MPI is called.

// NeighborAllgather sends send to every destination and receives part i of
// recv from source i (MPI_Neighbor_allgather): recv holds in-degree ×
// len(send) elements.
func (c *Comm) NeighborAllgather(send, recv Buffer) error {
	a, err := c.neighborAllgatherArgs("NeighborAllgather", send, recv)
	return c.collective("NeighborAllgather", callNeighborAllgather, &a, nil, err)
}

// IneighborAllgather starts a NeighborAllgather (MPI_Ineighbor_allgather).
func (c *Comm) IneighborAllgather(send, recv Buffer) (*Request, error) {
	a, err := c.neighborAllgatherArgs("IneighborAllgather", send, recv)
	return c.icollective("IneighborAllgather", callNeighborAllgather, &a, err)
}

func (c *Comm) neighborAllgatherArgs(op string, send, recv Buffer) (args, error) {
	in, _, dt, err := c.neighborBuffers(op, send, recv)
	if err != nil {
		return args{}, err
	}
	if recv.n != in*send.n {
		return args{}, bufErr(op, "receive buffer has %d elements, want %d sources × %d", recv.n, in, send.n)
	}
	return args{buf: send.ptr, n: send.n, rbuf: recv.ptr, rn: send.n, dt: dt}, nil
}

// NeighborAllgatherv is NeighborAllgather with parts of different sizes:
// source i's data (counts[i] elements) lands at displs[i] of recv
// (MPI_Neighbor_allgatherv).
func (c *Comm) NeighborAllgatherv(send, recv Buffer, counts, displs []int) error {
	a, err := c.neighborAllgathervArgs("NeighborAllgatherv", send, recv, counts, displs)
	return c.collective("NeighborAllgatherv", callNeighborAllgatherv, &a, nil, err)
}

// IneighborAllgatherv starts a NeighborAllgatherv (MPI_Ineighbor_allgatherv).
func (c *Comm) IneighborAllgatherv(send, recv Buffer, counts, displs []int) (*Request, error) {
	a, err := c.neighborAllgathervArgs("IneighborAllgatherv", send, recv, counts, displs)
	return c.icollective("IneighborAllgatherv", callNeighborAllgatherv, &a, err)
}

func (c *Comm) neighborAllgathervArgs(op string, send, recv Buffer, counts, displs []int) (args, error) {
	in, _, dt, err := c.neighborBuffers(op, send, recv)
	if err != nil {
		return args{}, err
	}
	if err := checkPartList(op, in, counts, displs, recv.n); err != nil {
		return args{}, err
	}
	for i, n := range counts {
		if n != send.n {
			return args{}, bufErr(op, "counts[%d] is %d, but every rank sends %d elements", i, n, send.n)
		}
	}
	return args{buf: send.ptr, n: send.n, rbuf: recv.ptr, dt: dt,
		parts: &parts{rcounts: cints(counts), rdisp: cints(displs)}}, nil
}

// NeighborAlltoall sends part j of send to destination j and receives part
// i of recv from source i (MPI_Neighbor_alltoall); the parts have one length.
func (c *Comm) NeighborAlltoall(send, recv Buffer) error {
	a, err := c.neighborAlltoallArgs("NeighborAlltoall", send, recv)
	return c.neighborCollective("NeighborAlltoall", callNeighborAlltoall, a, err)
}

// IneighborAlltoall starts a NeighborAlltoall (MPI_Ineighbor_alltoall).
func (c *Comm) IneighborAlltoall(send, recv Buffer) (*Request, error) {
	a, err := c.neighborAlltoallArgs("IneighborAlltoall", send, recv)
	return c.ineighbor("IneighborAlltoall", callNeighborAlltoall, a, err)
}

// neighborCollective runs a blocking neighbour alltoall (any form), its
// duplicate edges' blocks placed as the standard says (dupedges.go).
func (c *Comm) neighborCollective(op string, call rawCall, a args, err error) error {
	if err == nil {
		form := C.int(C.MPIGO_BLOCKING)
		if !blockingCollectives { // the nonblocking form is posted, and waited for (collective.go)
			form = C.MPIGO_NONBLOCKING
		}
		call, err = c.placeDuplicateEdges(op, call, &a, form)
	}
	return c.collective(op, call, &a, nil, err)
}

// ineighbor starts a neighbour alltoall (any form), or with a.persistent
// makes it, its duplicate edges' blocks placed as the standard says.
func (c *Comm) ineighbor(op string, call rawCall, a args, err error) (*Request, error) {
	if err == nil {
		form := C.int(C.MPIGO_NONBLOCKING)
		if a.persistent && libPersistentCollectives {
			form = C.MPIGO_PERSISTENT_FORM
		}
		call, err = c.placeDuplicateEdges(op, call, &a, form)
	}
	return c.icollective(op, call, &a, err)
}

func (c *Comm) neighborAlltoallArgs(op string, send, recv Buffer) (args, error) {
	in, out, dt, err := c.neighborBuffers(op, send, recv)
	if err != nil {
		return args{}, err
	}
	part := 0
	switch {
	case out > 0:
		part = send.n / out
	case in > 0:
		part = recv.n / in
	}
	if send.n != out*part || recv.n != in*part {
		return args{}, bufErr(op, "send buffer of %d and receive buffer of %d elements are not %d and %d parts of one length",
			send.n, recv.n, out, in)
	}
	return args{buf: send.ptr, n: part, rbuf: recv.ptr, rn: part, dt: dt}, nil
}

// NeighborAlltoallv is NeighborAlltoall with parts of different sizes and
// places (MPI_Neighbor_alltoallv).
func (c *Comm) NeighborAlltoallv(send Buffer, sendCounts, sendDispls []int, recv Buffer, recvCounts, recvDispls []int) error {
	a, err := c.neighborAlltoallvArgs("NeighborAlltoallv", send, sendCounts, sendDispls, recv, recvCounts, recvDispls)
	return c.neighborCollective("NeighborAlltoallv", callNeighborAlltoallv, a, err)
}

// IneighborAlltoallv starts a NeighborAlltoallv (MPI_Ineighbor_alltoallv).
func (c *Comm) IneighborAlltoallv(send Buffer, sendCounts, sendDispls []int, recv Buffer, recvCounts, recvDispls []int) (*Request, error) {
	a, err := c.neighborAlltoallvArgs("IneighborAlltoallv", send, sendCounts, sendDispls, recv, recvCounts, recvDispls)
	return c.ineighbor("IneighborAlltoallv", callNeighborAlltoallv, a, err)
}

func (c *Comm) neighborAlltoallvArgs(op string, send Buffer, sendCounts, sendDispls []int, recv Buffer, recvCounts, recvDispls []int) (args, error) {
	in, out, dt, err := c.neighborBuffers(op, send, recv)
	if err != nil {
		return args{}, err
	}
	if err := checkPartList(op, out, sendCounts, sendDispls, send.n); err != nil {
		return args{}, err
	}
	if err := checkPartList(op, in, recvCounts, recvDispls, recv.n); err != nil {
		return args{}, err
	}
	return args{buf: send.ptr, rbuf: recv.ptr, dt: dt, parts: &parts{
		counts: cints(sendCounts), displs: cints(sendDispls), rcounts: cints(recvCounts), rdisp: cints(recvDispls)}}, nil
}

// NeighborAlltoallw sends sends[j] to destination j and receives recvs[i]
// from source i (MPI_Neighbor_alltoallw): each part a Buffer of its own,
// Buf or Typed, so each side of a halo can have its own datatype. A part
// and the one it matches must hold the same amount of data.
func (c *Comm) NeighborAlltoallw(sends, recvs []Buffer) error {
	a, err := c.alltoallwArgs("NeighborAlltoallw", true, sends, recvs)
	err = c.neighborCollective("NeighborAlltoallw", callNeighborAlltoallw, a, err)
	runtime.KeepAlive(sends) // the parts' memory, which a.parts only addresses
	runtime.KeepAlive(recvs)
	return err
}

// IneighborAlltoallw starts a NeighborAlltoallw (MPI_Ineighbor_alltoallw);
// every part is pinned until it completes.
func (c *Comm) IneighborAlltoallw(sends, recvs []Buffer) (*Request, error) {
	a, err := c.alltoallwArgs("IneighborAlltoallw", true, sends, recvs)
	return c.ineighbor("IneighborAlltoallw", callNeighborAlltoallw, a, err)
}

// Alltoallw sends sends[j] to rank j and receives recvs[i] from rank i
// (MPI_Alltoallw): every part a Buffer of its own, Buf or Typed. MPI takes
// the parts as int byte offsets from one base, so every send part must lie
// within 2 GiB of the others, and every receive part too (ErrBuffer otherwise).
func (c *Comm) Alltoallw(sends, recvs []Buffer) error {
	a, err := c.alltoallwArgs("Alltoallw", false, sends, recvs)
	err = c.collective("Alltoallw", callAlltoallw, &a, nil, err)
	runtime.KeepAlive(sends)
	runtime.KeepAlive(recvs)
	return err
}

// Ialltoallw starts an Alltoallw (MPI_Ialltoallw).
func (c *Comm) Ialltoallw(sends, recvs []Buffer) (*Request, error) {
	a, err := c.alltoallwArgs("Ialltoallw", false, sends, recvs)
	return c.icollective("Ialltoallw", callAlltoallw, &a, err)
}

func (c *Comm) alltoallwArgs(op string, neighbor bool, sends, recvs []Buffer) (args, error) {
	if err := c.check(op); err != nil {
		return args{}, err
	}
	in, out := c.peers, c.peers
	if neighbor {
		var err error
		if in, out, err = c.degrees(op); err != nil {
			return args{}, err
		}
	}
	if len(sends) != out || len(recvs) != in {
		return args{}, bufErr(op, "%d send and %d receive parts, want %d and %d", len(sends), len(recvs), out, in)
	}
	p := &parts{counts: make([]cint, out), rcounts: make([]cint, in), stypes: make([]ctype, out), rtypes: make([]ctype, in)}
	var sbase, rbase unsafe.Pointer
	var err error
	if sbase, p.sbdispl, err = wparts(op, sends, p.counts, p.stypes, false); err != nil {
		return args{}, err
	}
	if rbase, p.rbdispl, err = wparts(op, recvs, p.rcounts, p.rtypes, true); err != nil {
		return args{}, err
	}
	a := args{buf: sbase, rbuf: rbase, parts: p}
	if !neighbor {
		p.displs, p.rdisp = make([]cint, out), make([]cint, in)
		for i, d := range p.sbdispl {
			p.displs[i] = cint(d)
		}
		for i, d := range p.rbdispl {
			p.rdisp[i] = cint(d)
		}
		if !fitsInt(p.sbdispl) || !fitsInt(p.rbdispl) {
			return args{}, bufErr(op, "the parts lie more than 2 GiB apart, past MPI_Alltoallw's int offsets")
		}
		p.sbdispl, p.rbdispl = nil, nil
	}
	for _, b := range append(sends, recvs...) { // pinned by start, if nonblocking
		if b.ptr != nil {
			p.ptrs = append(p.ptrs, b.ptr)
		}
	}
	return a, nil
}

// wparts checks the parts of an alltoallw and returns their base (the
// lowest address) and byte offsets from it, filling counts and types.
func wparts(op string, bufs []Buffer, counts []cint, types []ctype, recv bool) (unsafe.Pointer, []aint, error) {
	var base unsafe.Pointer
	hs := make([]dtypeHandle, len(bufs))
	for i, b := range bufs {
		check := b.check
		if recv {
			check = b.checkRecvBuf
		}
		h, err := check(op)
		if err != nil {
			return nil, nil, err
		}
		hs[i], counts[i] = h, cint(b.n)
		if b.ptr != nil && (base == nil || uintptr(b.ptr) < uintptr(base)) {
			base = b.ptr
		}
	}
	copy(types, ctypes(hs))
	displs := make([]aint, len(bufs))
	for i, b := range bufs {
		if b.ptr != nil {
			displs[i] = aint(uintptr(b.ptr) - uintptr(base))
		}
	}
	return base, displs, nil
}

func fitsInt(v []aint) bool {
	for _, d := range v {
		if d > math.MaxInt32 {
			return false
		}
	}
	return true
}

// neighborBuffers checks the communicator and buffers of a neighbour
// collective and returns the degrees and the datatype.
func (c *Comm) neighborBuffers(op string, send, recv Buffer) (in, out int, dt dtypeHandle, err error) {
	if err := c.check(op); err != nil {
		return 0, 0, byteType, err
	}
	if in, out, err = c.degrees(op); err != nil {
		return 0, 0, byteType, err
	}
	if _, err := send.check(op); err != nil {
		return 0, 0, byteType, err
	}
	if dt, err = recv.checkRecvBuf(op); err != nil {
		return 0, 0, byteType, err
	}
	return in, out, dt, sameType(op, send, recv)
}

// asAlltoallv turns the args of a NeighborAlltoall into those of the
// equivalent NeighborAlltoallv, whose blocks can be moved.
func asAlltoallv(a args, in, out int) args {
	p := &parts{counts: make([]cint, out), displs: make([]cint, out), rcounts: make([]cint, in), rdisp: make([]cint, in)}
	for j := range out {
		p.counts[j], p.displs[j] = cint(a.n), cint(j*a.n)
	}
	for i := range in {
		p.rcounts[i], p.rdisp[i] = cint(a.rn), cint(i*a.rn)
	}
	a.parts = p
	return a
}
