package mpi

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Win is a window for one-sided communication (MPI_Win): memory that every
// rank of a communicator exposes, which the others read and write with Put,
// Get, Accumulate and the atomic FetchAndOp and CompareAndSwap, inside an
// epoch that a synchronization call opens and closes:
//
//   - active target, collective: Fence … Fence;
//   - active target, by groups: Post and Wait at the target, Start and
//     Complete at the origins;
//   - passive target: Lock(rank) … Unlock(rank), or LockAll … UnlockAll,
//     with Flush to complete operations inside the epoch.
//
// An operation only starts the transfer: its origin buffer (and a Get's or
// fetch's result buffer) belongs to MPI until a synchronization call
// completes it, and the binding pins it until then, so Go's collector can
// neither move nor free it. Each operation checks in Go, before MPI is
// called, that the target rank exists and that the data stays inside the
// target's window (the sizes of every rank's window are gathered when it is
// made; a dynamic window's are not known, and there MPI checks). A freed
// window is ErrWin, never a crash.
//
// Every one-sided call is one MPI call made as the control calls are
// (rawctl.go), including the synchronization calls that wait for other
// ranks (Fence, Wait, Complete, Unlock): below ThreadMultiple they hold the
// binding's lock while they wait.
type Win struct {
	h       winHandle
	kind    int // winCreate … winDynamic
	comm    *Comm
	base    unsafe.Pointer // this rank's memory
	size    int64          // its bytes
	unit    int            // this rank's displacement unit in bytes
	sizes   []int64        // every rank's window bytes; nil: dynamic
	units   []int          // every rank's displacement unit
	memPin  runtime.Pinner // WinCreate's Go memory, for the window's life
	mu      sync.Mutex
	pending []*runtime.Pinner // per target rank, then attached memory: buffers MPI may still use
	freed   atomic.Bool
}

// WinCreate makes a window over mem, which every rank of c passes (any
// length, 0 included); targets address it in elements of T (the
// displacement unit is T's size). mem is pinned for the window's life:
// keep using it from Go only between epochs. Collective over c.
//
// MPICH 4.0 puts every operation at displacement 0 of a window whose base
// is not 16-byte aligned (measured in C with MPICH 4.0.2), which Go's
// allocator gives for some sizes; with MPICH such a mem is ErrUnsupported
// (WinAllocate, or mpi.Alloc's memory, is aligned).
func WinCreate[T any](c *Comm, mem []T) (*Win, error) {
	t := typeOf[T]()
	if _, err := t.handle("WinCreate"); err != nil {
		return nil, err
	}
	if p := uintptr(unsafe.Pointer(unsafe.SliceData(mem))); len(mem) > 0 && p%16 != 0 && isMPICH() {
		return nil, c.enter("WinCreate", rankLocal(errorf(ClassUnsupported, "WinCreate", "MPICH misplaces one-sided operations into"+
			" a window whose base is not 16-byte aligned (this slice starts at %#x): use WinAllocate, or mpi.Alloc's memory", p)))
	}
	w, err := newWin("WinCreate", c, winCreate, unsafe.Pointer(unsafe.SliceData(mem)), int64(len(mem))*int64(t.size), int(t.size))
	return w, err
}

// WinAllocate makes a window over n elements of T that MPI allocates
// (MPI_Win_allocate), and returns it with a slice over this rank's part.
// The slice is C memory, valid until Free: do not use it after.
func WinAllocate[T any](c *Comm, n int) (*Win, []T, error) {
	return allocWin[T]("WinAllocate", c, winAllocate, n)
}

// WinAllocateShared is WinAllocate over memory shared by the ranks of c,
// which must all run on one node (a communicator of SplitType(SplitShared)):
// SharedSlice then gives each rank's part as a slice that loads and stores
// reach directly (MPI_Win_allocate_shared, MPI_Win_shared_query).
func WinAllocateShared[T any](c *Comm, n int) (*Win, []T, error) {
	return allocWin[T]("WinAllocateShared", c, winShared, n)
}

func allocWin[T any](op string, c *Comm, kind, n int) (*Win, []T, error) {
	t := typeOf[T]()
	if _, err := t.handle(op); err != nil {
		return nil, nil, err
	}
	if n < 0 || int64(n)*int64(t.size) > 1<<40 {
		return nil, nil, errorf(ClassCount, op, "%d elements", n)
	}
	w, err := newWin(op, c, kind, nil, int64(n)*int64(t.size), int(t.size))
	if err != nil {
		return nil, nil, err
	}
	return w, unsafe.Slice((*T)(w.base), n), nil
}

// WinCreateDynamic makes a window with no memory (MPI_Win_create_dynamic):
// Attach adds some, and targets address it by the address Attach returns
// (sent to them by the program). Collective over c.
func WinCreateDynamic(c *Comm) (*Win, error) {
	return newWin("WinCreateDynamic", c, winDynamic, nil, 0, 1)
}

// The ways to make a window (winMake).
const (
	winCreate   = iota // over the caller's memory (MPI_Win_create)
	winAllocate        // over memory MPI allocates (MPI_Win_allocate)
	winShared          // over shared memory MPI allocates (MPI_Win_allocate_shared)
	winDynamic         // with no memory yet (MPI_Win_create_dynamic)
)

// winMake makes a window of kind over c, sets it to return errors, and
// returns it with its local memory (base, or what MPI allocated).
func winMake(kind int, base unsafe.Pointer, size int64, unit int, c commHandle) (winHandle, unsafe.Pointer, int) {
	h := winNull
	var rc int
	switch kind {
	case winCreate:
		rc = mpiWinCreate(base, size, unit, c, &h)
	case winAllocate:
		rc = mpiWinAllocate(size, unit, c, &base, &h)
	case winShared:
		rc = mpiWinAllocateShared(size, unit, c, &base, &h)
	default:
		rc = mpiWinCreateDynamic(c, &h)
	}
	if rc == rcSuccess {
		rc = mpiWinErrorsReturn(h)
	}
	return h, base, rc
}

// lockKind is a lock type of Lock (MPI_LOCK_SHARED, MPI_LOCK_EXCLUSIVE).
type lockKind int

const (
	lockShared lockKind = iota
	lockExclusive
)

func newWin(op string, c *Comm, kind int, base unsafe.Pointer, size int64, unit int) (*Win, error) {
	if err := c.enter(op, c.checkIntraOnly(op)); err != nil {
		return nil, err
	}
	w := &Win{kind: kind, comm: c, size: size, unit: unit, pending: make([]*runtime.Pinner, c.size+1)}
	if kind == winCreate && base != nil {
		pinGo(&w.memPin, base)
	}
	h, mem, rc := winMake(kind, base, size, unit, c.h)
	if err := mpiError(op, rc); err != nil {
		w.memPin.Unpin()
		if e, ok := err.(*Error); ok && e.Class == ClassWin && isOpenMPI() {
			e.Msg += "; OpenMPI 4.1 found no one-sided component for this window (measured: osc/pt2pt refuses" +
				" ThreadMultiple, osc/sm takes only memory it allocates on one node, osc/rdma only ranks of one node" +
				" and more than one rank, or an RDMA network): on one rank WinAllocate works; across hosts over TCP," +
				" run below ThreadMultiple with mpiexec --mca osc sm,pt2pt"
		}
		return nil, err
	}
	w.h, w.base = h, mem
	if err := w.gatherShapes(); err != nil {
		w.Free()
		return nil, err
	}
	return w, nil
}

// gatherShapes learns every rank's window size and unit, for the bounds
// checks of operations (a dynamic window has none).
func (w *Win) gatherShapes() error {
	if w.kind == winDynamic {
		return nil
	}
	c := w.comm
	mine := [2]int64{w.size, int64(w.unit)}
	all := make([][2]int64, c.size)
	if err := c.Allgather(One(&mine), Buf(all)); err != nil {
		return err
	}
	w.sizes, w.units = make([]int64, c.size), make([]int, c.size)
	for r, su := range all {
		w.sizes[r], w.units[r] = su[0], int(su[1])
	}
	return nil
}

// winFlavor is how a window was made (MPI_WIN_CREATE_FLAVOR), by the
// binding's name for it.
type winFlavor int

const (
	flavorCreate   winFlavor = winCreate
	flavorAllocate winFlavor = winAllocate
	flavorShared   winFlavor = winShared
	flavorDynamic  winFlavor = winDynamic
)

// WinFromHandle wraps an MPI_Win made by the caller's own C code over
// communicator c (every rank of c calls it: it learns every rank's window
// size and displacement unit, for the bounds checks of operations). The
// binding sets it to return errors; Free frees it. Its memory is C's, or
// pinned by C's caller: the binding pins nothing for it.
func WinFromHandle(c *Comm, h uintptr) (*Win, error) {
	const op = "WinFromHandle"
	err := c.checkIntraOnly(op)
	if err == nil && rawHandleFrom(h) == winNull {
		err = errorf(ClassWin, op, "MPI_WIN_NULL")
	}
	w := &Win{h: rawHandleFrom(h), comm: c}
	var size int64
	var flavor int
	if err == nil {
		err = mpiError(op, mpiWinAttrs(w.h, &size, &w.unit, &flavor))
	}
	if err == nil {
		kind, ok := enumwinFlavor.fromC(flavor)
		if !ok {
			err = errorf(ClassWin, op, "unknown window flavor %d", flavor)
		}
		w.kind, w.size = int(kind), size
	}
	if err == nil {
		err = mpiError(op, mpiWinErrorsReturn(w.h))
	}
	if err := c.enter(op, err); err != nil {
		return nil, err
	}
	w.pending = make([]*runtime.Pinner, c.size+1)
	if err := w.gatherShapes(); err != nil {
		return nil, err
	}
	return w, nil
}

// libraryVersion is LibraryVersion, read once, for the workarounds of
// one library's faults below.
var libraryVersion = sync.OnceValue(func() string {
	v, _ := LibraryVersion()
	return v
})

// isOpenMPI and isMPICH report which library the binding runs on.
func isOpenMPI() bool { return strings.Contains(libraryVersion(), "Open MPI") }
func isMPICH() bool   { return strings.Contains(libraryVersion(), "MPICH") }

// openMPI4CAS reports whether the library is OpenMPI 4, whose osc/rdma
// crashes (SIGSEGV in btl/vader's emulated atomics) on a compare-and-swap
// of 8 bytes between ranks of one node: open-mpi/ompi#7967 and #11349,
// reproduced here with OpenMPI 4.1.4 in C, with MPI_Win_create and
// MPI_Win_allocate alike; 4-byte ones and shared windows (osc/sm) work.
func openMPI4CAS() bool { return strings.Contains(libraryVersion(), "Open MPI v4.") }

func (w *Win) check(op string) error {
	if err := checkState(op); err != nil {
		return err
	}
	if w == nil || w.h == winNull {
		return errorf(ClassWin, op, "nil window")
	}
	if w.freed.Load() {
		return errorf(ClassWin, op, "window has been freed")
	}
	return nil
}

// Comm returns the communicator w was made over.
func (w *Win) Comm() *Comm { return w.comm }

// Free frees w (MPI_Win_free), collective over its communicator, after
// completing what is pending; WinCreate's memory is unpinned, and
// WinAllocate's slices must not be used any more.
func (w *Win) Free() error {
	if err := w.check("Win.Free"); err != nil {
		return err
	}
	if w.freed.Swap(true) {
		return errorf(ClassWin, "Win.Free", "window has been freed")
	}
	h := w.h
	err := mpiError("Win.Free", mpiWinFree(&h))
	w.release(all)
	w.memPin.Unpin()
	return err
}

// SharedSlice returns rank's part of shared window w (WinAllocateShared) as
// a slice of T, valid until w is freed.
func SharedSlice[T any](w *Win, rank int) ([]T, error) {
	const op = "SharedSlice"
	if err := w.check(op); err != nil {
		return nil, err
	}
	if err := w.comm.checkRank(op, "rank", rank, false); err != nil {
		return nil, err
	}
	var base unsafe.Pointer
	var size int64
	var unit int
	rc := mpiWinSharedQuery(w.h, rank, &size, &unit, &base)
	if err := mpiError(op, rc); err != nil {
		return nil, err
	}
	t := typeOf[T]()
	if size%int64(t.size) != 0 {
		return nil, errorf(ClassType, op, "rank %d's %d bytes are not whole elements of %s", rank, size, t.name)
	}
	return unsafe.Slice((*T)(base), size/int64(t.size)), nil
}

// Attach adds the memory of s to dynamic window w (MPI_Win_attach), pinned
// until Detach, and returns the displacement that targets use to reach its
// first element: its address, to send to them.
func Attach[T any](w *Win, s []T) (int64, error) {
	const op = "Attach"
	if err := w.check(op); err != nil {
		return 0, err
	}
	if w.sizes != nil {
		return 0, errorf(ClassWin, op, "not a dynamic window (WinCreateDynamic)")
	}
	if len(s) == 0 {
		return 0, errorf(ClassBuffer, op, "empty slice")
	}
	p := unsafe.Pointer(unsafe.SliceData(s))
	w.mu.Lock()
	pinGo(w.pinner(attached), p)
	w.mu.Unlock()
	var addr int64
	if err := mpiError(op, mpiGetAddress(p, &addr)); err != nil {
		return 0, err
	}
	return addr, mpiError(op, mpiWinAttach(w.h, p, int64(len(s))*int64(typeOf[T]().size)))
}

// Detach removes s, attached before, from dynamic window w (MPI_Win_detach).
func Detach[T any](w *Win, s []T) error {
	if err := w.check("Detach"); err != nil {
		return err
	}
	if len(s) == 0 {
		return errorf(ClassBuffer, "Detach", "empty slice")
	}
	return mpiError("Detach", mpiWinDetach(w.h, unsafe.Pointer(unsafe.SliceData(s))))
}

// ---- operations ----

// rmaOp is one checked one-sided operation: the origin (and result,
// compare) buffers, the target's rank and displacement, and the datatype and
// count of the origin, used at the target too.
type rmaOp struct {
	origin, result, compare unsafe.Pointer
	n                       int
	dt                      dtypeHandle
	target                  int
	disp                    int64
	op                      opHandle
}

// Put writes origin into target's window at displacement disp, counted in
// the target's displacement unit (its element size for WinCreate and
// WinAllocate), with origin's datatype there too (MPI_Put).
func (w *Win) Put(origin Buffer, target, disp int) error {
	return w.rma("Win.Put", callPut, origin, Buffer{}, Buffer{}, target, disp, nil)
}

// Get reads target's window at disp into origin (MPI_Get); origin holds
// the data once the epoch's operations are complete.
func (w *Win) Get(origin Buffer, target, disp int) error {
	return w.rma("Win.Get", callGet, origin, Buffer{}, Buffer{}, target, disp, nil)
}

// Accumulate combines origin into target's window at disp with op, element
// by element and atomically per element (MPI_Accumulate): a predefined op,
// or Replace. Concurrent accumulates to the same place are safe.
func (w *Win) Accumulate(origin Buffer, target, disp int, op *Op) error {
	return w.rma("Win.Accumulate", callAccumulate, origin, Buffer{}, Buffer{}, target, disp, op)
}

// GetAccumulate is Accumulate that also returns the target's data from
// before into result (MPI_Get_accumulate); with NoOp it is an atomic read.
func (w *Win) GetAccumulate(origin, result Buffer, target, disp int, op *Op) error {
	return w.rma("Win.GetAccumulate", callGetAccumulate, origin, result, Buffer{}, target, disp, op)
}

// FetchAndOp is GetAccumulate of one element (MPI_Fetch_and_op): origin and
// result are One(&x) of the same type; a shared counter is
// FetchAndOp(One(&one), One(&old), rank, 0, Sum).
func (w *Win) FetchAndOp(origin, result Buffer, target, disp int, op *Op) error {
	return w.rma("Win.FetchAndOp", callFetchAndOp, origin, result, Buffer{}, target, disp, op)
}

// CompareAndSwap replaces the element at disp of target's window with
// origin if it equals compare, and returns its old value in result, all
// atomically (MPI_Compare_and_swap): one element each, of an integer type
// or bool.
func (w *Win) CompareAndSwap(origin, compare, result Buffer, target, disp int) error {
	return w.rma("Win.CompareAndSwap", callCompareAndSwap, origin, result, compare, target, disp, nil)
}

// rma checks and starts one operation, and pins its buffers until their
// epoch completes.
func (w *Win) rma(op string, call rawCall, origin, result, compare Buffer, target, disp int, o *Op) error {
	ro, skip, err := w.prepare(op, call, origin, result, compare, target, disp, o)
	if err != nil || skip {
		return err
	}
	w.mu.Lock()
	pin := w.pinner(target)
	for _, p := range []unsafe.Pointer{origin.ptr, result.ptr, compare.ptr} {
		if p != nil {
			pinGo(pin, p)
		}
	}
	w.mu.Unlock()
	if call == callCompareAndSwap { // three buffers: a control call of its own
		return mpiError(op, mpiCompareAndSwap(ro.origin, ro.compare, ro.result, ro.dt, ro.target, ro.disp, w.h))
	}
	var a args // a data call: no allocation
	a.win, a.peer, a.off, a.buf, a.rbuf, a.n, a.dt, a.op = w.h, target, ro.disp, ro.origin, ro.result, ro.n, ro.dt, ro.op
	return mpiError(op, run(call, &a))
}

// rrma starts request-based operation post (MPI_Rput …), the request form
// of call, its buffers pinned by the Request until it completes.
func (w *Win) rrma(op string, call, post rawCall, origin, result Buffer, target, disp int, o *Op) (*Request, error) {
	ro, skip, err := w.prepare(op, call, origin, result, Buffer{}, target, disp, o)
	if err != nil {
		return nil, err
	}
	if skip { // ProcNull: complete at once
		return &Request{op: op, kind: reqSend, h: requestNull, done: true}, nil
	}
	a := args{win: w.h, peer: target, off: ro.disp, buf: ro.origin, rbuf: ro.result, n: ro.n, dt: ro.dt, op: ro.op}
	recv := result
	if call == callGet {
		recv = origin
	}
	return start(op, post, &a, reqSend, recv)
}

// prepare checks one operation: the buffers (result and compare of
// origin's type and length), the target, the op, and the bounds of the
// target's window; skip reports a ProcNull target, which does nothing.
func (w *Win) prepare(op string, call rawCall, origin, result, compare Buffer, target, disp int, o *Op) (ro rmaOp, skip bool, err error) {
	if err := w.check(op); err != nil {
		return ro, false, err
	}
	if err := w.comm.checkRank(op, "target", target, false); err != nil {
		return ro, false, err
	}
	if target == ProcNull {
		return ro, true, nil
	}
	var dt dtypeHandle
	if call == callGet {
		dt, err = origin.checkRecvBuf(op)
	} else {
		dt, err = origin.check(op)
	}
	if err != nil {
		return ro, false, err
	}
	n := origin.n
	for _, b := range []struct {
		buf  Buffer
		used bool
	}{{result, call >= callGetAccumulate}, {compare, call == callCompareAndSwap}} {
		if !b.used {
			continue
		}
		if _, err := b.buf.checkRecvBuf(op); err != nil {
			return ro, false, err
		}
		if err := sameType(op, origin, b.buf); err != nil {
			return ro, false, err
		}
		if b.buf.n != origin.n {
			return ro, false, bufErr(op, "origin has %d elements but another buffer %d", origin.n, b.buf.n)
		}
	}
	var oh opHandle
	switch call {
	case callFetchAndOp, callCompareAndSwap:
		if origin.n != 1 || origin.dt != nil || origin.t.width != 1 {
			return ro, false, bufErr(op, "takes one element of a basic type (One(&x)), not %d of %s", origin.n, origin)
		}
		if call == callCompareAndSwap && !origin.t.base.integer() && origin.t.base != kBool {
			return ro, false, errorf(ClassType, op, "compares integers and bools, not %s", origin.t.name)
		}
		if call == callCompareAndSwap && origin.t.size == 8 && w.kind != winShared && openMPI4CAS() {
			return ro, false, errorf(ClassUnsupported, op, "OpenMPI 4's one-sided layer crashes on 8-byte compare-and-swap"+
				" (open-mpi/ompi#7967, #11349): use a 4-byte type, or a window of WinAllocateShared")
		}
	}
	if call == callAccumulate || call == callGetAccumulate || call == callFetchAndOp {
		if origin.dt != nil {
			return ro, false, errorf(ClassType, op, "accumulates take Buf buffers, not Typed ones")
		}
		if oh, dt, n, err = o.resolveRMA(op, origin.t, origin.n); err != nil {
			return ro, false, err
		}
	}
	if err := w.inBounds(op, origin, target, disp); err != nil {
		return ro, false, err
	}
	return rmaOp{origin: origin.ptr, result: result.ptr, compare: compare.ptr, n: n, dt: dt, target: target, disp: int64(disp), op: oh}, false, nil
}

// inBounds checks that b's data, laid at displacement disp of target's
// window, stays inside it.
func (w *Win) inBounds(op string, b Buffer, target, disp int) error {
	if w.sizes == nil { // dynamic: addresses, which MPI checks against what is attached
		return nil
	}
	if disp < 0 {
		return errorf(ClassArg, op, "negative displacement %d", disp)
	}
	if b.n == 0 {
		return nil
	}
	base, ok := mulInt64(int64(disp), int64(w.units[target]))
	lo, hi, ok2 := b.reach()
	if !ok || !ok2 || !rangeInside(base, lo, hi, w.sizes[target]) {
		return errorf(ClassArg, op, "%s at displacement %d of rank %d's window (units of %d bytes) reaches outside it; the window has %d bytes",
			b, disp, target, w.units[target], w.sizes[target])
	}
	return nil
}

// reach returns the bytes [lo, hi) that b's data reaches from its start,
// and false where that overflows.
func (b Buffer) reach() (lo, hi int64, ok bool) {
	if b.dt == nil {
		hi, ok := mulInt64(int64(b.n), int64(b.unit()))
		return 0, hi, ok
	}
	d := b.dt
	return typedReach(int64(b.n), d.trueLB, d.trueExtent, d.extent)
}

// resolveRMA is resolve for one-sided accumulates: predefined ops and
// Replace and NoOp, on any basic element type.
func (o *Op) resolveRMA(op string, t *elemType, n int) (opHandle, dtypeHandle, int, error) {
	if o != nil && o.kind == oUser {
		return o.h, byteType, 0, errorf(ClassOp, op, "one-sided accumulates take predefined ops (and Replace, NoOp), not %s", o.name)
	}
	if o != nil && (o.kind == oReplace || o.kind == oNoOp) {
		if t.base == kLoc {
			return o.h, t.h, n, nil
		}
		if !t.base.numeric() && t.base != kBool {
			return o.h, byteType, 0, errorf(ClassOp, op, "%s is not defined on %s", o.name, t.name)
		}
		return o.h, scalarTypes[t.base].h, n * t.width, nil
	}
	return o.resolve(op, t, n)
}

func (w *Win) String() string {
	if w == nil {
		return "<nil Win>"
	}
	return fmt.Sprintf("window of %d bytes over %d ranks", w.size, w.comm.size)
}

// Rput is Put returning a Request that completes when the origin buffer
// may be reused (MPI_Rput): only inside a passive-target epoch (Lock,
// LockAll). The buffer stays pinned until then.
func (w *Win) Rput(origin Buffer, target, disp int) (*Request, error) {
	return w.rrma("Win.Rput", callPut, callRput, origin, Buffer{}, target, disp, nil)
}

// Rget is Get returning a Request that completes when origin holds the
// data (MPI_Rget), inside a passive-target epoch.
func (w *Win) Rget(origin Buffer, target, disp int) (*Request, error) {
	return w.rrma("Win.Rget", callGet, callRget, origin, Buffer{}, target, disp, nil)
}

// Raccumulate is Accumulate returning a Request (MPI_Raccumulate), inside
// a passive-target epoch.
func (w *Win) Raccumulate(origin Buffer, target, disp int, op *Op) (*Request, error) {
	return w.rrma("Win.Raccumulate", callAccumulate, callRaccumulate, origin, Buffer{}, target, disp, op)
}

// RgetAccumulate is GetAccumulate returning a Request (MPI_Rget_accumulate).
func (w *Win) RgetAccumulate(origin, result Buffer, target, disp int, op *Op) (*Request, error) {
	return w.rrma("Win.RgetAccumulate", callGetAccumulate, callRgetAccumulate, origin, result, target, disp, op)
}

// SetName names w (MPI_Win_set_name), for debuggers and error messages;
// at most 63 bytes.
func (w *Win) SetName(name string) error {
	if err := w.check("Win.SetName"); err != nil {
		return err
	}
	if len(name) >= maxObjectName || strings.IndexByte(name, 0) >= 0 {
		return errorf(ClassArg, "Win.SetName", "name of %d bytes: want at most %d, no NUL", len(name), maxObjectName-1)
	}
	return mpiError("Win.SetName", mpiWinSetName(w.h, name))
}

// Name returns w's name (MPI_Win_get_name), "" if it has none.
func (w *Win) Name() (string, error) {
	if err := w.check("Win.Name"); err != nil {
		return "", err
	}
	buf := make([]byte, libObjectName+1)
	var n int
	rc := mpiWinGetName(w.h, buf, &n)
	return string(buf[:n]), mpiError("Win.Name", rc)
}

// SetInfo gives w hints (MPI_Win_set_info), collective over its
// communicator; the library may ignore any.
func (w *Win) SetInfo(info *Info) error {
	const op = "Win.SetInfo"
	if err := w.check(op); err != nil {
		return err
	}
	ih, err := info.given(op)
	if err := w.comm.enter(op, err); err != nil {
		return err
	}
	return mpiError(op, mpiWinSetInfo(w.h, ih))
}

// Info returns the hints in use on w (MPI_Win_get_info: OpenMPI and MPICH
// report no_locks, accumulate_ordering and the like), for the caller to Free.
func (w *Win) Info() (*Info, error) {
	return infoFrom("Win.Info", w.check("Win.Info"), func(h *infoHandle) int { return mpiWinGetInfo(w.h, h) })
}
