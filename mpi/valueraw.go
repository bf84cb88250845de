package mpi

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"unsafe"
)

// Large slices of numbers, and large strings, travel raw: with the default
// codec, SendValue of a []float64 (or []byte, []int32, a string, …) of at
// least rawValueMin bytes sends a header (rawMagic, the element kind and the
// length in bytes) and then the slice's own memory, in chunks of up to
// valueChunk bytes, with no encoding and no copy, as mpi4py's pickle
// protocol 5 sends a numpy array's buffer out of band. RecvValue into a
// pointer to a slice of the same kind of element (or a string) receives
// straight into the new slice's memory. Into anything else (an *any, a
// slice of another type) it decodes as if CBOR had carried the value: the
// same result, the slow way. A 2 GiB+1 []byte went 14-65× slower than a
// typed Send of its bytes through CBOR (it copied the bytes five times);
// raw it takes about as long (doc/performance.md).

const (
	rawValueMin = 1 << 20
	rawMagic    = "\xffmpigo-raw:" // then the reflect.Kind of the elements, then the bytes (uint64)
)

// rawKinds are the element kinds that travel raw, with their sizes; a
// string travels as reflect.String (bytes).
var rawKinds = map[reflect.Kind]reflect.Type{
	reflect.Bool: reflect.TypeFor[bool](), reflect.Int8: reflect.TypeFor[int8](), reflect.Int16: reflect.TypeFor[int16](),
	reflect.Int32: reflect.TypeFor[int32](), reflect.Int64: reflect.TypeFor[int64](), reflect.Int: reflect.TypeFor[int](),
	reflect.Uint8: reflect.TypeFor[uint8](), reflect.Uint16: reflect.TypeFor[uint16](), reflect.Uint32: reflect.TypeFor[uint32](),
	reflect.Uint64: reflect.TypeFor[uint64](), reflect.Uint: reflect.TypeFor[uint](), reflect.Float32: reflect.TypeFor[float32](),
	reflect.Float64: reflect.TypeFor[float64](), reflect.String: reflect.TypeFor[byte](),
}

// plain reports whether t encodes by its kind alone: no method of its own
// (or of *t) could make CBOR encode it otherwise.
func plain(t reflect.Type) bool {
	return t.NumMethod() == 0 && reflect.PointerTo(t).NumMethod() == 0
}

// rawOf returns the memory of v and its element kind if v travels raw: a
// slice of plain numbers, or a plain string, of rawValueMin bytes or more.
func rawOf(v any) ([]byte, reflect.Kind, bool) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || !plain(rv.Type()) {
		return nil, 0, false
	}
	switch rv.Kind() {
	case reflect.String:
		s := rv.String()
		if len(s) < rawValueMin {
			return nil, 0, false
		}
		return unsafe.Slice(unsafe.StringData(s), len(s)), reflect.String, true
	case reflect.Slice:
		et := rv.Type().Elem()
		if _, ok := rawKinds[et.Kind()]; !ok || et.Kind() == reflect.String || !plain(et) {
			return nil, 0, false
		}
		n := rv.Len() * int(et.Size())
		if n < rawValueMin {
			return nil, 0, false
		}
		return unsafe.Slice((*byte)(rv.UnsafePointer()), n), et.Kind(), true
	}
	return nil, 0, false
}

func rawHeader(k reflect.Kind, total int) []byte {
	return binary.LittleEndian.AppendUint64(append([]byte(rawMagic), byte(k)), uint64(total))
}

// parseRawHeader is chunked's part for a raw header (from the wire: checked).
func parseRawHeader(data []byte) (int, reflect.Kind, error) {
	k := reflect.Kind(data[len(rawMagic)])
	total := binary.LittleEndian.Uint64(data[len(rawMagic)+1:])
	et, ok := rawKinds[k]
	switch {
	case !ok:
		return 0, 0, fmt.Errorf("a raw value's header names element kind %d", k)
	case total > math.MaxInt || total%uint64(et.Size()) != 0:
		return 0, 0, fmt.Errorf("a raw value's header announces %d bytes of %s", total, et)
	}
	return int(total), k, nil
}

// decodeRaw puts a raw value's bytes into ptr: in place where ptr points to
// a plain slice of the same kind of element (or a string), else as CBOR
// would have decoded the value.
func decodeRaw(data []byte, k reflect.Kind, ptr any) error {
	dst := reflect.ValueOf(ptr).Elem()
	et := rawKinds[k]
	if k == reflect.String {
		if dst.Kind() == reflect.String && plain(dst.Type()) {
			dst.SetString(unsafe.String(unsafe.SliceData(data), len(data))) // data is ours alone
			return nil
		}
		return unmarshal(mustMarshal(string(data)), ptr)
	}
	n := len(data) / int(et.Size())
	aligned := len(data) == 0 || uintptr(unsafe.Pointer(unsafe.SliceData(data)))%uintptr(et.Align()) == 0
	if dst.Kind() == reflect.Slice && dst.Type().Elem().Kind() == k && plain(dst.Type()) && plain(dst.Type().Elem()) && aligned {
		dst.Set(reflect.NewAt(reflect.ArrayOf(n, dst.Type().Elem()), unsafe.Pointer(unsafe.SliceData(data))).Elem().Slice(0, n))
		return nil
	}
	// Another type: as CBOR would have carried it (a slice of et).
	s := reflect.MakeSlice(reflect.SliceOf(et), n, n)
	copy(unsafe.Slice((*byte)(s.UnsafePointer()), len(data)), data)
	return unmarshal(mustMarshal(s.Interface()), ptr)
}

func mustMarshal(v any) []byte {
	b, err := CBOR().Marshal(v)
	if err != nil {
		panic(err) // a slice of numbers or a string always encodes
	}
	return b
}
