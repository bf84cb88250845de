package mpi

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Rank and tag wildcards.
const (
	AnySource = -1 // receive from any rank (MPI_ANY_SOURCE)
	AnyTag    = -1 // receive any tag (MPI_ANY_TAG)
	ProcNull  = -2 // the null rank: sends and receives to it complete at once (MPI_PROC_NULL)
)

// smallMessage is the size in bytes up to which a blocking Send is one
// MPI_Send, which completes eagerly, so MPI holds no Go pointer when the call
// returns; a larger send is posted pinned and polled. A receive of up to
// smallMessage bytes is posted into a staging area no message can overflow
// (stage.go) and copied out: OpenMPI 4.1 writes past the end of a buffer when
// it truncates a message above its eager limit. A larger blocking receive is
// a matched probe, then the receive of the matched message.
const smallMessage = 4096

// procNullStatus is the Status of a receive from ProcNull: no data, from
// ProcNull, with AnyTag. (MPICH reports source 0 instead; the binding
// answers such receives itself, so every library behaves the same.)
var procNullStatus = Status{Source: ProcNull, Tag: AnyTag}

// Status describes a received (or probed) message.
type Status struct {
	Source    int // rank that sent it
	Tag       int // its tag
	bytes     int64
	elemSize  int // 0 for a probe: Count is in bytes
	cancelled bool
}

// Bytes returns the size of the message in bytes (MPI_Get_elements_x with MPI_BYTE).
func (s Status) Bytes() int { return int(s.bytes) }

// Count returns the number of elements received, in the element type of the
// receive buffer (MPI_Get_count); for the Status of a probe, bytes.
func (s Status) Count() int {
	if s.elemSize == 0 {
		return int(s.bytes)
	}
	return int(s.bytes) / s.elemSize
}

// Cancelled reports whether the request this status completes was cancelled (MPI_Test_cancelled).
func (s Status) Cancelled() bool { return s.cancelled }

// checkSend validates a send's arguments and returns b's datatype. The valid
// case is one test, without calls; the errors come from the separate checks.
func (c *Comm) checkSend(op string, b Buffer, dest, tag int) (dtypeHandle, error) {
	if c.usable() && (uint(dest) < uint(c.peers) || dest == ProcNull) && uint(tag) <= uint(tagUB) {
		return b.check(op)
	}
	if err := c.check(op); err != nil {
		return byteType, err
	}
	if err := c.checkRank(op, "destination", dest, false); err != nil {
		return byteType, err
	}
	if err := checkTag(op, tag, false); err != nil {
		return byteType, err
	}
	return b.check(op)
}

func (c *Comm) checkRecv(op string, b Buffer, src, tag int) (dtypeHandle, error) {
	if err := c.checkProbe(op, src, tag); err != nil {
		return byteType, err
	}
	return b.checkRecvBuf(op)
}

// checkProbe validates a receive's or probe's source and tag (as checkSend).
func (c *Comm) checkProbe(op string, src, tag int) error {
	if c.usable() && (uint(src) < uint(c.peers) || src == ProcNull || src == AnySource) && (uint(tag) <= uint(tagUB) || tag == AnyTag) {
		return nil
	}
	if err := c.check(op); err != nil {
		return err
	}
	if err := c.checkRank(op, "source", src, true); err != nil {
		return err
	}
	return checkTag(op, tag, true)
}

// Send sends b to rank dest of c with tag (MPI_Send) and returns when b may
// be reused. Errors: rank or tag out of range (ErrRank, ErrTag), a Buffer of
// an unsupported type (ErrType), more than 2^31-1 elements (ErrCount).
func (c *Comm) Send(b Buffer, dest, tag int) error {
	return c.send("Send", b, dest, tag, false)
}

// Ssend is Send that completes only once the receiver has started to receive
// the message (MPI_Ssend).
func (c *Comm) Ssend(b Buffer, dest, tag int) error {
	return c.send("Ssend", b, dest, tag, true)
}

func (c *Comm) send(op string, b Buffer, dest, tag int, sync bool) error {
	dt, err := c.checkSend(op, b, dest, tag)
	if err != nil {
		return err
	}
	if dest == ProcNull { // completes at once; handled here, alike for every MPI library
		return nil
	}
	var a args // not a composite literal: that is built in a temporary, then copied
	a.buf, a.n, a.dt, a.peer, a.tag, a.comm, a.sync = b.ptr, b.n, dt, dest, tag, c.h, sync
	if !sync && b.bytes() <= smallMessage {
		return mpiError(op, run(callSend, &a))
	}
	// Posted and tested in one call, then polled: no thread waits in C for
	// long. MPI holds b until the send completes, so b is pinned meanwhile.
	pin := pinners.Get().(*runtime.Pinner)
	pinGo(pin, b.ptr)
	rc := postAndPoll(callSendPoll, callTest, &a)
	pin.Unpin()
	pinners.Put(pin)
	return mpiError(op, rc)
}

// Recv receives a message from rank src (or AnySource) with tag (or AnyTag)
// into b (MPI_Recv) and returns its Status. A message longer than b is an
// ErrTruncate error: b then holds its first len(b) elements, and nothing is
// written past b. A shorter one fills the front of b (Status.Count says how much).
func (c *Comm) Recv(b Buffer, src, tag int) (Status, error) {
	dt, err := c.checkRecv("Recv", b, src, tag)
	if err != nil {
		return Status{}, err
	}
	if src == ProcNull {
		return procNullStatus, nil
	}
	var a args // as in send
	a.rbuf, a.rn, a.dt, a.limit, a.peer, a.tag, a.comm = b.ptr, b.n, dt, int64(b.bytes()), src, tag, c.h
	if b.bytes() <= smallMessage && b.contiguous() {
		if a.stage = getStage(); a.stage != nil {
			rc := postAndPoll(callRecvStaged, callTest, &a)
			st := a.status()
			st.elemSize = b.unit()
			return st, finishStaged("Recv", a.stage, b, rc, st, false)
		}
	}
	rc := poll(callRecvPoll, &a)
	st := a.status()
	st.elemSize = b.unit()
	if rc == 0 && a.tooLong {
		return st, receiveTruncated("Recv", a.msg, b, st)
	}
	return st, mpiError("Recv", rc)
}

// receiveTruncated receives matched message msg, longer than b, into
// scratch memory, copies what fits into b (a contiguous one; a Typed b is
// left unchanged) and returns ErrTruncate.
func receiveTruncated(op string, msg msgHandle, b Buffer, st Status) error {
	scratch := make([]byte, st.bytes)
	a := args{rbuf: unsafe.Pointer(unsafe.SliceData(scratch)), rn: len(scratch), dt: byteType, msg: msg}
	if err := mpiError(op, run(callMrecv, &a)); err != nil {
		return err
	}
	if b.n > 0 && b.contiguous() {
		copy(unsafe.Slice((*byte)(b.ptr), b.bytes()), scratch)
	}
	return truncated(op, st, b)
}

// truncated is the ErrTruncate error of a message (st) longer than b.
func truncated(op string, st Status, b Buffer) error {
	return errorf(ClassTruncate, op, "message of %d bytes from rank %d (tag %d) truncated to the %d bytes of a %s",
		st.bytes, st.Source, st.Tag, b.bytes(), b)
}

// Sendrecv sends send to dest and receives recv from src in one step, so
// that pairs of ranks can exchange without deadlock (MPI_Sendrecv). It posts
// the send (MPI_Isend; its buffer pinned, or copied if small: see
// smallSend; no Request made), receives as Recv does (so a longer message is
// ErrTruncate and never overruns recv), then waits for the send. ProcNull on
// either side skips that side, as halo exchanges at a grid's edge do. Errors
// as for Send and Recv.
func (c *Comm) Sendrecv(send Buffer, dest, sendTag int, recv Buffer, src, recvTag int) (Status, error) {
	const op = "Sendrecv"
	if _, err := c.checkRecv(op, recv, src, recvTag); err != nil {
		return Status{}, err
	}
	dt, err := c.checkSend(op, send, dest, sendTag)
	if err != nil {
		return Status{}, err
	}
	if dest == ProcNull {
		return c.Recv(recv, src, recvTag)
	}
	var a args
	a.buf, a.n, a.dt, a.peer, a.tag, a.comm = send.ptr, send.n, dt, dest, sendTag, c.h
	post := callIsend
	var pin *runtime.Pinner
	if smallSend(send) {
		post, a.limit = callIsendCopy, int64(send.bytes())
	} else {
		pin = pinners.Get().(*runtime.Pinner)
		pinGo(pin, send.ptr)
	}
	st, err := Status{}, mpiError(op, run(post, &a))
	sendCopy := sendCopyOf(&a)
	rc := 0
	if err == nil {
		st, err = c.Recv(recv, src, recvTag)
		if rc = postAndPoll(callTest, callTest, &a); err == nil {
			err = mpiError(op, rc)
		}
	}
	if pin != nil {
		pin.Unpin()
		pinners.Put(pin)
	}
	if sendCopy != nil && rc != rcFinalized { // else MPI_Finalize may still read it
		rawFree(sendCopy)
	}
	return st, err
}

// Isendrecv starts sending send to dest and receiving recv from src in one
// Request (MPI_Isendrecv, MPI-4): the nonblocking Sendrecv, completed by
// Wait, Test or WaitAll, whose Status is the receive's. send is pinned and
// recv is handled as Irecv handles its buffer: up to 4 KiB through a
// staging area (a longer message is ErrTruncate, nothing written past
// recv), larger pinned and handed to MPI (see Irecv). ProcNull on either
// side skips that side. Errors as for Sendrecv; ErrUnsupported where the
// library has no MPI-4 (OpenMPI 4.1) or a wrong one (MPICH: see lib_mpich.go).
func (c *Comm) Isendrecv(send Buffer, dest, sendTag int, recv Buffer, src, recvTag int) (*Request, error) {
	return c.isendrecv("Isendrecv", send, dest, sendTag, recv, src, recvTag)
}

func (c *Comm) isendrecv(op string, send Buffer, dest, sendTag int, recv Buffer, src, recvTag int) (*Request, error) {
	rdt, err := c.checkRecv(op, recv, src, recvTag)
	if err != nil {
		return nil, err
	}
	dt, err := c.checkSend(op, send, dest, sendTag)
	if err != nil {
		return nil, err
	}
	if err := needMPI4(op, "MPI_Isendrecv"); err != nil {
		return nil, err
	}
	if isendrecvStatus != "" {
		return nil, errorf(ClassUnsupported, op, "%s", isendrecvStatus)
	}
	a := args{buf: send.ptr, n: send.n, dt: dt, peer: dest, tag: sendTag,
		rbuf: recv.ptr, rn: recv.n, rdt: rdt, src: src, rtag: recvTag, comm: c.h}
	call := callIsendrecv
	if recv.bytes() <= smallMessage && recv.contiguous() {
		if a.stage = getStage(); a.stage != nil {
			call = callIsendrecvStaged
		}
	}
	return start(op, call, &a, reqRecv, recv)
}

// Isend starts sending b (MPI_Isend). b is pinned and must not be modified
// until the Request completes; a b of up to 256 contiguous bytes is copied
// instead, and may be reused at once (see smallSend). Errors as for Send.
func (c *Comm) Isend(b Buffer, dest, tag int) (*Request, error) {
	return c.isend("Isend", b, dest, tag, false)
}

// Issend starts a synchronous send (MPI_Issend).
func (c *Comm) Issend(b Buffer, dest, tag int) (*Request, error) {
	return c.isend("Issend", b, dest, tag, true)
}

func (c *Comm) isend(op string, b Buffer, dest, tag int, sync bool) (*Request, error) {
	dt, err := c.checkSend(op, b, dest, tag)
	if err != nil {
		return nil, err
	}
	a := args{buf: b.ptr, n: b.n, dt: dt, peer: dest, tag: tag, comm: c.h, sync: sync}
	if !sync && smallSend(b) {
		a.limit = int64(b.bytes())
		rc := run(callIsendCopy, &a)
		r := &Request{op: op, kind: reqSend, h: a.req, sendCopy: sendCopyOf(&a)}
		if err := mpiError(op, rc); err != nil {
			r.release()
			return nil, err
		}
		if a.flag {
			r.complete(0, Status{})
		}
		return r, nil
	}
	return start(op, callIsend, &a, reqSend, Buffer{})
}

// smallSend reports whether a send of b goes from a copy in C memory
// (callIsendCopy): up to smallSendCopy contiguous bytes.
func smallSend(b Buffer) bool { return b.bytes() <= smallSendCopy && b.contiguous() }

// smallSendCopy is the largest send made from a copy in C memory: up to it
// OpenMPI's shared memory sends inline, so the copy is freed in the same
// call, and copying costs less than pinning the Go buffer.
const smallSendCopy = 256

// sendCopyOf is the copy callIsendCopy left in a.copy (nil: none, the send
// completed in the call).
func sendCopyOf(a *args) unsafe.Pointer {
	if a.copy == 0 {
		return nil
	}
	return unsafe.Add(nil, uintptr(a.copy)) // C memory
}

// Irecv starts receiving into b (MPI_Irecv); b must not be read or modified
// until the Request completes. A buffer of up to 4 KiB is received through
// a staging area and filled when Wait, Test or WaitAll completes the
// Request: a longer message is then ErrTruncate, with b holding its first
// len(b) elements and nothing written past b, as with Recv. A larger b is
// pinned and handed to MPI, which matches the message itself, so Irecv cannot
// guard it: OpenMPI 4.1 writes past the end of b when a message above its
// eager limit (4 KiB over shared memory, 64 KiB over TCP) is longer than b,
// then reports ErrTruncate; and it truncates a message a rank sends to itself
// silently (the Status counts what fit). Post such an Irecv only with a buffer
// as large as any message that can match it; use Recv, RecvSlice or Mprobe
// where the size is not known.
func (c *Comm) Irecv(b Buffer, src, tag int) (*Request, error) {
	return c.irecv("Irecv", callIrecv, b, src, tag)
}

// irecv makes the request of a receive into b, posted (callIrecv) or
// persistent (callRecvInit): staged up to smallMessage, else pinned.
func (c *Comm) irecv(op string, call rawCall, b Buffer, src, tag int) (*Request, error) {
	dt, err := c.checkRecv(op, b, src, tag)
	if err != nil {
		return nil, err
	}
	if src == ProcNull { // complete at once; handled here, alike for every MPI library
		return &Request{op: op, kind: reqRecv, h: requestNull, done: true, st: procNullStatus}, nil
	}
	a := args{rbuf: b.ptr, rn: b.n, dt: dt, peer: src, tag: tag, comm: c.h}
	if b.bytes() <= smallMessage && b.contiguous() {
		if a.stage = getStage(); a.stage != nil {
			call = stagedForm(call)
		}
	}
	return start(op, call, &a, reqRecv, b)
}

// stagedForm is the call that posts receive call into a staging area.
func stagedForm(call rawCall) rawCall {
	if call == callRecvInit {
		return callRecvInitStaged
	}
	return callIrecvStaged
}

// Probe waits for a message from src with tag and returns its Status
// without receiving it (MPI_Probe). With several receiving goroutines, another
// may take the message first: use Mprobe instead.
func (c *Comm) Probe(src, tag int) (Status, error) {
	if err := c.checkProbe("Probe", src, tag); err != nil {
		return Status{}, err
	}
	a := args{peer: src, tag: tag, comm: c.h}
	rc := poll(callIprobe, &a)
	return a.status(), mpiError("Probe", rc)
}

// Iprobe reports whether a message from src with tag is waiting, and its Status (MPI_Iprobe).
func (c *Comm) Iprobe(src, tag int) (Status, bool, error) {
	if err := c.checkProbe("Iprobe", src, tag); err != nil {
		return Status{}, false, err
	}
	a := args{peer: src, tag: tag, comm: c.h}
	rc := run(callIprobe, &a)
	return a.status(), a.flag, mpiError("Iprobe", rc)
}

// Message is a message matched by Mprobe or Improbe: it is removed from
// matching, so only Message.Recv can receive it, whatever other goroutines do.
type Message struct {
	h        msgHandle
	st       Status
	received atomic.Bool
}

// Status returns the matched message's Status (Count in bytes).
func (m *Message) Status() Status { return m.st }

// Mprobe waits for a message from src with tag and matches it (MPI_Mprobe),
// so that its size can be read before it is received with Message.Recv.
func (c *Comm) Mprobe(src, tag int) (*Message, error) {
	if err := c.checkProbe("Mprobe", src, tag); err != nil {
		return nil, err
	}
	return c.mprobeUntil(src, tag, nil)
}

// mprobeUntil is Mprobe, its arguments checked, giving up (errGaveUp) when
// done closes (nil: never).
func (c *Comm) mprobeUntil(src, tag int, done <-chan struct{}) (*Message, error) {
	a := args{peer: src, tag: tag, comm: c.h, done: done}
	rc := poll(callImprobe, &a)
	if rc == rcGaveUp {
		return nil, errGaveUp
	}
	if err := mpiError("Mprobe", rc); err != nil {
		return nil, err
	}
	return &Message{h: a.msg, st: a.status()}, nil
}

// Improbe matches a waiting message from src with tag, if there is one (MPI_Improbe).
func (c *Comm) Improbe(src, tag int) (*Message, bool, error) {
	if err := c.checkProbe("Improbe", src, tag); err != nil {
		return nil, false, err
	}
	a := args{peer: src, tag: tag, comm: c.h}
	if err := mpiError("Improbe", run(callImprobe, &a)); err != nil || !a.flag {
		return nil, false, err
	}
	return &Message{h: a.msg, st: a.status()}, true, nil
}

// Recv receives the matched message into b (MPI_Mrecv). A Message can be
// received once. A message longer than b is ErrTruncate, with b holding
// what fits and nothing written past it; the message is consumed.
func (m *Message) Recv(b Buffer) (Status, error) {
	if m == nil {
		return Status{}, errorf(ClassRequest, "Message.Recv", "nil message")
	}
	if err := checkState("Message.Recv"); err != nil {
		return Status{}, err
	}
	dt, err := b.checkRecvBuf("Message.Recv")
	if err != nil {
		return Status{}, err
	}
	if m.received.Swap(true) {
		return Status{}, errorf(ClassRequest, "Message.Recv", "message already received")
	}
	st := m.st
	st.elemSize = b.unit()
	if st.bytes > int64(b.bytes()) {
		return st, receiveTruncated("Message.Recv", m.h, b, st)
	}
	a := args{rbuf: b.ptr, rn: b.n, dt: dt, msg: m.h}
	return st, mpiError("Message.Recv", run(callMrecv, &a))
}

// RecvSlice receives a message of any length from src with tag into a new
// slice of the right length. The message is matched first (MPI_Improbe), and
// one of up to 4 KiB received in the same call, into pooled scratch memory,
// then copied (an RecvValue costs one cgo call); a larger one is received
// into the new slice (MPI_Mrecv). The message must be a whole number of T
// (ErrTruncate otherwise).
func RecvSlice[T any](c *Comm, src, tag int) ([]T, Status, error) {
	t := typeOf[T]()
	if t.err != nil {
		return nil, Status{}, t.typeErr("RecvSlice")
	}
	if err := c.checkProbe("RecvSlice", src, tag); err != nil {
		return nil, Status{}, err
	}
	if src == ProcNull {
		return []T{}, procNullStatus, nil
	}
	if t.data != t.size { // a struct with padding: the message is not its memory
		return recvSliceTyped[T](c, t, src, tag)
	}
	return recvBytesAs[T](c, t, src, tag, nil)
}

// errGaveUp is a wait that its done channel ended (context.go says why).
var errGaveUp = errors.New("gave up")

// recvBytesAs is RecvSlice of plain T, giving up (errGaveUp) when done
// closes, before anything is received.
func recvBytesAs[T any](c *Comm, t *elemType, src, tag int, done <-chan struct{}) ([]T, Status, error) {
	scratch := scratchBufs.Get().(*[smallMessage]byte)
	defer scratchBufs.Put(scratch)
	a := args{rbuf: unsafe.Pointer(scratch), rn: smallMessage, dt: byteType, limit: smallMessage, peer: src, tag: tag, comm: c.h, done: done}
	rc := poll(callRecvPoll, &a)
	st := a.status()
	st.elemSize = int(t.size)
	if rc == rcGaveUp {
		return nil, Status{}, errGaveUp
	}
	if rc != 0 {
		return nil, st, mpiError("RecvSlice", rc)
	}
	size := int64(t.size)
	buf := make([]T, (st.bytes+size-1)/size)
	whole := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(buf))), st.bytes)
	if a.tooLong {
		m := args{rbuf: unsafe.Pointer(unsafe.SliceData(whole)), rn: len(whole), dt: byteType, msg: a.msg}
		if err := mpiError("RecvSlice", run(callMrecv, &m)); err != nil {
			return nil, st, err
		}
	} else {
		copy(whole, scratch[:])
	}
	if st.bytes%size != 0 {
		return buf[:st.bytes/size], st, errorf(ClassTruncate, "RecvSlice", "message of %d bytes is not a whole number of %s", st.bytes, t.name)
	}
	return buf, st, nil
}

// scratchBufs holds the scratch memory of RecvSlice's small messages.
var scratchBufs = sync.Pool{New: func() any { return new([smallMessage]byte) }}

// recvSliceTyped is RecvSlice for element types whose messages are not
// their memory: matched, then received into a new slice with the datatype.
func recvSliceTyped[T any](c *Comm, t *elemType, src, tag int) ([]T, Status, error) {
	m, err := c.Mprobe(src, tag)
	if err != nil {
		return nil, Status{}, err
	}
	size := int64(t.data)
	buf := make([]T, m.st.bytes/size)
	st, err := m.Recv(Buf(buf))
	if err == nil && st.bytes%size != 0 {
		err = errorf(ClassTruncate, "RecvSlice", "message of %d bytes is not a whole number of %s", st.bytes, t.name)
	}
	return buf, st, err
}
