package mpi

// The raw layer's base. Every MPI function the binding calls is a row of
// calls.tab, from which go generate writes the mechanical code (zcalls.go,
// zraw.h, zraw_<chapter>.go, zenum.go); the raw_*.go and raw*.h files hold
// what is not mechanical. Every MPI call is one raw call, named by a rawCall
// number, so that exec.go can run any of them directly, under a lock, or on
// the thread that called Init.
//
// Data calls (per message) take their operands from an args record and are
// dispatched by a generated switch, not through function values: a call
// through a function value would make every args record escape to the heap,
// an allocation per MPI call. For the same reason
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
#include "zraw.h"

// The C state the package shares, defined here once (raw.h declares it).
MPI_Datatype mpigo_stage_unit = MPI_DATATYPE_NULL;
int mpigo_wanting;
long long mpigo_yields;
int mpigo_ft_on;
*/
import "C"

import (
	"runtime"
	"strings"
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
	messageNull = C.mpigo_message_null()
	byteType    = C.mpigo_byte()
	groupNull   = C.mpigo_of_group(C.MPI_GROUP_NULL)
	groupEmpty  = C.mpigo_of_group(C.MPI_GROUP_EMPTY)
	dtypeNull   = C.mpigo_of_dtype(C.MPI_DATATYPE_NULL)
	packedType  = C.mpigo_of_dtype(C.MPI_PACKED)
	infoNull    = C.mpigo_of_info(C.MPI_INFO_NULL)
	winNull     = C.mpigo_of_win(C.MPI_WIN_NULL)
	fileNull    = C.mpigo_of_file(C.MPI_FILE_NULL)
)

// More handle types, and the library's numbers that Go code compares with.
type (
	groupHandle   = C.mpigo_h
	infoHandle    = C.mpigo_h
	winHandle     = C.mpigo_h
	fileHandle    = C.mpigo_h
	sessionHandle = C.mpigo_h
	aint          = C.MPI_Aint     // byte displacements
	ctype         = C.MPI_Datatype // the library's own datatype handle, in arrays MPI reads
)

const (
	userOpSlots   = C.MPIGO_OP_SLOTS
	mpiUndefined  = C.MPI_UNDEFINED
	libObjectName = C.MPI_MAX_OBJECT_NAME // buffer sizes of the library's strings
	libInfoVal    = C.MPI_MAX_INFO_VAL
	libInfoKey    = C.MPI_MAX_INFO_KEY
	libPortName   = C.MPI_MAX_PORT_NAME
	libDatarep    = C.MPI_MAX_DATAREP_STRING
	libDfltDarg   = C.MPI_DISTRIBUTE_DFLT_DARG
	bsendOverhead = C.MPI_BSEND_OVERHEAD
	rcUnsupported = C.MPI_ERR_UNSUPPORTED_OPERATION
	rcSuccess     = C.MPI_SUCCESS
	combinerNamed = C.MPI_COMBINER_NAMED // a predefined datatype (MPI_Type_get_envelope)
)

// args carries the operands of one data call and its results (calls.tab
// names the fields a row passes). It is built on the caller's stack for every
// call, so what only some calls need sits behind pointers (parts, batch) and
// it stays small. Each field means one thing.
type args struct {
	buf, rbuf  unsafe.Pointer // send (or origin) and receive (or result) buffers: Go memory, heap or pinned
	n, rn      int            // element counts, already checked to fit a C int
	dt         dtypeHandle
	rdt        dtypeHandle // collectives: the receive side's datatype (0: dt)
	comm       commHandle
	win        winHandle  // one-sided calls: the window
	file       fileHandle // MPI-IO calls: the file
	peer, tag  int        // rank (Go sentinels, see p2p.go), tag; the target rank of one-sided calls
	src, rtag  int        // Isendrecv: the receive side's source and tag (peer and tag are the send's)
	partitions int        // partitioned init: the buffer's partitions
	lo, hi     int        // partitioned: a range of partitions (Pready_range), or one (Parrived: lo)
	list       []cint     // partitioned: the partitions of a Pready_list
	root       int
	op         opHandle
	req        reqHandle       // the request posted, or tested
	msg        msgHandle       // a matched message (Mprobe, a receive too long for its buffer)
	copy       C.uintptr_t     // result of IsendCopy: the C copy while the send is pending (0: none)
	budget     int64           // nanoseconds a polling call may spin in C
	limit      int64           // receives: the buffer's size in bytes; IsendCopy: the bytes to copy
	off        int64           // one-sided calls: the target displacement; MPI-IO: the file offset
	stage      unsafe.Pointer  // staged calls: C memory (see raw_p2p.h)
	parts      *parts          // v-collectives
	batch      *batch          // WaitAll, StartAll
	fn         func() C.int    // control calls: the call itself (ctl in exec.go)
	done       <-chan struct{} // polled waits: give up when this closes (a context's Done)

	inPlace     bool // collectives: the send buffer is MPI_IN_PLACE
	sync        bool // sends: synchronous mode (MPI_Ssend and its forms)
	nonblocking bool // collectives: post the nonblocking form
	persistent  bool // collectives: make the persistent form (MPI_X_init), not started
	flag        bool // result: completed / matched
	tooLong     bool // result: the matched message is longer than limit

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

// result copies a C result into a and returns its return code. A receive
// that matched a message longer than its buffer says so with flag 2
// (mpigo_recv_poll).
func (a *args) result(r C.mpigo_res) C.int {
	a.flag, a.tooLong, a.st, a.req, a.msg, a.copy = r.flag != 0, r.flag == 2, r.st, r.req, r.msg, r.copy
	return r.rc
}

// rawCall names a raw call: a row of calls.tab (zcalls.go numbers them).
type rawCall uint16

// do performs raw call c with a and returns MPI's return code. a stays
// live until C returns, and with it the buffers it holds (see addr).
func (c rawCall) do(a *args) C.int {
	rc := c.call(a)
	runtime.KeepAlive(a)
	return rc
}

// form is which of a collective's three functions to call (zraw.h).
func (a *args) form() C.int {
	switch {
	case a.persistent:
		return C.MPIGO_PERSISTENT_FORM
	case a.nonblocking:
		return C.MPIGO_NONBLOCKING
	}
	return C.MPIGO_BLOCKING
}

// recvType is the receive side's datatype of a collective: a.rdt, or a.dt.
func (a *args) recvType() dtypeHandle {
	if a.rdt == 0 {
		return a.dt
	}
	return a.rdt
}

// v returns a's v-collective arrays (none on a rank that has none).
func (a *args) v() *parts {
	if a.parts == nil {
		return &noParts
	}
	return a.parts
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
	cls := int(C.mpigo_error_class(C.int(code)))
	buf := make([]byte, stringBufSize)
	var n C.int
	if C.mpigo_error_string(C.int(code), (*C.char)(unsafe.Pointer(&buf[0])), &n) != 0 {
		n = 0
	}
	k, ok := enumClass.fromC(cls)
	if !ok {
		k = ClassUnknown
	}
	return k, string(buf[:n])
}

// Conversions of the slices that control calls pass to MPI.

func aints(v []int64) []aint {
	out := make([]aint, len(v))
	for i, x := range v {
		out[i] = aint(x)
	}
	return out
}

func aptr(v []aint) *aint {
	if len(v) == 0 {
		return nil
	}
	return &v[0]
}

// ctypes turns handles into the library's datatypes, for an array MPI reads.
func ctypes(v []dtypeHandle) []ctype {
	out := make([]ctype, len(v))
	for i, h := range v {
		out[i] = C.mpigo_to_dtype(h)
	}
	return out
}

func typesPtr(v []ctype) *C.MPI_Datatype {
	if len(v) == 0 {
		return nil
	}
	return &v[0]
}

// copyInts copies what MPI wrote into a C array back into the caller's slice.
func copyInts(dst []int, src []cint) {
	for i := range dst {
		dst[i] = int(src[i])
	}
}

// copyAints and copyTypes are copyInts for addresses and datatypes.
func copyAints(dst []int64, src []aint) {
	for i := range dst {
		dst[i] = int64(src[i])
	}
}

func copyTypes(dst []dtypeHandle, src []ctype) {
	for i := range dst {
		dst[i] = C.mpigo_of_dtype(src[i])
	}
}

// ranges3 flattens rank ranges (first, last, stride) for MPI_Group_range_incl.
func ranges3(r [][3]int) []cint {
	out := make([]cint, 0, 3*len(r))
	for _, t := range r {
		out = append(out, cint(t[0]), cint(t[1]), cint(t[2]))
	}
	return out
}

// cString is the string MPI wrote into buf, up to its NUL.
func cString(buf []byte) string {
	s, _, _ := strings.Cut(string(buf), "\x00")
	return s
}

// cSentinels are raw.h's values of AnySource, AnyTag, ProcNull and Root, which its
// wrappers translate into the library's (a test holds them equal to Go's).
func cSentinels() [4]int { return [4]int{C.GO_ANY_SOURCE, C.GO_ANY_TAG, C.GO_PROC_NULL, C.GO_ROOT} }

// goPeer turns a rank MPI returned into the Go sentinels (ProcNull).
func goPeer(r int) int { return int(C.mpigo_go_peer(C.int(r))) }

// rawHandleOf and rawHandleFrom convert between the binding's handles and
// the MPI library's (MPI_Comm etc.) as a uintptr: a pointer in OpenMPI, an
// int in MPICH.
func rawHandleOf(h C.mpigo_h) uintptr   { return uintptr(h) }
func rawHandleFrom(u uintptr) C.mpigo_h { return C.mpigo_h(u) }

// rawMalloc and rawFree manage C memory (MPI holds an attached buffer past the call).
func rawMalloc(n int) unsafe.Pointer { return C.malloc(C.size_t(n)) }
func rawFree(p unsafe.Pointer)       { C.free(p) }
