package mpi

// The raw layer: the only file that calls C (with callback.go, which C calls).
// Every MPI operation is one Go function here of the form func(*args) int,
// taking its operands from an args record and returning the MPI return code,
// so that exec.go can run any of them directly, under a lock, or on the
// thread that called Init, without a closure per call.

/*
#cgo pkg-config: ompi-c
#cgo noescape mpigo_init
#cgo noescape mpigo_tag_ub
#cgo noescape mpigo_error_string
#cgo noescape mpigo_comm_info
#cgo noescape mpigo_comm_split
#cgo noescape mpigo_comm_split_shared
#cgo noescape mpigo_send
#cgo noescape mpigo_recv_poll
#cgo noescape mpigo_improbe
#cgo noescape mpigo_iprobe
#cgo noescape mpigo_mrecv
#cgo noescape mpigo_test
#cgo noescape mpigo_cancel
#cgo noescape mpigo_request_free
#cgo noescape mpigo_type_contiguous
#cgo noescape mpigo_op_create
#cgo nocallback mpigo_tag_ub
#cgo nocallback mpigo_error_string
#cgo nocallback mpigo_error_class
#cgo nocallback mpigo_class_kind
#cgo nocallback mpigo_comm_info
#cgo nocallback mpigo_datatype
#cgo nocallback mpigo_op
#include "raw.h"
*/
import "C"

import (
	"unsafe"
)

// Library handles. They are pointers in OpenMPI and integers in MPICH; nothing
// outside this file looks inside them.
type (
	commHandle  = C.MPI_Comm
	dtypeHandle = C.MPI_Datatype
	opHandle    = C.MPI_Op
	reqHandle   = C.MPI_Request
	msgHandle   = C.MPI_Message
)

// Handles of the library's predefined objects, looked up once.
var (
	commWorld    = C.mpigo_comm_world()
	commSelf     = C.mpigo_comm_self()
	commNull     = C.mpigo_comm_null()
	requestNull  = C.mpigo_request_null()
	messageNoProc = C.mpigo_message_no_proc()
	byteType     = C.mpigo_byte()
)

func rawDatatype(k kind) dtypeHandle { return C.mpigo_datatype(C.int(k)) }
func rawOp(k opKind) opHandle        { return C.mpigo_op(C.int(k)) }

// args carries the operands of one raw call and its results (flag, st).
type args struct {
	buf, rbuf      unsafe.Pointer // send and receive buffers (Go memory, heap or pinned)
	n, rn          int            // element counts, already checked to fit a C int
	dt             dtypeHandle
	counts, displs []cint // v-collectives: send side (or the only side)
	rcounts, rdisp []cint // alltoallv: receive side
	peer, tag      int     // rank (Go sentinels), tag
	root           int
	inPlace, sync  bool
	reduce         int // reduction call: see mpigo_reduce
	op             opHandle
	comm           commHandle
	req            *reqHandle // nil: the blocking form of a collective
	msg            msgHandle
	budget         int64 // nanoseconds a polling call may spin in C

	flag bool          // result: completed / matched
	st   C.mpigo_status // result: status of a completed receive or probe
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func cints(v []int) []C.int {
	out := make([]C.int, len(v))
	for i, x := range v {
		out[i] = C.int(x)
	}
	return out
}

func cptr(v []C.int) *C.int {
	if len(v) == 0 {
		return nil
	}
	return &v[0]
}

func (a *args) status() Status {
	return Status{Source: int(a.st.source), Tag: int(a.st.tag), bytes: int64(a.st.bytes), cancelled: a.st.cancelled != 0}
}

// ---- environment ----

// rawInit initializes MPI with thread level a.tag (a ThreadLevel) and sets a.tag to the level provided.
func rawInit(a *args) int {
	var provided C.int
	rc := C.mpigo_init(C.mpigo_thread_level(C.int(a.tag)), &provided)
	a.tag = int(C.mpigo_thread_kind(provided))
	return int(rc)
}

func rawFinalize(*args) int { return int(C.MPI_Finalize()) }

func rawInitialized() (initialized, finalized bool) {
	var i, f C.int
	C.MPI_Initialized(&i)
	C.MPI_Finalized(&f)
	return i != 0, f != 0
}

// rawTagUB sets a.tag to the largest valid tag.
func rawTagUB(a *args) int {
	var ub C.int
	rc := C.mpigo_tag_ub(&ub)
	a.tag = int(ub)
	return int(rc)
}

func rawWtime() float64 { return float64(C.MPI_Wtime()) }
func rawWtick() float64 { return float64(C.MPI_Wtick()) }
func rawAbort(c commHandle, code int) int { return int(C.MPI_Abort(c, C.int(code))) }

// rawCommInfo sets a.root to the rank of the caller in a.comm and a.n to its size.
func rawCommInfo(a *args) int {
	var r, s C.int
	rc := C.mpigo_comm_info(a.comm, &r, &s)
	a.root, a.n = int(r), int(s)
	return int(rc)
}

// stringBufSize exceeds MPI_MAX_ERROR_STRING, MPI_MAX_PROCESSOR_NAME and MPI_MAX_LIBRARY_VERSION_STRING.
const stringBufSize = 8192

// rawProcessorName and rawLibraryVersion return their string in a.rbuf's
// []byte (a.rn bytes long), its length in a.n.
func rawProcessorName(a *args) int {
	var n C.int
	rc := C.MPI_Get_processor_name((*C.char)(a.rbuf), &n)
	a.n = int(n)
	return int(rc)
}

func rawLibraryVersion(a *args) int {
	var n C.int
	rc := C.MPI_Get_library_version((*C.char)(a.rbuf), &n)
	a.n = int(n)
	return int(rc)
}

// rawErrorInfo returns our class number (see Class) and the library's message for an MPI error code.
func rawErrorInfo(code int) (Class, string) {
	cls := C.mpigo_error_class(C.int(code))
	buf := make([]byte, stringBufSize)
	var n C.int
	if C.mpigo_error_string(C.int(code), (*C.char)(unsafe.Pointer(&buf[0])), &n) != 0 {
		n = 0
	}
	return Class(C.mpigo_class_kind(cls)), string(buf[:n])
}

// ---- communicators ----

func rawCommDup(a *args) int {
	var out commHandle
	rc := C.MPI_Comm_dup(a.comm, &out)
	a.comm = out
	return int(rc)
}

// rawCommSplit splits a.comm by color a.peer (negative: none) and key a.tag;
// a.sync selects the split by shared-memory node instead.
func rawCommSplit(a *args) int {
	var out commHandle
	var rc C.int
	if a.sync {
		rc = C.mpigo_comm_split_shared(a.comm, C.int(a.tag), &out)
	} else {
		rc = C.mpigo_comm_split(a.comm, C.int(a.peer), C.int(a.tag), &out)
	}
	a.comm = out
	return int(rc)
}

func rawCommFree(a *args) int { return int(C.MPI_Comm_free(&a.comm)) }

func rawSetErrorsReturn(a *args) int {
	return int(C.MPI_Comm_set_errhandler(a.comm, C.MPI_ERRORS_RETURN))
}

// ---- point-to-point ----

func rawSend(a *args) int {
	return int(C.mpigo_send(a.buf, C.int(a.n), a.dt, C.int(a.peer), C.int(a.tag), a.comm, cbool(a.sync)))
}

func rawIsend(a *args) int {
	return int(C.mpigo_isend(a.buf, C.int(a.n), a.dt, C.int(a.peer), C.int(a.tag), a.comm, cbool(a.sync), a.req))
}

func rawIrecv(a *args) int {
	return int(C.mpigo_irecv(a.rbuf, C.int(a.rn), a.dt, C.int(a.peer), C.int(a.tag), a.comm, a.req))
}

func rawRecvPoll(a *args) int {
	var flag C.int
	rc := C.mpigo_recv_poll(a.rbuf, C.int(a.rn), a.dt, C.int(a.peer), C.int(a.tag), a.comm, C.longlong(a.budget), &flag, &a.st)
	a.flag = flag != 0
	return int(rc)
}

func rawImprobe(a *args) int {
	var flag C.int
	rc := C.mpigo_improbe(C.int(a.peer), C.int(a.tag), a.comm, C.longlong(a.budget), &flag, &a.msg, &a.st)
	a.flag = flag != 0
	return int(rc)
}

func rawIprobe(a *args) int {
	var flag C.int
	rc := C.mpigo_iprobe(C.int(a.peer), C.int(a.tag), a.comm, &flag, &a.st)
	a.flag = flag != 0
	return int(rc)
}

func rawMrecv(a *args) int {
	return int(C.mpigo_mrecv(a.rbuf, C.int(a.rn), a.dt, &a.msg, &a.st))
}

// ---- requests ----

func rawTest(a *args) int {
	var flag C.int
	rc := C.mpigo_test(a.req, C.longlong(a.budget), &flag, &a.st)
	a.flag = flag != 0
	return int(rc)
}

func rawCancel(a *args) int      { return int(C.mpigo_cancel(a.req)) }
func rawRequestFree(a *args) int { return int(C.mpigo_request_free(a.req)) }

// ---- collectives (a.req nil: blocking) ----

func rawBarrier(a *args) int { return int(C.mpigo_barrier(a.comm, a.req)) }

func rawBcast(a *args) int {
	return int(C.mpigo_bcast(a.buf, C.int(a.n), a.dt, C.int(a.root), a.comm, a.req))
}

func rawScatter(a *args) int {
	return int(C.mpigo_scatter(a.buf, C.int(a.n), a.rbuf, C.int(a.rn), a.dt, cbool(a.inPlace), C.int(a.root), a.comm, a.req))
}

func rawScatterv(a *args) int {
	return int(C.mpigo_scatterv(a.buf, cptr(a.counts), cptr(a.displs), a.rbuf, C.int(a.rn), a.dt, cbool(a.inPlace), C.int(a.root), a.comm, a.req))
}

func rawGather(a *args) int {
	return int(C.mpigo_gather(a.buf, C.int(a.n), a.rbuf, C.int(a.rn), a.dt, cbool(a.inPlace), C.int(a.root), a.comm, a.req))
}

func rawGatherv(a *args) int {
	return int(C.mpigo_gatherv(a.buf, C.int(a.n), a.rbuf, cptr(a.counts), cptr(a.displs), a.dt, cbool(a.inPlace), C.int(a.root), a.comm, a.req))
}

func rawAllgather(a *args) int {
	return int(C.mpigo_allgather(a.buf, C.int(a.n), a.rbuf, C.int(a.rn), a.dt, cbool(a.inPlace), a.comm, a.req))
}

func rawAllgatherv(a *args) int {
	return int(C.mpigo_allgatherv(a.buf, C.int(a.n), a.rbuf, cptr(a.counts), cptr(a.displs), a.dt, cbool(a.inPlace), a.comm, a.req))
}

func rawAlltoall(a *args) int {
	return int(C.mpigo_alltoall(a.buf, C.int(a.n), a.rbuf, C.int(a.rn), a.dt, cbool(a.inPlace), a.comm, a.req))
}

func rawAlltoallv(a *args) int {
	return int(C.mpigo_alltoallv(a.buf, cptr(a.counts), cptr(a.displs), a.rbuf, cptr(a.rcounts), cptr(a.rdisp), a.dt, cbool(a.inPlace), a.comm, a.req))
}

func rawReduce(a *args) int {
	return int(C.mpigo_reduce(C.int(a.reduce), a.buf, a.rbuf, C.int(a.n), a.dt, a.op, cbool(a.inPlace), C.int(a.root), a.comm, a.req))
}

// ---- datatypes and ops ----

// rawTypeContiguous makes a.dt the committed type of a.n consecutive a.dt.
func rawTypeContiguous(a *args) int {
	var out dtypeHandle
	rc := C.mpigo_type_contiguous(C.int(a.n), a.dt, &out)
	a.dt = out
	return int(rc)
}

// rawOpCreate makes a.op a user-defined op calling trampoline a.peer; a.sync: commutative.
func rawOpCreate(a *args) int {
	var out opHandle
	rc := C.mpigo_op_create(C.int(a.peer), cbool(a.sync), &out)
	a.op = out
	return int(rc)
}

func rawOpFree(a *args) int { return int(C.MPI_Op_free(&a.op)) }

const userOpSlots = C.MPIGO_OP_SLOTS

// cint is C's int, for counts and displacements of the v-collectives.
type cint = C.int
