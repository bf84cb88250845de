package mpi

import (
	"fmt"
	"reflect"
	"sync"
)

// Complex numbers through the default codec. CBOR has no complex type, so a
// value whose type holds complex64 or complex128 where the type says so (a
// field, an element, the value itself) is encoded through a mirror of its
// type in which each complex number is a [2]float32 or [2]float64 of its
// real and imaginary parts, and decoded through the mirror of the type it is
// decoded into: both sides know where the complex numbers are from the
// types alone. Decoded into an interface (an *any), a complex number comes
// back as CBOR's generic array of two floats, as a struct comes back as a
// map. A complex number inside an interface value (a map[string]any holding
// one) cannot be found again by the receiver, and is refused on the sender
// (valuecheck.go).

var mirrors sync.Map // reflect.Type -> reflect.Type (nil: t needs no mirror)

// mirrorOf returns t's mirror, or nil if t holds no complex number where its
// type says so.
func mirrorOf(t reflect.Type) reflect.Type {
	if m, ok := mirrors.Load(t); ok {
		m, _ := m.(reflect.Type)
		return m
	}
	m := makeMirror(t, map[reflect.Type]bool{})
	mirrors.Store(t, m)
	return m
}

func makeMirror(t reflect.Type, seen map[reflect.Type]bool) reflect.Type {
	if seen[t] || !plainForCodec(t) {
		return nil // recursive types, and types that encode themselves, as they are
	}
	seen[t] = true
	defer delete(seen, t)
	switch t.Kind() {
	case reflect.Complex64:
		return reflect.TypeFor[[2]float32]()
	case reflect.Complex128:
		return reflect.TypeFor[[2]float64]()
	case reflect.Pointer:
		if e := makeMirror(t.Elem(), seen); e != nil {
			return reflect.PointerTo(e)
		}
	case reflect.Slice:
		if e := makeMirror(t.Elem(), seen); e != nil {
			return reflect.SliceOf(e)
		}
	case reflect.Array:
		if e := makeMirror(t.Elem(), seen); e != nil {
			return reflect.ArrayOf(t.Len(), e)
		}
	case reflect.Map:
		k, e := makeMirror(t.Key(), seen), makeMirror(t.Elem(), seen)
		if k != nil || e != nil {
			return reflect.MapOf(orType(k, t.Key()), orType(e, t.Elem()))
		}
	case reflect.Struct:
		var fields []reflect.StructField
		changed := false
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue // not encoded (valuecheck.go refuses those that would be)
			}
			if m := makeMirror(f.Type, seen); m != nil {
				f.Type, changed = m, true
			}
			f.Index, f.Offset = nil, 0
			fields = append(fields, f)
		}
		if changed {
			return reflect.StructOf(fields)
		}
	}
	return nil
}

func orType(m, t reflect.Type) reflect.Type {
	if m != nil {
		return m
	}
	return t
}

// toMirror copies v into a new value of its mirror m.
func toMirror(v reflect.Value, m reflect.Type) reflect.Value {
	out := reflect.New(m).Elem()
	convert(v, out)
	return out
}

// convert copies from into to, where one's type is the other's mirror (or
// they are the same type): complex numbers to and from pairs of floats.
func convert(from, to reflect.Value) {
	if from.Type() == to.Type() {
		to.Set(from)
		return
	}
	switch to.Kind() {
	case reflect.Array:
		if from.Kind() == reflect.Complex64 || from.Kind() == reflect.Complex128 {
			c := from.Complex()
			to.Index(0).SetFloat(real(c))
			to.Index(1).SetFloat(imag(c))
			return
		}
		for i := range to.Len() {
			convert(from.Index(i), to.Index(i))
		}
	case reflect.Complex64, reflect.Complex128:
		to.SetComplex(complex(from.Index(0).Float(), from.Index(1).Float()))
	case reflect.Pointer:
		if !from.IsNil() {
			to.Set(reflect.New(to.Type().Elem()))
			convert(from.Elem(), to.Elem())
		}
	case reflect.Slice:
		if !from.IsNil() {
			to.Set(reflect.MakeSlice(to.Type(), from.Len(), from.Len()))
			for i := range from.Len() {
				convert(from.Index(i), to.Index(i))
			}
		}
	case reflect.Map:
		if !from.IsNil() {
			to.Set(reflect.MakeMapWithSize(to.Type(), from.Len()))
			for it := from.MapRange(); it.Next(); {
				k, e := reflect.New(to.Type().Key()).Elem(), reflect.New(to.Type().Elem()).Elem()
				convert(it.Key(), k)
				convert(it.Value(), e)
				to.SetMapIndex(k, e)
			}
		}
	case reflect.Struct:
		for i := range to.NumField() {
			name := to.Type().Field(i).Name
			if f := from.FieldByName(name); f.IsValid() && f.CanInterface() {
				convert(f, to.Field(i))
			}
		}
	default:
		panic(fmt.Sprintf("mpi: no conversion from %s to %s", from.Type(), to.Type()))
	}
}
