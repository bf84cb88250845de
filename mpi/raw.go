package mpi

// The raw layer: the only file that calls C (with callback.go, which C calls).
// Every MPI operation is one raw call here: it takes its operands from an
// args record, returns the MPI return code, and is named by a rawCall number,
// so that exec.go can run any of them directly, under a lock, or on the
// thread that called Init. Calls are dispatched by a switch, not through
// function values: a call through a function value would make every args
// record escape to the heap, an allocation per MPI call. For the same reason
// no raw call passes C a pointer into its args: the C wrappers on the paths
// taken per message return their results by value (see mpigo_res in raw.h), so
// no #cgo noescape or nocallback is needed, or used: cgo only keeps arguments
// off the heap when both are set, and nocallback would be wrong on every call
// that drives MPI's progress engine, where a pending nonblocking collective's
// user-defined reduction (a Go function) can run.
//
// Buffers. Point-to-point calls and collectives pass their message buffers
// to C as addresses (addr), not pointers: cgocheck's scan of a pointer
// argument costs 30–60 ns a call here, and it can only find what the binding rules out anyway, since
// every buffer's element type is pointer-free (types.go) and Go values travel
// encoded. A blocking call's buffer stays reachable through its args record,
// which do keeps alive until C returns; a nonblocking call's is pinned (start).
// Staging areas are C memory, passed to C as addresses too.

/*
#include "raw.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Library handles, as integers (mpigo_h in raw.h): they are pointers in
// OpenMPI and ints in MPICH, and cgo would check every pointer argument.
// Nothing outside this file looks inside them.
type (
	commHandle  = C.mpigo_h
	dtypeHandle = C.mpigo_h
	opHandle    = C.mpigo_h
	reqHandle   = C.mpigo_h
	msgHandle   = C.mpigo_h
	cint        = C.int // counts and displacements of the v-collectives
)

// Handles of the library's predefined objects, looked up once.
var (
	commWorld   = C.mpigo_comm_world()
	commSelf    = C.mpigo_comm_self()
	commNull    = C.mpigo_comm_null()
	requestNull = C.mpigo_request_null()
	byteType    = C.mpigo_byte()
)

const userOpSlots = C.MPIGO_OP_SLOTS

func rawDatatype(k kind) dtypeHandle { return C.mpigo_datatype(C.int(k)) }
func rawOp(k opKind) opHandle        { return C.mpigo_op(C.int(k)) }

// args carries the operands of one raw call and its results. It is built on
// the caller's stack for every call, so what only some calls need sits
// behind pointers (parts, batch) and it stays small (192 bytes).
type args struct {
	buf, rbuf unsafe.Pointer // send and receive buffers (Go memory, heap or pinned)
	n, rn     int            // element counts, already checked to fit a C int
	dt        dtypeHandle
	rdt       dtypeHandle // collectives: the receive side's datatype (0: dt)
	comm      commHandle
	peer, tag int // rank (Go sentinels, see p2p.go), tag
	root      int
	reduce    int // which reduction: see mpigo_reduce
	op        opHandle
	req       reqHandle // the request posted, or tested
	msg       msgHandle
	budget    int64           // nanoseconds a polling call may spin in C
	limit     int64           // receives: the buffer's size in bytes
	stage     unsafe.Pointer  // staged calls: C memory (see raw.h)
	parts     *parts          // v-collectives
	batch     *batch          // WaitAll (mpigo_testall)
	fn        rawFunc         // callFunc: the raw call itself (rawctl.go)
	off       int64           // MPI-IO: the file offset (rawFileIO); a.comm is then the file
	done      <-chan struct{} // polled waits: give up when this closes (a context's Done)

	inPlace, sync bool
	nonblocking   bool // collectives: post the nonblocking form
	flag          bool // result: completed / matched
	tooLong       bool // result: the matched message is longer than limit

	st C.mpigo_status // result: status of a completed receive or probe
}

// parts holds the counts and displacements of a v-collective.
type parts struct {
	counts, displs   []cint           // send side (or the only side)
	rcounts, rdisp   []cint           // alltoallv: receive side
	stypes, rtypes   []ctype          // alltoallw: each part's datatype
	sbdispl, rbdispl []aint           // neighbour alltoallw: byte displacements
	ptrs             []unsafe.Pointer // alltoallw: each part's memory, for start to pin
}

// arrays returns the first elements of the arrays p holds, for start to pin.
func (p *parts) arrays() []unsafe.Pointer {
	var out []unsafe.Pointer
	add := func(n int, first unsafe.Pointer) {
		if n > 0 {
			out = append(out, first)
		}
	}
	for _, v := range [...][]cint{p.counts, p.displs, p.rcounts, p.rdisp} {
		add(len(v), unsafe.Pointer(unsafe.SliceData(v)))
	}
	add(len(p.stypes), unsafe.Pointer(unsafe.SliceData(p.stypes)))
	add(len(p.rtypes), unsafe.Pointer(unsafe.SliceData(p.rtypes)))
	add(len(p.sbdispl), unsafe.Pointer(unsafe.SliceData(p.sbdispl)))
	add(len(p.rbdispl), unsafe.Pointer(unsafe.SliceData(p.rbdispl)))
	return append(out, p.ptrs...)
}

// noParts stands for a missing parts (read only).
var noParts parts

// result copies a C result into a and returns its return code.
func (a *args) result(r C.mpigo_res) C.int {
	a.flag, a.st, a.req, a.msg = r.flag != 0, r.st, r.req, r.msg
	return r.rc
}

// rawCall names a raw call.
type rawCall uint8

const (
	callInit rawCall = iota
	callFinalize
	callTagUB
	callProcessorName
	callLibraryVersion
	callCommInfo
	callCommDup
	callCommSplit
	callCommFree
	callSetErrorsReturn
	callSend
	callIsend
	callIsendCopy
	callSendPoll
	callIrecv
	callRecvPoll
	callRecvStaged
	callImprobe
	callIprobe
	callMrecv
	callTest
	callTestAll
	callCancel
	callSendInit
	callRecvInit
	callStart
	callStartAll
	callRequestFree
	callBarrier
	callBcast
	callScatter
	callScatterv
	callGather
	callGatherv
	callAllgather
	callAllgatherv
	callAlltoall
	callAlltoallv
	callReduce
	callTypeContiguous
	callOpCreate
	callOpFree
	callRMA      // one-sided operation a.reduce on window a.comm (win.go)
	callWinFlush // flush a.reduce of window a.comm (win.go)
	callFunc     // a.fn: every call added since, one function each in rawctl.go
)

// do performs raw call c with a and returns MPI's return code. a stays
// live until C returns, and with it the buffers it holds (see addr).
func (c rawCall) do(a *args) C.int {
	rc := c.call(a)
	runtime.KeepAlive(a)
	return rc
}

func (c rawCall) call(a *args) C.int {
	switch c {
	case callInit:
		var provided C.int
		rc := C.mpigo_init(C.mpigo_thread_level(C.int(a.tag)), &provided)
		a.tag = int(C.mpigo_thread_kind(provided)) // the ThreadLevel provided
		return rc
	case callFinalize:
		return C.mpigo_finalize()
	case callTagUB:
		var ub C.int
		rc := C.mpigo_tag_ub(&ub)
		a.tag = int(ub)
		return rc
	case callProcessorName, callLibraryVersion: // the string into a.rbuf, its length in a.n
		n := C.int(0)
		rc := C.mpigo_env_string(C.int(cbool(c == callLibraryVersion)), (*C.char)(a.rbuf), &n)
		a.n = int(n)
		return rc
	case callCommInfo: // a.root: the caller's rank, a.n: the size
		var r, s C.int
		rc := C.mpigo_comm_info(a.comm, &r, &s)
		a.root, a.n = int(r), int(s)
		return rc
	case callCommDup:
		out := a.comm
		rc := C.mpigo_comm_dup(a.comm, &out)
		a.comm = out
		return rc
	case callCommSplit: // color a.peer (negative: none), key a.tag; a.sync: by shared-memory node
		var out commHandle
		var rc C.int
		if a.sync {
			rc = C.mpigo_comm_split_shared(a.comm, C.int(a.tag), &out)
		} else {
			rc = C.mpigo_comm_split(a.comm, C.int(a.peer), C.int(a.tag), &out)
		}
		a.comm = out
		return rc
	case callCommFree:
		h := a.comm
		rc := C.mpigo_comm_free(&h)
		a.comm = h
		return rc
	case callSetErrorsReturn:
		return C.mpigo_errors_return(a.comm)
	case callSend:
		return C.mpigo_send(addr(a.buf), C.int(a.n), a.dt, C.int(a.peer), C.int(a.tag), a.comm, cbool(a.sync))
	case callIsend, callSendInit: // callSendInit: the persistent request
		return a.result(C.mpigo_isend(addr(a.buf), C.int(a.n), a.dt, C.int(a.peer), C.int(a.tag), a.comm, cbool(a.sync), cbool(c == callSendInit)))
	case callIsendCopy: // a.limit bytes at a.buf, sent from a copy in C memory; a.msg: that copy while the send is pending
		return a.result(C.mpigo_isend_copy(addr(a.buf), C.longlong(a.limit), C.int(a.n), a.dt, C.int(a.peer), C.int(a.tag), a.comm))
	case callSendPoll: // callIsend, then callTest
		return a.result(C.mpigo_send_poll(addr(a.buf), C.int(a.n), a.dt, C.int(a.peer), C.int(a.tag), a.comm, cbool(a.sync), C.longlong(a.budget)))
	case callIrecv, callRecvInit: // into a.stage if set, else a.rbuf; callRecvInit: the persistent request
		persistent := cbool(c == callRecvInit)
		if a.stage != nil {
			return a.result(C.mpigo_irecv_staged(addr(a.stage), C.int(a.peer), C.int(a.tag), a.comm, persistent))
		}
		return a.result(C.mpigo_irecv(addr(a.rbuf), C.int(a.rn), a.dt, C.int(a.peer), C.int(a.tag), a.comm, persistent))
	case callRecvPoll: // a.budget: spin; a.limit: the buffer's bytes; a.tooLong: matched, not received
		rc := a.result(C.mpigo_recv_poll(addr(a.rbuf), C.int(a.rn), a.dt, C.longlong(a.limit), C.int(a.peer), C.int(a.tag), a.comm, C.longlong(a.budget)))
		a.tooLong = a.flag && a.st.bytes > C.longlong(a.limit)
		return rc
	case callRecvStaged: // callIrecv into a.stage, then callTest
		return a.result(C.mpigo_recv_staged(addr(a.stage), C.int(a.peer), C.int(a.tag), a.comm, C.longlong(a.budget)))
	case callImprobe:
		return a.result(C.mpigo_probe(C.int(a.peer), C.int(a.tag), a.comm, 1, C.longlong(a.budget)))
	case callIprobe:
		return a.result(C.mpigo_probe(C.int(a.peer), C.int(a.tag), a.comm, 0, C.longlong(a.budget)))
	case callMrecv:
		return a.result(C.mpigo_mrecv(addr(a.rbuf), C.int(a.rn), a.dt, a.msg))
	case callTest:
		return a.result(C.mpigo_test(a.req, C.longlong(a.budget)))
	case callTestAll:
		b := a.batch
		return a.result(C.mpigo_testall(C.int(len(b.reqs)), &b.reqs[0], &b.sts[0], &b.rcs[0], &b.dones[0], C.longlong(a.budget)))
	case callCancel:
		return C.mpigo_cancel(a.req)
	case callStart:
		return C.mpigo_start(a.req)
	case callStartAll:
		b := a.batch
		return C.mpigo_startall(C.int(len(b.reqs)), &b.reqs[0])
	case callRequestFree:
		return C.mpigo_request_free(a.req)
	case callTypeContiguous: // a.dt becomes the committed type of a.n consecutive a.dt
		var out dtypeHandle
		rc := C.mpigo_type_contiguous(C.int(a.n), a.dt, &out)
		a.dt = out
		return rc
	case callOpCreate: // a.op becomes the op calling trampoline a.peer; a.sync: commutative
		var out opHandle
		rc := C.mpigo_op_create(C.int(a.peer), cbool(a.sync), &out)
		a.op = out
		return rc
	case callOpFree:
		h := a.op
		return C.mpigo_op_free(&h)
	case callRMA: // a.reduce: rmaPut … rmaFetchAndOp; target a.peer at displacement a.off
		return C.mpigo_rma(C.int(a.reduce), addr(a.buf), addr(a.rbuf), C.int(a.n), a.dt, C.int(a.peer), C.longlong(a.off), a.op, a.comm)
	case callWinFlush: // a.reduce: 0 Flush(a.peer), 1 FlushAll, 2 FlushLocal(a.peer), 3 FlushLocalAll
		return C.mpigo_win_flush(C.int(a.reduce), C.int(a.peer), a.comm)
	case callFunc: // on a copy: a call through a function value would make every a escape
		b := *a
		rc := b.fn(&b)
		*a = b
		return rc
	}
	return collective(c, a)
}

// collective performs the collective raw calls: blocking, or with
// a.nonblocking the nonblocking form, which sets a.req.
func collective(c rawCall, a *args) C.int {
	nb, ip := cbool(a.nonblocking), cbool(a.inPlace)
	n, rn, root := C.int(a.n), C.int(a.rn), C.int(a.root)
	rdt := a.rdt
	if rdt == 0 {
		rdt = a.dt
	}
	v := a.parts
	if v == nil { // not a v-collective, or a rank other than its root
		v = &noParts
	}
	switch c {
	case callBarrier:
		return a.result(C.mpigo_barrier(a.comm, nb))
	case callBcast:
		return a.result(C.mpigo_bcast(addr(a.buf), n, a.dt, root, a.comm, nb))
	case callScatter:
		return a.result(C.mpigo_scatter(addr(a.buf), n, a.dt, addr(a.rbuf), rn, rdt, ip, root, a.comm, nb))
	case callScatterv:
		return a.result(C.mpigo_scatterv(addr(a.buf), cptr(v.counts), cptr(v.displs), a.dt, addr(a.rbuf), rn, rdt, ip, root, a.comm, nb))
	case callGather:
		return a.result(C.mpigo_gather(addr(a.buf), n, a.dt, addr(a.rbuf), rn, rdt, ip, root, a.comm, nb))
	case callGatherv:
		return a.result(C.mpigo_gatherv(addr(a.buf), n, a.dt, addr(a.rbuf), cptr(v.counts), cptr(v.displs), rdt, ip, root, a.comm, nb))
	case callAllgather:
		return a.result(C.mpigo_allgather(addr(a.buf), n, a.dt, addr(a.rbuf), rn, rdt, ip, a.comm, nb))
	case callAllgatherv:
		return a.result(C.mpigo_allgatherv(addr(a.buf), n, a.dt, addr(a.rbuf), cptr(v.counts), cptr(v.displs), rdt, ip, a.comm, nb))
	case callAlltoall:
		return a.result(C.mpigo_alltoall(addr(a.buf), n, a.dt, addr(a.rbuf), rn, rdt, ip, a.comm, nb))
	case callAlltoallv:
		return a.result(C.mpigo_alltoallv(addr(a.buf), cptr(v.counts), cptr(v.displs), a.dt, addr(a.rbuf), cptr(v.rcounts), cptr(v.rdisp), rdt, ip, a.comm, nb))
	case callReduce:
		return a.result(C.mpigo_reduce(C.int(a.reduce), addr(a.buf), addr(a.rbuf), n, a.dt, a.op, ip, root, a.comm, nb))
	}
	return C.MPI_ERR_INTERN
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func cints(v []int) []cint {
	out := make([]cint, len(v))
	for i, x := range v {
		out[i] = cint(x)
	}
	return out
}

func cptr(v []cint) *C.int {
	if len(v) == 0 {
		return nil
	}
	return &v[0]
}

func (a *args) status() Status { return statusOf(a.st) }

// addr passes a buffer to C as an address (see "Buffers" above).
func addr(p unsafe.Pointer) C.uintptr_t { return C.uintptr_t(uintptr(p)) }

// batch holds the C-side arrays of a WaitAll over several requests.
type batch struct {
	reqs       []reqHandle
	sts        []C.mpigo_status
	rcs, dones []C.int
}

// batches recycles batches: a WaitAll over a window of requests would
// otherwise allocate four arrays each time.
var batches = sync.Pool{New: func() any { return new(batch) }}

// getBatch returns a batch for n requests, with none done; putBatch
// recycles it.
func getBatch(n int) *batch {
	b := batches.Get().(*batch)
	if cap(b.reqs) < n {
		*b = batch{make([]reqHandle, n), make([]C.mpigo_status, n), make([]C.int, n), make([]C.int, n)}
	}
	b.reqs, b.sts, b.rcs, b.dones = b.reqs[:n], b.sts[:n], b.rcs[:n], b.dones[:n]
	clear(b.dones)
	return b
}

func putBatch(b *batch) { batches.Put(b) }

// result reports whether request i completed, with its error code and status.
func (b *batch) result(i int) (bool, int, Status) {
	return b.dones[i] != 0, int(b.rcs[i]), statusOf(b.sts[i])
}

func statusOf(st C.mpigo_status) Status {
	return Status{Source: int(st.source), Tag: int(st.tag), bytes: int64(st.bytes), cancelled: st.cancelled != 0}
}

// ---- calls that need no args: safe from any thread, or only for emergencies ----

// rawYields is mpigo_yields (raw.h): how many polling calls gave the core away.
var rawYields = (*atomic.Int64)(unsafe.Pointer(C.mpigo_yields_addr()))

// rawWanting is mpigo_wanting (raw.h): C memory, which Go updates atomically.
var rawWanting = (*atomic.Int32)(unsafe.Pointer(C.mpigo_wanting_addr()))

// rawStageNew reserves a staging area (nil if the system refuses).
func rawStageNew() unsafe.Pointer { return C.mpigo_stage_new() }

// rawStageTrim gives back the pages of staging area p past its first keep
// bytes, of the used bytes a message filled.
func rawStageTrim(p unsafe.Pointer, keep, used int64) {
	C.mpigo_stage_trim(addr(p), C.longlong(keep), C.longlong(used))
}

func rawWtime() float64                   { return float64(C.MPI_Wtime()) }
func rawWtick() float64                   { return float64(C.MPI_Wtick()) }
func rawAbort(c commHandle, code int) int { return int(C.mpigo_abort(c, C.int(code))) }

// stringBufSize exceeds MPI_MAX_ERROR_STRING, MPI_MAX_PROCESSOR_NAME and MPI_MAX_LIBRARY_VERSION_STRING.
const stringBufSize = 8192

// rawErrorInfo returns our class (see Class) and the library's message for an MPI error code.
func rawErrorInfo(code int) (Class, string) {
	cls := C.mpigo_error_class(C.int(code))
	buf := make([]byte, stringBufSize)
	var n C.int
	if C.mpigo_error_string(C.int(code), (*C.char)(unsafe.Pointer(&buf[0])), &n) != 0 {
		n = 0
	}
	return Class(C.mpigo_class_kind(cls)), string(buf[:n])
}
