package mpi

import (
	"fmt"
	"math"
	"reflect"
	"sync"
	"unsafe"
)

// Element types. A Buffer holds elements of one Go type that MPI can move
// without encoding: bool, the sized and unsized integers, float32/64,
// complex64/128 (as MPI_C_FLOAT_COMPLEX / MPI_C_DOUBLE_COMPLEX), named types
// whose underlying type is one of those, fixed-size arrays of any of them
// ([4]float64, [3][3]int32), which become MPI_Type_contiguous types, and
// structs of any of them (struct{X, Y, Z float64; ID int32}), which become
// MPI_Type_create_struct types with the fields' offsets, resized to the Go
// size so that padding is skipped. The MPI datatype of an array or struct
// type is made on first use and kept until Finalize. Anything containing
// pointers, strings, slices, maps, interfaces, channels or functions is
// refused with ErrType: send those as Go values (SendValue).

// maxCount is the largest element count MPI takes (a C int).
const maxCount = math.MaxInt32

// kind numbers the scalar types; it is the K_* enum of raw.h.
type kind int

const (
	kBool kind = iota
	kInt8
	kInt16
	kInt32
	kInt64
	kUint8
	kUint16
	kUint32
	kUint64
	kFloat32
	kFloat64
	kComplex64
	kComplex128
	numKinds
	kStruct = numKinds     // a struct: no predefined op but MinLoc and MaxLoc (on Loc) applies
	kLoc    = numKinds + 1 // a Loc pair (MPI_DOUBLE_INT and the like)
)

func (k kind) integer() bool { return k >= kInt8 && k <= kUint64 }
func (k kind) ordered() bool { return k >= kInt8 && k <= kFloat64 }
func (k kind) numeric() bool { return k >= kInt8 && k < numKinds }

// elemType describes a Buffer's element type.
type elemType struct {
	name  string
	size  uintptr // bytes per element in memory
	data  uintptr // bytes of data per element, as in a message: size less a struct's padding
	base  kind    // scalar type of the innermost elements
	width int     // scalars per element: 1, or the product of array lengths
	err   error   // set when MPI cannot move this type

	derived bool      // an array or struct: its datatype is made on first use
	once    sync.Once // derived types are made on first use, after Init
	made    bool      // the derived type exists (set inside once)
	h       dtypeHandle
	hErr    error
	outer   int           // arrays: length of the outermost array
	inner   *elemType     // arrays: element type of the outermost array
	fields  []structField // structs: the fields sent
	dt      *Datatype     // TypeOf's Datatype, made once
}

// structField is a field of a struct element type.
type structField struct {
	name   string
	offset uintptr
	t      *elemType
}

var scalarTypes [numKinds]elemType

func init() {
	names := [numKinds]string{"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
		"uint64", "float32", "float64", "complex64", "complex128"}
	sizes := [numKinds]uintptr{1, 1, 2, 4, 8, 1, 2, 4, 8, 4, 8, 8, 16}
	for k := range numKinds {
		t := &scalarTypes[k]
		t.name, t.size, t.data, t.base, t.width = names[k], sizes[k], sizes[k], k, 1
		t.h, _ = enumkind.toC(k)
	}
}

// handle returns the MPI datatype of one element.
func (t *elemType) handle(op string) (dtypeHandle, error) {
	if !t.derived { // scalar, or a predefined pair
		return t.h, nil
	}
	if err := checkState(op); err != nil { // making a datatype needs MPI running
		return t.h, err
	}
	t.once.Do(func() { t.h, t.hErr = t.make(op); t.made = t.hErr == nil })
	return t.h, t.hErr
}

// make makes the MPI datatype of array or struct type t.
func (t *elemType) make(op string) (dtypeHandle, error) {
	if t.inner != nil {
		h, err := t.inner.handle(op)
		if err != nil {
			return h, err
		}
		h, rc := rawTypeContiguous(t.outer, h)
		return h, mpiError(op, rc)
	}
	lens, displs, types := make([]int, len(t.fields)), make([]int64, len(t.fields)), make([]dtypeHandle, len(t.fields))
	for i, f := range t.fields {
		h, err := f.t.handle(op)
		if err != nil {
			return h, err
		}
		lens[i], displs[i], types[i] = 1, int64(f.offset), h
	}
	packed, rc := rawTypeStruct(lens, displs, types)
	if err := mpiError(op, rc); err != nil {
		return packed, err
	}
	h, rc := rawTypeResized(packed, 0, int64(t.size))
	rawTypeFree(packed)
	return h, mpiError(op, rc)
}

// typeOf returns the element type of T without allocating.
func typeOf[T any]() *elemType {
	switch any((*T)(nil)).(type) {
	case *float64:
		return &scalarTypes[kFloat64]
	case *byte:
		return &scalarTypes[kUint8]
	case *int:
		return &scalarTypes[kInt64]
	case *int32:
		return &scalarTypes[kInt32]
	case *int64:
		return &scalarTypes[kInt64]
	case *float32:
		return &scalarTypes[kFloat32]
	case *uint64:
		return &scalarTypes[kUint64]
	case *complex128:
		return &scalarTypes[kComplex128]
	}
	return typeOfReflect(reflect.TypeFor[T]())
}

var derivedTypes sync.Map // reflect.Type → *elemType

var reflectKinds = map[reflect.Kind]kind{
	reflect.Bool: kBool, reflect.Int8: kInt8, reflect.Int16: kInt16, reflect.Int32: kInt32,
	reflect.Int64: kInt64, reflect.Uint8: kUint8, reflect.Uint16: kUint16, reflect.Uint32: kUint32,
	reflect.Uint64: kUint64, reflect.Float32: kFloat32, reflect.Float64: kFloat64,
	reflect.Complex64: kComplex64, reflect.Complex128: kComplex128,
}

func typeOfReflect(rt reflect.Type) *elemType {
	if t, ok := derivedTypes.Load(rt); ok {
		return t.(*elemType)
	}
	t := newElemType(rt)
	actual, _ := derivedTypes.LoadOrStore(rt, t)
	return actual.(*elemType)
}

func newElemType(rt reflect.Type) *elemType {
	k := rt.Kind()
	switch {
	case k == reflect.Int && rt.Size() == 8:
		k = reflect.Int64
	case k == reflect.Int:
		k = reflect.Int32
	case (k == reflect.Uint || k == reflect.Uintptr) && rt.Size() == 8:
		k = reflect.Uint64
	case k == reflect.Uint || k == reflect.Uintptr:
		k = reflect.Uint32
	}
	if sk, ok := reflectKinds[k]; ok {
		return &scalarTypes[sk]
	}
	if t := locType(rt); t != nil {
		return t
	}
	if k == reflect.Array {
		inner := typeOfReflect(rt.Elem())
		switch {
		case inner.err != nil:
			return &elemType{name: rt.String(), err: inner.err}
		case rt.Len() == 0:
			return &elemType{name: rt.String(), err: errorf(ClassType, "", "element type %v has size 0", rt)}
		case rt.Len()*inner.width > math.MaxInt32:
			return &elemType{name: rt.String(), err: errorf(ClassType, "", "element type %v is too large", rt)}
		}
		return &elemType{name: rt.String(), size: rt.Size(), data: uintptr(rt.Len()) * inner.data, base: inner.base,
			width: rt.Len() * inner.width, outer: rt.Len(), inner: inner, derived: true}
	}
	if k == reflect.Struct {
		return newStructType(rt)
	}
	return &elemType{name: rt.String(), err: errorf(ClassType, "",
		"element type %v cannot be sent as raw memory (use SendValue and friends for Go values)", rt)}
}

// newStructType is the element type of struct type rt: its fields, blank
// ones (padding) left out, each of a type MPI can move.
func newStructType(rt reflect.Type) *elemType {
	t := &elemType{name: rt.String(), size: rt.Size(), base: kStruct, width: 1, derived: true}
	for i := range rt.NumField() {
		f := rt.Field(i)
		ft := typeOfReflect(f.Type)
		if ft.err != nil {
			return &elemType{name: rt.String(), err: errorf(ClassType, "",
				"struct %v cannot be sent as raw memory: field %s is %v, which holds pointers or has no fixed size (use SendValue and friends for Go values)", rt, f.Name, f.Type)}
		}
		if f.Name != "_" && ft.size > 0 {
			t.fields = append(t.fields, structField{f.Name, f.Offset, ft})
			t.data += ft.data
		}
	}
	if len(t.fields) == 0 {
		return &elemType{name: rt.String(), err: errorf(ClassType, "", "struct %v has no data to send", rt)}
	}
	return t
}

// Buffer is a typed, contiguous span of Go memory that MPI reads or writes in
// place (zero copy): a slice (Buf) or a single variable (One). It keeps the
// memory alive; it does not copy it.
type Buffer struct {
	ptr     unsafe.Pointer
	n       int // elements (of dt, if set)
	t       *elemType
	dt      *Datatype // Typed: the layout of the elements
	span    int       // Typed: bytes of the memory dt lays out over
	inPlace bool
}

// Buf returns the Buffer of the elements of s. T must be a type MPI can move
// as raw memory (see the list above); otherwise operations on the Buffer
// return ErrType. An empty or nil slice is a valid Buffer of 0 elements.
func Buf[T any](s []T) Buffer {
	return Buffer{ptr: unsafe.Pointer(unsafe.SliceData(s)), n: len(s), t: typeOf[T]()}
}

// One returns the Buffer of the single element *p.
func One[T any](p *T) Buffer {
	if p == nil {
		return Buffer{t: typeOf[T]()}
	}
	return Buffer{ptr: unsafe.Pointer(p), n: 1, t: typeOf[T]()}
}

// InPlace is MPI_IN_PLACE: where a collective allows it, the receive buffer
// (or, at the root of Scatter, the send buffer) also holds the input.
var InPlace = Buffer{inPlace: true}

// Len returns the number of elements in b.
func (b Buffer) Len() int { return b.n }

// bytes returns the size of b's data in bytes: what a message of it holds.
func (b Buffer) bytes() int { return b.n * b.unit() }

// unit is the bytes of data of one element of b, as in a message (of its
// Datatype if Typed).
func (b Buffer) unit() int {
	if b.dt != nil {
		return int(b.dt.size)
	}
	return int(b.t.data)
}

// contiguous reports whether b's data is its memory as it is, with no gaps,
// as a staging area or scratch memory is copied to or from: not Typed, and
// not of a struct type with padding.
func (b Buffer) contiguous() bool { return b.dt == nil && (b.t == nil || b.t.data == b.t.size) }

func (b Buffer) String() string {
	if b.inPlace {
		return "InPlace"
	}
	if b.t == nil {
		return "Buffer{}"
	}
	if b.dt != nil {
		return fmt.Sprintf("%d×%s over []%s", b.n, b.dt, b.t.name)
	}
	return fmt.Sprintf("[%d]%s", b.n, b.t.name)
}

// typeErr reports, as op's error, why t cannot be an element type.
func (t *elemType) typeErr(op string) *Error {
	return &Error{Class: ClassType, Op: op, Msg: t.err.(*Error).Msg}
}

// check validates b for op and returns its element datatype.
func (b Buffer) check(op string) (dtypeHandle, error) {
	if t := b.t; t != nil && !t.derived && t.err == nil && b.dt == nil && !b.inPlace && b.n <= maxCount {
		return t.h, nil // a valid Buffer of a scalar type: one test, no call
	}
	return b.checkSlow(op)
}

func (b Buffer) checkSlow(op string) (dtypeHandle, error) {
	switch {
	case b.inPlace:
		return byteType, errorf(ClassBuffer, op, "InPlace is not allowed here")
	case b.t == nil:
		return byteType, errorf(ClassBuffer, op, "zero Buffer (make one with mpi.Buf or mpi.One)")
	case b.t.err != nil:
		return byteType, b.t.typeErr(op)
	case b.n > maxCount:
		return byteType, errorf(ClassCount, op, "%d elements exceed MPI's limit of %d", b.n, maxCount)
	case b.dt != nil:
		return b.checkTyped(op)
	}
	return b.t.handle(op)
}

// freeDerivedTypes frees the MPI datatypes made for array element types
// (MPICH reports the ones left at Finalize as leaks).
func freeDerivedTypes() {
	derivedTypes.Range(func(_, v any) bool {
		if t := v.(*elemType); t.made {
			rawTypeFree(t.h)
		}
		return true
	})
}
