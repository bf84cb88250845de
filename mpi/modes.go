package mpi

import (
	"errors"
	"runtime"
	"sync"
	"unsafe"
)

// The other send modes and the rest of point-to-point: buffered sends
// (MPI_Bsend, from a buffer attached to MPI), ready sends (MPI_Rsend, for a
// receive known to be posted), SendrecvReplace, the nonblocking receive of a
// matched message, and WaitSome, TestSome and TestAny.

// BsendOverhead is the bytes MPI needs in the attached buffer per buffered
// message, on top of its data (MPI_BSEND_OVERHEAD).
func BsendOverhead() int { return bsendOverhead }

var bsendBuffer struct {
	sync.Mutex
	p unsafe.Pointer // C memory: MPI keeps it past the call
	n int
}

// AttachBuffer gives MPI a buffer of size bytes for buffered sends
// (MPI_Buffer_attach), in C memory the binding allocates; each Bsend copies
// its message there, plus BsendOverhead(). One buffer at a time
// (ErrBuffer if one is attached).
func AttachBuffer(size int) error {
	if err := checkState("AttachBuffer"); err != nil {
		return err
	}
	if size <= 0 || size > maxCount {
		return errorf(ClassArg, "AttachBuffer", "size %d out of range [1, %d]", size, maxCount)
	}
	bsendBuffer.Lock()
	defer bsendBuffer.Unlock()
	if bsendBuffer.p != nil {
		return errorf(ClassBuffer, "AttachBuffer", "a buffer of %d bytes is attached already (DetachBuffer first)", bsendBuffer.n)
	}
	p := rawMalloc(size)
	if p == nil {
		return errorf(ClassNoMem, "AttachBuffer", "cannot allocate %d bytes", size)
	}
	if err := mpiError("AttachBuffer", mpiBufferAttach(p, size)); err != nil {
		rawFree(p)
		return err
	}
	bsendBuffer.p, bsendBuffer.n = p, size
	return nil
}

// DetachBuffer waits until every buffered message has left the attached
// buffer, then takes it back from MPI and frees it (MPI_Buffer_detach).
func DetachBuffer() error {
	if err := checkState("DetachBuffer"); err != nil {
		return err
	}
	bsendBuffer.Lock()
	defer bsendBuffer.Unlock()
	if bsendBuffer.p == nil {
		return errorf(ClassBuffer, "DetachBuffer", "no buffer is attached")
	}
	var p unsafe.Pointer
	var n int
	if err := mpiError("DetachBuffer", mpiBufferDetach(&p, &n)); err != nil {
		return err
	}
	rawFree(bsendBuffer.p)
	bsendBuffer.p, bsendBuffer.n = nil, 0
	return nil
}

// Bsend sends b in buffered mode (MPI_Bsend): the message is copied into the
// attached buffer (AttachBuffer) and Bsend returns at once. No attached
// buffer is ErrBuffer, and so, from MPI, is too little room in it. Errors
// otherwise as for Send.
func (c *Comm) Bsend(b Buffer, dest, tag int) error {
	a, err := c.modeArgs("Bsend", b, dest, tag, true)
	if err != nil || dest == ProcNull {
		return err
	}
	return mpiError("Bsend", run(callBsend, &a))
}

// Ibsend starts a buffered send (MPI_Ibsend).
func (c *Comm) Ibsend(b Buffer, dest, tag int) (*Request, error) {
	return c.imode("Ibsend", callIbsend, b, dest, tag)
}

// Rsend sends b in ready mode (MPI_Rsend): the matching receive must already
// be posted, or the send is erroneous (MPI may then lose the message); it can
// save a handshake for large messages. Errors as for Send.
func (c *Comm) Rsend(b Buffer, dest, tag int) error {
	r, err := c.imode("Rsend", callIrsend, b, dest, tag)
	if err != nil {
		return err
	}
	_, err = r.Wait()
	return err
}

// Irsend starts a ready-mode send (MPI_Irsend).
func (c *Comm) Irsend(b Buffer, dest, tag int) (*Request, error) {
	return c.imode("Irsend", callIrsend, b, dest, tag)
}

// BsendInit makes a persistent buffered send (MPI_Bsend_init): each Start
// copies what b holds into the attached buffer (AttachBuffer; none attached
// when it is made is ErrBuffer). b is pinned until Free. Errors as for Bsend.
func (c *Comm) BsendInit(b Buffer, dest, tag int) (*Request, error) {
	return c.modeInit("BsendInit", callBsendInit, b, dest, tag)
}

// RsendInit makes a persistent ready-mode send (MPI_Rsend_init): at each
// Start the matching receive must be posted already. Errors as for Rsend.
func (c *Comm) RsendInit(b Buffer, dest, tag int) (*Request, error) {
	return c.modeInit("RsendInit", callRsendInit, b, dest, tag)
}

// modeInit makes persistent send call (callBsendInit, callRsendInit).
func (c *Comm) modeInit(op string, call rawCall, b Buffer, dest, tag int) (*Request, error) {
	a, err := c.modeArgs(op, b, dest, tag, call == callBsendInit)
	if err != nil {
		return nil, err
	}
	if dest == ProcNull { // each Start completes at once, as Send
		return &Request{op: op, kind: reqSend, h: requestNull, done: true, persistent: true}, nil
	}
	return persistent(start(op, call, &a, reqSend, Buffer{}))
}

// imode posts send call (callIbsend, callIrsend).
func (c *Comm) imode(op string, call rawCall, b Buffer, dest, tag int) (*Request, error) {
	a, err := c.modeArgs(op, b, dest, tag, call == callIbsend)
	if err != nil {
		return nil, err
	}
	if dest == ProcNull {
		return &Request{op: op, kind: reqSend, h: requestNull, done: true}, nil
	}
	return start(op, call, &a, reqSend, Buffer{})
}

func (c *Comm) modeArgs(op string, b Buffer, dest, tag int, buffered bool) (args, error) {
	dt, err := c.checkSend(op, b, dest, tag)
	if err == nil && buffered {
		bsendBuffer.Lock()
		if bsendBuffer.p == nil { // OpenMPI would send a small message anyway, a large one not
			err = errorf(ClassBuffer, op, "no buffer is attached (AttachBuffer)")
		}
		bsendBuffer.Unlock()
	}
	return args{buf: b.ptr, n: b.n, dt: dt, peer: dest, tag: tag, comm: c.h}, err
}

// SendrecvReplace sends b to dest and receives into b from src
// (MPI_Sendrecv_replace): the message sent is a copy of b taken first (a
// Typed b is packed), so b can take the reply. Errors as for Sendrecv.
func (c *Comm) SendrecvReplace(b Buffer, dest, sendTag, src, recvTag int) (Status, error) {
	const op = "SendrecvReplace"
	if _, err := c.checkRecv(op, b, src, recvTag); err != nil {
		return Status{}, err
	}
	if _, err := c.checkSend(op, b, dest, sendTag); err != nil {
		return Status{}, err
	}
	out, err := c.copyToSend(b)
	if err != nil {
		return Status{}, err
	}
	st, err := c.Sendrecv(out, dest, sendTag, b, src, recvTag)
	runtime.KeepAlive(out.ptr)
	return st, err
}

// IsendrecvReplace starts a SendrecvReplace (MPI-4's MPI_Isendrecv_replace,
// made as MPI_Isendrecv from a copy of b taken first, so that the reply is
// received as Isendrecv receives: never past the end of b). b must not be
// touched until the Request completes. Errors as for SendrecvReplace;
// ErrUnsupported where Isendrecv is.
func (c *Comm) IsendrecvReplace(b Buffer, dest, sendTag, src, recvTag int) (*Request, error) {
	const op = "IsendrecvReplace"
	if _, err := c.checkRecv(op, b, src, recvTag); err != nil {
		return nil, err
	}
	if _, err := c.checkSend(op, b, dest, sendTag); err != nil {
		return nil, err
	}
	if err := needMPI4(op, "MPI_Isendrecv_replace"); err != nil {
		return nil, err
	}
	out, err := c.copyToSend(b)
	if err != nil {
		return nil, err
	}
	return c.isendrecv(op, out, dest, sendTag, b, src, recvTag) // the Request pins the copy until it completes
}

// copyToSend returns a copy of b to send while b receives (a Typed b is
// packed: received as b's datatype, as MPI allows).
func (c *Comm) copyToSend(b Buffer) (Buffer, error) {
	if b.contiguous() {
		copied := make([]byte, b.bytes())
		if b.n > 0 {
			copy(copied, unsafe.Slice((*byte)(b.ptr), b.bytes()))
		}
		return Buffer{ptr: unsafe.Pointer(unsafe.SliceData(copied)), n: b.n, t: b.t}, nil
	}
	size, err := PackSize(b, c)
	if err != nil {
		return Buffer{}, err
	}
	packed := make([]byte, size)
	n, err := Pack(b, packed, 0, c)
	if err != nil {
		return Buffer{}, err
	}
	return Buffer{ptr: unsafe.Pointer(unsafe.SliceData(packed)), n: n, t: typeOf[byte](), dt: packedDatatype(), span: n}, nil
}

var packedDT struct {
	sync.Once
	d *Datatype
}

// packedDatatype is MPI_PACKED, one byte of packed data.
func packedDatatype() *Datatype {
	packedDT.Do(func() {
		packedDT.d = &Datatype{h: packedType, name: "MPI_PACKED", size: 1, extent: 1, trueExtent: 1, predefined: true,
			layout: []span{{0, 1}}}
	})
	return packedDT.d
}

// Irecv starts the receive of the matched message into b (MPI_Imrecv). Its
// size is known, so a message longer than b is received at once into scratch
// memory and the Request completes with ErrTruncate (b holding what fits of
// a contiguous one); otherwise b is pinned and handed to MPI.
func (m *Message) Irecv(b Buffer) (*Request, error) {
	const op = "Message.Irecv"
	if m == nil {
		return nil, errorf(ClassRequest, op, "nil message")
	}
	if err := checkState(op); err != nil {
		return nil, err
	}
	dt, err := b.checkRecvBuf(op)
	if err != nil {
		return nil, err
	}
	if m.received.Swap(true) {
		return nil, errorf(ClassRequest, op, "message already received")
	}
	st := m.st
	st.elemSize = b.unit()
	if st.bytes > int64(b.bytes()) {
		err := receiveTruncated(op, m.h, b, st)
		return &Request{op: op, kind: reqRecv, h: requestNull, done: true, st: st, err: err}, nil
	}
	a := args{rbuf: b.ptr, rn: b.n, dt: dt, msg: m.h}
	return start(op, callImrecv, &a, reqRecv, b)
}

// TestAny tests the pending requests once each, in order, and returns the
// index of the first that completed, with its Status and error (MPI_Testany);
// ok is false, and index -1, if none did. nil requests are skipped.
func TestAny(reqs ...*Request) (index int, ok bool, st Status, err error) {
	for i, r := range reqs {
		if r == nil || r.isDone() {
			continue
		}
		if done, st, err := r.Test(); done {
			return i, true, st, err
		}
	}
	return -1, false, Status{}, nil
}

// TestSome tests the pending requests once each and returns the indices of
// those that completed now, and their errors joined (MPI_Testsome).
func TestSome(reqs ...*Request) ([]int, error) {
	done, _, err := testSome(reqs)
	return done, err
}

func testSome(reqs []*Request) (done []int, pending int, err error) {
	var errs []error
	for i, r := range reqs {
		if r == nil || r.isDone() {
			continue
		}
		pending++
		if ok, _, e := r.Test(); ok {
			done = append(done, i)
			if e != nil {
				errs = append(errs, e)
			}
		}
	}
	return done, pending, errors.Join(errs...)
}

// WaitSome waits until at least one pending request completes and returns
// the indices of those that completed, and their errors joined
// (MPI_Waitsome); nil if none was pending.
func WaitSome(reqs ...*Request) ([]int, error) {
	for {
		done, pending, err := testSome(reqs)
		if len(done) > 0 || pending == 0 {
			return done, err
		}
		if err := checkState("WaitSome"); err != nil {
			return nil, err
		}
		runtime.Gosched()
	}
}
