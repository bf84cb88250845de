package mpi

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"
)

// opKind numbers the predefined ops; it is the O_* enum of raw.h.
type opKind int

const (
	oSum opKind = iota
	oProd
	oMin
	oMax
	oLand
	oLor
	oLxor
	oBand
	oBor
	oBxor
	oMinLoc
	oMaxLoc
	oReplace
	oNoOp
	oUser opKind = -1
)

// Op is a reduction operation (MPI_Op): one of the predefined ops below, or
// a Go function made into an op by NewOp.
type Op struct {
	name     string
	kind     opKind
	h        opHandle
	commute  bool
	elem     *elemType // user ops: the element type the function takes
	slot     int
	freed    atomic.Bool
	panicked atomic.Pointer[string] // user ops: a panic of the Go function, reported by the call
}

func predefined(k opKind, name string) *Op {
	return &Op{name: name, kind: k, h: opHandleOf(k), commute: true}
}

// The predefined ops. Sum and Prod take every numeric type (not bool); Min
// and Max the integers and floats; Land, Lor, Lxor the integers and bool;
// Band, Bor, Bxor the integers. Any other pairing is an ErrOp error, caught
// before MPI is called. Arrays ([4]float64) reduce element by element.
var (
	Sum  = predefined(oSum, "Sum")   // MPI_SUM
	Prod = predefined(oProd, "Prod") // MPI_PROD
	Min  = predefined(oMin, "Min")   // MPI_MIN
	Max  = predefined(oMax, "Max")   // MPI_MAX
	Land = predefined(oLand, "Land") // MPI_LAND, logical and
	Lor  = predefined(oLor, "Lor")   // MPI_LOR
	Lxor = predefined(oLxor, "Lxor") // MPI_LXOR
	Band = predefined(oBand, "Band") // MPI_BAND, bitwise and
	Bor  = predefined(oBor, "Bor")   // MPI_BOR
	Bxor = predefined(oBxor, "Bxor") // MPI_BXOR
	// MinLoc and MaxLoc take Loc pairs only: the least (greatest) Value and,
	// among equal ones, the least Index.
	MinLoc = predefined(oMinLoc, "MinLoc") // MPI_MINLOC
	MaxLoc = predefined(oMaxLoc, "MaxLoc") // MPI_MAXLOC
	// Replace and NoOp are for one-sided accumulates only (Win.Accumulate,
	// GetAccumulate, FetchAndOp): the origin's value replaces the target's,
	// or the target is only read. Collectives refuse them (ErrOp).
	Replace = predefined(oReplace, "Replace") // MPI_REPLACE
	NoOp    = predefined(oNoOp, "NoOp")       // MPI_NO_OP
)

func (o *Op) String() string { return o.name }

// accepts reports whether predefined op o is defined on scalars of kind k.
func (o *Op) accepts(k kind) bool {
	switch o.kind {
	case oSum, oProd:
		return k.numeric()
	case oMin, oMax:
		return k.ordered()
	case oLand, oLor, oLxor:
		return k.integer() || k == kBool
	case oBand, oBor, oBxor:
		return k.integer()
	case oMinLoc, oMaxLoc:
		return k == kLoc
	}
	return false
}

// resolve checks that o can reduce n elements of type t and returns the
// datatype and count to give MPI: predefined ops work on the scalars inside
// arrays, user ops on whole elements.
func (o *Op) resolve(op string, t *elemType, n int) (opHandle, dtypeHandle, int, error) {
	if o == nil {
		var none opHandle
		return none, byteType, 0, errorf(ClassOp, op, "nil op")
	}
	if o.kind == oUser {
		if o.freed.Load() {
			return o.h, byteType, 0, errorf(ClassOp, op, "op has been freed")
		}
		if o.elem != t {
			return o.h, byteType, 0, errorf(ClassOp, op, "op %s takes %s, not %s", o.name, o.elem.name, t.name)
		}
		h, err := t.handle(op)
		return o.h, h, n, err
	}
	if o.kind == oReplace || o.kind == oNoOp {
		return o.h, byteType, 0, errorf(ClassOp, op, "%s is for one-sided accumulates (Win) only", o.name)
	}
	if !o.accepts(t.base) {
		return o.h, byteType, 0, errorf(ClassOp, op, "%s is not defined on %s", o.name, t.name)
	}
	if t.base == kLoc {
		return o.h, t.h, n, nil
	}
	if n*t.width > maxCount {
		return o.h, byteType, 0, errorf(ClassCount, op, "%d scalars exceed MPI's limit of %d", n*t.width, maxCount)
	}
	return o.h, scalarTypes[t.base].h, n * t.width, nil
}

// userOps maps trampoline slots (raw.h) to Go reduction functions.
var userOps struct {
	mu  sync.Mutex
	fns [userOpSlots]atomic.Pointer[userFn]
}

type userFn struct {
	op *Op
	fn func(in, inout unsafe.Pointer, n int)
}

// callUserOp runs the Go function of slot: inout[i] = fn(in[i], inout[i]).
// A panic cannot unwind through MPI's C frames: it is recorded and turned
// into the error of the reduction that ran it.
func callUserOp(slot int, in, inout unsafe.Pointer, n int) {
	f := userOps.fns[slot].Load()
	if f == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprint(r)
			f.op.panicked.Store(&msg)
		}
	}()
	f.fn(in, inout, n)
}

// NewOp makes fn a reduction op for MPI (MPI_Op_create), usable with the
// native Reduce, Allreduce, Scan, Exscan and ReduceScatterBlock on Buffers of
// T. MPI computes inout[i] = fn(in[i], inout[i]) where in comes from lower
// ranks, so a non-commutative fn (commutative false) is applied in rank order:
// the result is x0 ∘ x1 ∘ … ∘ x(p-1). At most 32 user ops exist at once
// (ErrOther beyond that); Free releases one. Needs MPI running. If fn panics,
// the reduction returns an ErrOther error on the ranks where fn ran (MPI runs
// it on some ranks only, and cannot stop the others, whose result is then wrong).
func NewOp[T any](fn func(a, b T) T, commutative bool) (*Op, error) {
	t := typeOf[T]()
	if t.err != nil {
		return nil, t.typeErr("NewOp")
	}
	if fn == nil {
		return nil, errorf(ClassArg, "NewOp", "nil function")
	}
	if err := checkState("NewOp"); err != nil {
		return nil, err
	}
	o := &Op{name: "func(" + t.name + ")", kind: oUser, commute: commutative, elem: t}
	f := &userFn{op: o, fn: func(in, inout unsafe.Pointer, n int) {
		a, b := unsafe.Slice((*T)(in), n), unsafe.Slice((*T)(inout), n)
		for i := range b {
			b[i] = fn(a[i], b[i])
		}
	}}
	userOps.mu.Lock()
	defer userOps.mu.Unlock()
	o.slot = -1
	for i := range userOps.fns {
		if userOps.fns[i].Load() == nil {
			o.slot = i
			break
		}
	}
	if o.slot < 0 {
		return nil, errorf(ClassOther, "NewOp", "all %d user op slots are in use (Free unused ops)", userOpSlots)
	}
	if err := mpiError("NewOp", mpiOpCreate(o.slot, commutative, &o.h)); err != nil {
		return nil, err
	}
	userOps.fns[o.slot].Store(f)
	return o, nil
}

// Free releases a user-defined op (MPI_Op_free). Predefined ops cannot be freed.
func (o *Op) Free() error {
	if o == nil || o.kind != oUser {
		return errorf(ClassOp, "Op.Free", "only ops made by NewOp can be freed")
	}
	if err := checkState("Op.Free"); err != nil {
		return err
	}
	if o.freed.Swap(true) {
		return errorf(ClassOp, "Op.Free", "op already freed")
	}
	h := o.h
	err := mpiError("Op.Free", mpiOpFree(&h))
	userOps.mu.Lock()
	userOps.fns[o.slot].Store(nil)
	userOps.mu.Unlock()
	return err
}

// takePanic returns an error if o's function panicked during the last reduction.
func (o *Op) takePanic(op string) error {
	if o == nil || o.kind != oUser {
		return nil
	}
	if msg := o.panicked.Swap(nil); msg != nil {
		return errorf(ClassOther, op, "reduction function panicked: %s", *msg)
	}
	return nil
}

// opHandleOf returns the library's handle of predefined op k.
func opHandleOf(k opKind) opHandle {
	h, _ := enumopKind.toC(k)
	return h
}
