package mpi

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Datatype is an MPI datatype (MPI_Datatype): a layout of elements in
// memory, for sending strided and irregular data (a column of a matrix, the
// halo of a block, a sub-block) without copying it first. TypeOf gives the
// datatype of a Go type; the constructors (Contiguous, Vector, Hvector,
// Indexed, Hindexed, IndexedBlock, HindexedBlock, Subarray, Resized,
// StructType) build new ones from old ones, committed and ready to use.
// A Datatype is used through Typed, which lays it over a Go slice and checks,
// before MPI is called, that every byte it reaches lies inside the slice.
// Free releases one; a freed Datatype is ErrType wherever it is passed.
// A Datatype is safe for use by several goroutines.
type Datatype struct {
	h          dtypeHandle
	name       string
	size       int64 // bytes of data (MPI_Type_size_x)
	lb, extent int64 // MPI_Type_get_extent_x: the stride between consecutive elements
	trueLB     int64 // MPI_Type_get_true_extent_x: the bytes the data really spans
	trueExtent int64
	layout     []span // the data's bytes, sorted and merged; nil if too many (maxSpans)
	overlaps   bool   // some byte is reached twice
	predefined bool   // TypeOf's (freed by Finalize), or MPI's own: not freed by Free
	freed      atomic.Bool
}

// span is a run of bytes a datatype reaches: [off, off+n).
type span struct{ off, n int64 }

// maxSpans bounds the layout a Datatype keeps to check receives for
// overlapping bytes; a datatype of more separate runs is not checked.
const maxSpans = 1 << 16

func (d *Datatype) String() string {
	if d == nil {
		return "<nil Datatype>"
	}
	return d.name
}

// Size returns the number of bytes of data in one element of d (MPI_Type_size_x).
func (d *Datatype) Size() int64 { return d.size }

// Extent returns d's lower bound and extent in bytes (MPI_Type_get_extent_x):
// consecutive elements of d start extent bytes apart.
func (d *Datatype) Extent() (lb, extent int64) { return d.lb, d.extent }

// TrueExtent returns the lower bound and extent of the bytes d really reaches
// (MPI_Type_get_true_extent_x).
func (d *Datatype) TrueExtent() (lb, extent int64) { return d.trueLB, d.trueExtent }

// Free releases d (MPI_Type_free). Operations already started with d go on;
// later use of d is ErrType. TypeOf's datatypes cannot be freed.
func (d *Datatype) Free() error {
	if err := d.usable("Datatype.Free"); err != nil {
		return err
	}
	if d.predefined {
		return errorf(ClassType, "Datatype.Free", "%s is predefined (TypeOf's, or MPI's own) and lives until Finalize", d)
	}
	if d.freed.Swap(true) {
		return errorf(ClassType, "Datatype.Free", "datatype %s has been freed", d)
	}
	return mpiError("Datatype.Free", rawTypeFree(d.h))
}

// usable returns an error if d cannot be used now.
func (d *Datatype) usable(op string) error {
	if err := checkState(op); err != nil {
		return err
	}
	if d == nil {
		return errorf(ClassType, op, "nil Datatype")
	}
	if d.freed.Load() {
		return errorf(ClassType, op, "datatype %s has been freed", d)
	}
	return nil
}

// TypeOf returns the datatype of one element of Go type T: MPI_DOUBLE for
// float64, a committed struct type for a struct of such fields, and so on
// (see Buf for the types). It is made once per type and lives until Finalize.
func TypeOf[T any]() (*Datatype, error) { return typeOf[T]().datatype("TypeOf") }

func (t *elemType) datatype(op string) (*Datatype, error) {
	if t.err != nil {
		return nil, t.typeErr(op)
	}
	if err := checkState(op); err != nil { // a Datatype asks MPI for its extents
		return nil, err
	}
	h, err := t.handle(op)
	if err != nil {
		return nil, err
	}
	typeOfMu.Lock()
	defer typeOfMu.Unlock()
	if t.dt == nil {
		d, err := newDatatype(op, h, t.name, t.layout())
		if err != nil {
			return nil, err
		}
		d.predefined = true
		t.dt = d
	}
	return t.dt, nil
}

// typeOfMu guards the Datatypes of element types (elemType.dt).
var typeOfMu sync.Mutex

// layout returns the bytes an element of t reaches.
func (t *elemType) layout() []span {
	switch {
	case t.inner != nil:
		return repeat(t.inner.layout(), t.outer, int64(t.inner.size))
	case t.fields != nil:
		var out []span
		for _, f := range t.fields {
			out = append(out, shift(f.t.layout(), int64(f.offset))...)
		}
		return out
	}
	return []span{{0, int64(t.size)}}
}

// newDatatype wraps a new committed handle h, whose data reaches the bytes
// of layout (nil: not known).
func newDatatype(op string, h dtypeHandle, name string, layout []span) (*Datatype, error) {
	shape, rc := rawTypeShape(h)
	if err := mpiError(op, rc); err != nil {
		return nil, err
	}
	d := &Datatype{h: h, name: name, size: shape[0], lb: shape[1], extent: shape[2], trueLB: shape[3], trueExtent: shape[4]}
	d.layout, d.overlaps = merge(layout)
	return d, nil
}

// derive makes a datatype from olds by make (a raw constructor), after the
// checks of its arguments; layout is the new type's bytes, or nil.
func derive(op, name string, olds []*Datatype, check error, layout func() []span, make func() (dtypeHandle, int)) (*Datatype, error) {
	for _, o := range olds {
		if err := o.usable(op); err != nil {
			return nil, err
		}
	}
	if check != nil {
		return nil, check
	}
	h, rc := make()
	if err := mpiError(op, rc); err != nil {
		return nil, err
	}
	var l []span
	known := true
	for _, o := range olds {
		known = known && o.layout != nil
	}
	if known {
		l = layout()
	}
	d, err := newDatatype(op, h, name, l)
	if err != nil {
		rawTypeFree(h)
	}
	return d, err
}

// Contiguous returns the datatype of count consecutive elements of old (MPI_Type_contiguous).
func Contiguous(count int, old *Datatype) (*Datatype, error) {
	return derive("Contiguous", fmt.Sprintf("contiguous(%d, %s)", count, old), []*Datatype{old},
		checkCounts("Contiguous", "count", count),
		func() []span { return repeat(old.layout, count, old.extent) },
		func() (dtypeHandle, int) { return rawTypeContiguous(count, old.h) })
}

// Vector returns the datatype of count blocks of blocklen elements of old,
// the blocks' starts stride elements apart (MPI_Type_vector): a column of a
// row-major matrix with n columns is Vector(rows, 1, n, float64Type).
func Vector(count, blocklen, stride int, old *Datatype) (*Datatype, error) {
	return derive("Vector", fmt.Sprintf("vector(%d, %d, %d, %s)", count, blocklen, stride, old), []*Datatype{old},
		checkCounts("Vector", "count", count, "block length", blocklen, "stride", abs(stride)),
		func() []span {
			return blocks(old, count, blocklen, func(i int) int64 { return int64(i*stride) * old.extent })
		},
		func() (dtypeHandle, int) { return rawTypeVector(count, blocklen, stride, old.h) })
}

// Hvector is Vector with the stride in bytes (MPI_Type_create_hvector).
func Hvector(count, blocklen int, stride int64, old *Datatype) (*Datatype, error) {
	return derive("Hvector", fmt.Sprintf("hvector(%d, %d, %dB, %s)", count, blocklen, stride, old), []*Datatype{old},
		checkCounts("Hvector", "count", count, "block length", blocklen),
		func() []span { return blocks(old, count, blocklen, func(i int) int64 { return int64(i) * stride }) },
		func() (dtypeHandle, int) { return rawTypeHvector(count, blocklen, stride, old.h) })
}

// Indexed returns the datatype of blocks of blocklens[i] elements of old at
// displs[i] elements from the start (MPI_Type_indexed).
func Indexed(blocklens, displs []int, old *Datatype) (*Datatype, error) {
	return derive("Indexed", fmt.Sprintf("indexed(%d blocks, %s)", len(blocklens), old), []*Datatype{old},
		checkBlocks("Indexed", blocklens, len(displs), displs),
		func() []span {
			return irregular(old, blocklens, func(i int) int64 { return int64(displs[i]) * old.extent })
		},
		func() (dtypeHandle, int) { return rawTypeIndexed(blocklens, displs, old.h) })
}

// Hindexed is Indexed with the displacements in bytes (MPI_Type_create_hindexed).
func Hindexed(blocklens []int, displs []int64, old *Datatype) (*Datatype, error) {
	return derive("Hindexed", fmt.Sprintf("hindexed(%d blocks, %s)", len(blocklens), old), []*Datatype{old},
		checkBlocks("Hindexed", blocklens, len(displs), nil),
		func() []span { return irregular(old, blocklens, func(i int) int64 { return displs[i] }) },
		func() (dtypeHandle, int) { return rawTypeHindexed(blocklens, displs, old.h) })
}

// IndexedBlock is Indexed with blocks of one length (MPI_Type_create_indexed_block).
func IndexedBlock(blocklen int, displs []int, old *Datatype) (*Datatype, error) {
	lens := slices.Repeat([]int{blocklen}, len(displs))
	return derive("IndexedBlock", fmt.Sprintf("indexed_block(%d×%d, %s)", len(displs), blocklen, old), []*Datatype{old},
		checkBlocks("IndexedBlock", lens, len(displs), displs),
		func() []span { return irregular(old, lens, func(i int) int64 { return int64(displs[i]) * old.extent }) },
		func() (dtypeHandle, int) { return rawTypeIndexedBlock(blocklen, displs, old.h) })
}

// HindexedBlock is IndexedBlock with the displacements in bytes (MPI_Type_create_hindexed_block).
func HindexedBlock(blocklen int, displs []int64, old *Datatype) (*Datatype, error) {
	lens := slices.Repeat([]int{blocklen}, len(displs))
	return derive("HindexedBlock", fmt.Sprintf("hindexed_block(%d×%d, %s)", len(displs), blocklen, old), []*Datatype{old},
		checkBlocks("HindexedBlock", lens, len(displs), nil),
		func() []span { return irregular(old, lens, func(i int) int64 { return displs[i] }) },
		func() (dtypeHandle, int) { return rawTypeHindexedBlock(blocklen, displs, old.h) })
}

// Subarray returns the datatype of the sub-block subsizes at starts of a
// row-major (C order) array of sizes elements of old
// (MPI_Type_create_subarray with MPI_ORDER_C). Its extent is the whole
// array's, so one element of it lies over the whole array.
func Subarray(sizes, subsizes, starts []int, old *Datatype) (*Datatype, error) {
	return derive("Subarray", fmt.Sprintf("subarray(%v of %v at %v, %s)", subsizes, sizes, starts, old), []*Datatype{old},
		checkSubarray(sizes, subsizes, starts),
		func() []span { return subarrayLayout(sizes, subsizes, starts, old) },
		func() (dtypeHandle, int) { return rawTypeSubarray(sizes, subsizes, starts, old.h) })
}

// Resized returns old with lower bound lb and extent extent in bytes
// (MPI_Type_create_resized): consecutive elements then start extent bytes
// apart, as when scattering the columns of a matrix.
func Resized(old *Datatype, lb, extent int64) (*Datatype, error) {
	return derive("Resized", fmt.Sprintf("resized(%s, %d, %d)", old, lb, extent), []*Datatype{old}, nil,
		func() []span { return old.layout },
		func() (dtypeHandle, int) { return rawTypeResized(old.h, lb, extent) })
}

// StructType returns the datatype of blocks of blocklens[i] elements of
// types[i] at displs[i] bytes (MPI_Type_create_struct). For a Go struct,
// TypeOf makes this from the struct's fields.
func StructType(blocklens []int, displs []int64, types []*Datatype) (*Datatype, error) {
	var check error
	if len(types) != len(blocklens) {
		check = errorf(ClassArg, "StructType", "%d block lengths but %d types", len(blocklens), len(types))
	} else {
		check = checkBlocks("StructType", blocklens, len(displs), nil)
	}
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = t.String()
	}
	return derive("StructType", "struct{"+strings.Join(names, ", ")+"}", types, check,
		func() []span {
			var out []span
			for i, t := range types {
				out = append(out, shift(repeat(t.layout, blocklens[i], t.extent), displs[i])...)
				if len(out) > maxSpans {
					return nil
				}
			}
			return out
		},
		func() (dtypeHandle, int) {
			hs := make([]dtypeHandle, len(types))
			for i, t := range types {
				hs[i] = t.h
			}
			return rawTypeStruct(blocklens, displs, hs)
		})
}

// Dup returns a copy of d (MPI_Type_dup), freed separately.
func (d *Datatype) Dup() (*Datatype, error) {
	return derive("Datatype.Dup", d.String(), []*Datatype{d}, nil,
		func() []span { return d.layout },
		func() (dtypeHandle, int) { return rawTypeDup(d.h) })
}

// ---- argument checks ----

// checkCounts checks name/value pairs of counts: each from 0 to maxCount.
func checkCounts(op string, pairs ...any) error {
	for i := 0; i < len(pairs); i += 2 {
		if n := pairs[i+1].(int); n < 0 || n > maxCount {
			return errorf(ClassCount, op, "%s %d out of range [0, %d]", pairs[i], n, maxCount)
		}
	}
	return nil
}

func checkBlocks(op string, blocklens []int, ndispls int, displs []int) error {
	if len(blocklens) != ndispls {
		return errorf(ClassArg, op, "%d block lengths but %d displacements", len(blocklens), ndispls)
	}
	if len(blocklens) > maxCount {
		return errorf(ClassCount, op, "%d blocks exceed MPI's limit of %d", len(blocklens), maxCount)
	}
	for i, n := range blocklens {
		if n < 0 || n > maxCount {
			return errorf(ClassCount, op, "block %d: length %d out of range [0, %d]", i, n, maxCount)
		}
	}
	for i, d := range displs {
		if abs(d) > maxCount {
			return errorf(ClassArg, op, "block %d: displacement %d out of range", i, d)
		}
	}
	return nil
}

func checkSubarray(sizes, subsizes, starts []int) error {
	const op = "Subarray"
	if len(sizes) == 0 || len(subsizes) != len(sizes) || len(starts) != len(sizes) {
		return errorf(ClassArg, op, "want as many (at least one) sizes, subsizes and starts; have %d, %d, %d", len(sizes), len(subsizes), len(starts))
	}
	total := 1
	for i := range sizes {
		switch {
		case sizes[i] < 1 || sizes[i] > maxCount:
			return errorf(ClassArg, op, "dimension %d: size %d out of range [1, %d]", i, sizes[i], maxCount)
		case subsizes[i] < 1 || subsizes[i] > sizes[i]:
			return errorf(ClassArg, op, "dimension %d: subsize %d out of range [1, %d]", i, subsizes[i], sizes[i])
		case starts[i] < 0 || starts[i] > sizes[i]-subsizes[i]:
			return errorf(ClassArg, op, "dimension %d: start %d out of range [0, %d]", i, starts[i], sizes[i]-subsizes[i])
		}
		if total *= sizes[i]; total > maxCount {
			return errorf(ClassCount, op, "an array of %v elements exceeds MPI's limit of %d", sizes, maxCount)
		}
	}
	return nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// ---- layouts: the bytes a datatype reaches, to refuse receives into overlapping ones ----

func shift(l []span, by int64) []span {
	out := make([]span, len(l))
	for i, s := range l {
		out[i] = span{s.off + by, s.n}
	}
	return out
}

// repeat returns n copies of layout l, stride bytes apart (nil if too many).
func repeat(l []span, n int, stride int64) []span {
	if l == nil || n*len(l) > maxSpans {
		return nil
	}
	out := make([]span, 0, n*len(l))
	for i := range n {
		out = append(out, shift(l, int64(i)*stride)...)
	}
	return out
}

// blocks is the layout of count blocks of blocklen elements of old, block i at start(i).
func blocks(old *Datatype, count, blocklen int, start func(i int) int64) []span {
	block := repeat(old.layout, blocklen, old.extent)
	if block == nil || count*len(block) > maxSpans {
		return nil
	}
	var out []span
	for i := range count {
		out = append(out, shift(block, start(i))...)
	}
	return out
}

func irregular(old *Datatype, blocklens []int, start func(i int) int64) []span {
	var out []span
	for i, n := range blocklens {
		out = append(out, shift(repeat(old.layout, n, old.extent), start(i))...)
		if len(out) > maxSpans {
			return nil
		}
	}
	return out
}

func subarrayLayout(sizes, subsizes, starts []int, old *Datatype) []span {
	nd := len(sizes)
	rows := 1
	for _, n := range subsizes[:nd-1] {
		rows *= n
	}
	row := repeat(old.layout, subsizes[nd-1], old.extent)
	if row == nil || rows*len(row) > maxSpans {
		return nil
	}
	var out []span
	idx := make([]int, nd-1)
	for range rows {
		off := int64(0)
		for d := range nd {
			i := starts[d]
			if d < nd-1 {
				i += idx[d]
			}
			off = off*int64(sizes[d]) + int64(i)
		}
		out = append(out, shift(row, off*old.extent)...)
		for d := nd - 2; d >= 0; d-- { // next row, last index fastest
			if idx[d]++; idx[d] < subsizes[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// merge sorts l, joins adjacent runs and reports whether any overlap.
func merge(l []span) ([]span, bool) {
	if l == nil {
		return nil, false
	}
	l = slices.Clone(l)
	slices.SortFunc(l, func(a, b span) int { return int(min(max(a.off-b.off, -1), 1)) })
	out, overlaps := l[:0], false
	for _, s := range l {
		if s.n == 0 {
			continue
		}
		if k := len(out) - 1; k >= 0 && s.off <= out[k].off+out[k].n {
			overlaps = overlaps || s.off < out[k].off+out[k].n
			out[k].n = max(out[k].n, s.off+s.n-out[k].off)
			continue
		}
		out = append(out, s)
	}
	return out, overlaps
}

// overlapsIn reports whether count elements of d reach some byte twice, as
// far as d's layout is known.
func (d *Datatype) overlapsIn(count int) bool {
	if d.overlaps || count <= 1 || d.layout == nil || len(d.layout) == 0 {
		return d.overlaps
	}
	first, last := d.layout[0], d.layout[len(d.layout)-1]
	if reach := last.off + last.n - first.off; abs64(d.extent) >= reach {
		return false // the elements do not interleave
	}
	l := repeat(d.layout, count, d.extent)
	if l == nil {
		return false // too large to check
	}
	_, overlaps := merge(l)
	return overlaps
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// ---- Typed buffers ----

// Typed returns the Buffer of count elements of datatype dt laid over the
// memory of s, starting at s[0]: what MPI reads or writes in place. Before
// MPI is called, every operation checks that all the bytes those elements
// reach lie inside s (ErrBuffer otherwise), that dt is not freed (ErrType),
// and, for a receive, that no byte is reached twice (ErrType: MPI leaves
// such receives undefined). T must be a type Buf accepts. A Typed receive is
// never staged: a message longer than count elements is ErrTruncate, and the
// buffer is left unchanged. Reductions take Buf buffers only.
func Typed[T any](s []T, dt *Datatype, count int) Buffer {
	t := typeOf[T]()
	if dt == nil { // without a Datatype it would pass for Buf(s) of count elements
		t = nilTyped
	}
	return Buffer{ptr: unsafe.Pointer(unsafe.SliceData(s)), n: count, t: t, dt: dt, span: len(s) * int(t.size)}
}

// nilTyped is the element type of a Typed buffer without a Datatype: every
// operation on it fails.
var nilTyped = &elemType{name: "Typed(nil Datatype)", err: errorf(ClassType, "", "Typed with a nil Datatype")}

// checkTyped checks a Typed buffer (see Typed) and returns its datatype.
func (b Buffer) checkTyped(op string) (dtypeHandle, error) {
	d := b.dt
	if err := d.usable(op); err != nil {
		return byteType, err
	}
	if b.n < 0 {
		return byteType, errorf(ClassCount, op, "negative count %d", b.n)
	}
	if b.n == 0 || d.size == 0 {
		return d.h, nil
	}
	lo, hi, ok := typedReach(int64(b.n), d.trueLB, d.trueExtent, d.extent)
	if !ok {
		return byteType, bufErr(op, "%d elements of %s (extent %d) reach further than any slice can hold", b.n, d, d.extent)
	}
	if !rangeInside(0, lo, hi, int64(b.span)) {
		return byteType, bufErr(op, "%d elements of %s reach bytes [%d, %d) of a slice of %d bytes", b.n, d, lo, hi, b.span)
	}
	return d.h, nil
}

// checkRecvBuf is check for a buffer that receives: a Typed one must not
// reach a byte twice.
func (b Buffer) checkRecvBuf(op string) (dtypeHandle, error) {
	h, err := b.check(op)
	if err == nil && b.dt != nil && b.dt.overlapsIn(b.n) {
		return byteType, errorf(ClassType, op, "%d elements of %s reach some bytes twice, which MPI cannot receive into", b.n, b.dt)
	}
	return h, err
}

// ---- packing ----

// PackSize returns an upper bound of the bytes Pack needs for b over c (MPI_Pack_size).
func PackSize(b Buffer, c *Comm) (int, error) {
	if err := c.check("PackSize"); err != nil {
		return 0, err
	}
	dt, err := b.check("PackSize")
	if err != nil {
		return 0, err
	}
	var n int
	rc := mpiPackSize(b.n, dt, c.h, &n)
	return n, mpiError("PackSize", rc)
}

// Pack packs the data of b into out from byte pos on, and returns the
// position after it (MPI_Pack): several buffers can be packed one after the
// other and sent as one message of bytes, to be unpacked with Unpack. Too
// little room in out (less than PackSize(b) from pos) is ErrTruncate; nothing
// is written past out.
func Pack(b Buffer, out []byte, pos int, c *Comm) (int, error) {
	return pack("Pack", false, b, out, pos, c)
}

// Unpack unpacks into b what Pack put in in from byte pos on, and returns
// the position after it (MPI_Unpack). Fewer than PackSize(b) bytes left in
// in is ErrTruncate; nothing is read past in.
func Unpack(in []byte, pos int, b Buffer, c *Comm) (int, error) {
	return pack("Unpack", true, b, in, pos, c)
}

func pack(op string, unpack bool, b Buffer, packed []byte, pos int, c *Comm) (int, error) {
	if err := c.check(op); err != nil {
		return pos, err
	}
	dt, p, err := packArgs(op, unpack, b, packed, pos, func(dt dtypeHandle) (int64, int) {
		var need int
		rc := mpiPackSize(b.n, dt, c.h, &need)
		return int64(need), rc
	})
	if err != nil {
		return pos, err
	}
	var rc int
	if unpack {
		rc = mpiUnpack(p, len(packed), &pos, b.ptr, b.n, dt, c.h)
	} else {
		rc = mpiPack(b.ptr, b.n, dt, p, len(packed), &pos, c.h)
	}
	return pos, mpiError(op, rc)
}

// packArgs checks a pack (or unpack) of b at byte pos of packed, where it
// takes size(b's datatype) bytes, and returns b's datatype and packed's
// address. The room is checked here, not left to MPI: MPICH 4.0 packs past
// the end of a short buffer without an error (measured), and unpacks from
// past its end.
func packArgs(op string, unpack bool, b Buffer, packed []byte, pos int, size func(dtypeHandle) (int64, int)) (dtypeHandle, unsafe.Pointer, error) {
	check := b.check
	if unpack {
		check = b.checkRecvBuf
	}
	dt, err := check(op)
	if err != nil {
		return dt, nil, err
	}
	if pos < 0 || pos > len(packed) || len(packed) > maxCount {
		return dt, nil, errorf(ClassArg, op, "position %d outside a packed buffer of %d bytes", pos, len(packed))
	}
	need, rc := size(dt)
	if rc != rcSuccess {
		return dt, nil, mpiError(op, rc)
	}
	if need > int64(len(packed)-pos) {
		return dt, nil, errorf(ClassTruncate, op, "%d bytes from position %d of a packed buffer of %d; the data takes %d", len(packed)-pos, pos, len(packed), need)
	}
	if len(packed) == 0 {
		packed = make([]byte, 1)[:0] // MPI takes no nil pointer
	}
	return dt, unsafe.Pointer(unsafe.SliceData(packed)), nil
}

// ---- MinLoc and MaxLoc pairs ----

// Loc is a value and its index, for reductions with MinLoc and MaxLoc: the
// layout of MPI's pair types (MPI_DOUBLE_INT for Loc[float64], MPI_FLOAT_INT,
// MPI_2INT, MPI_LONG_INT and MPI_SHORT_INT), so a Buf of them goes to MPI as it is.
type Loc[T float32 | float64 | int16 | int32 | int64 | int] struct {
	Value T
	Index int32
}

// locType is the element type of rt if it is a Loc, else nil.
func locType(rt reflect.Type) *elemType {
	if rt.Kind() != reflect.Struct || rt.NumField() != 2 || rt.PkgPath() != locPkg || !strings.HasPrefix(rt.Name(), "Loc[") {
		return nil
	}
	v := typeOfReflect(rt.Field(0).Type)
	return &elemType{name: rt.String(), size: rt.Size(), data: v.size + 4, base: kLoc, width: 1, h: locHandle(v.base)}
}

var locPkg = reflect.TypeFor[Loc[int32]]().PkgPath()

// locKind names the pair types of Loc by the kind of their Value.
type locKind = kind

// locHandle returns the predefined pair type of a Loc whose Value is of kind
// k (MPI_FLOAT_INT and the like), or the null type.
func locHandle(k kind) dtypeHandle {
	if h, ok := enumlocKind.toC(k); ok {
		return h
	}
	return dtypeNull
}
