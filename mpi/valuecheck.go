package mpi

import (
	"encoding"
	"fmt"
	"math/big"
	"reflect"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Values the default codec would change on the way. CBOR (like JSON) sends
// a struct's exported fields only: a struct with unexported fields would
// arrive with zeros in them and no error anywhere. So before the default
// codec encodes a value, the sender checks its type (once per type, then
// cached) and refuses one that has such a field, naming it. Fields tagged
// `cbor:"-"` (or `json:"-"`) are left out on purpose and allowed; so is a
// type that encodes itself (MarshalCBOR, MarshalBinary) and the types CBOR
// knows (time.Time, big.Int). Where the static type holds interfaces
// (map[string]any, []any), the values inside are checked as they are.

// typeVerdict is what the check found in a type: a reason to refuse it, or
// that values inside it must be looked at (it holds interfaces).
type typeVerdict struct {
	refuse  string
	dynamic bool
}

var typeVerdicts sync.Map // reflect.Type -> typeVerdict

var (
	cborMarshaler   = reflect.TypeFor[cbor.Marshaler]()
	binaryMarshaler = reflect.TypeFor[encoding.BinaryMarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
	bigIntType      = reflect.TypeFor[big.Int]()
)

// plainForCodec reports whether the codec encodes t by its structure (not a
// method of its own, nor one of the types CBOR knows).
func plainForCodec(t reflect.Type) bool {
	return t != timeType && t != bigIntType && !t.Implements(cborMarshaler) && !t.Implements(binaryMarshaler) &&
		!reflect.PointerTo(t).Implements(cborMarshaler) && !reflect.PointerTo(t).Implements(binaryMarshaler)
}

// isDefault reports whether c is the default codec, whose limits this file
// and valuecomplex.go and valueraw.go work around.
func isDefault(c Codec) bool {
	_, ok := c.(cborCodec)
	return ok
}

// verdictOf returns the verdict on t (cached).
func verdictOf(t reflect.Type) typeVerdict {
	if v, ok := typeVerdicts.Load(t); ok {
		return v.(typeVerdict)
	}
	v := judge(t, map[reflect.Type]bool{})
	typeVerdicts.Store(t, v)
	return v
}

// judge computes the verdict on t; seen holds the types being judged
// (a recursive type refers back to one: no new finding there).
func judge(t reflect.Type, seen map[reflect.Type]bool) typeVerdict {
	if seen[t] {
		return typeVerdict{}
	}
	if !plainForCodec(t) {
		return typeVerdict{}
	}
	seen[t] = true
	defer delete(seen, t)
	switch t.Kind() {
	case reflect.Interface:
		return typeVerdict{dynamic: true}
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return judge(t.Elem(), seen)
	case reflect.Map:
		k, e := judge(t.Key(), seen), judge(t.Elem(), seen)
		if k.refuse != "" {
			return k
		}
		return typeVerdict{refuse: e.refuse, dynamic: k.dynamic || e.dynamic}
	case reflect.Struct:
		var out typeVerdict
		for i := range t.NumField() {
			f := t.Field(i)
			if tag := f.Tag.Get("cbor"); tag == "-" || tag == "" && f.Tag.Get("json") == "-" {
				continue
			}
			if !f.IsExported() && !(f.Anonymous && f.Type.Kind() == reflect.Struct) {
				return typeVerdict{refuse: fmt.Sprintf("type %s has unexported field %s, which CBOR does not send: it would arrive as its zero value "+
					"(export it, tag it `cbor:\"-\"` to leave it out, or give %s a MarshalCBOR method)", t, f.Name, t)}
			}
			v := judge(f.Type, seen)
			if v.refuse != "" {
				return v
			}
			out.dynamic = out.dynamic || v.dynamic
		}
		return out
	}
	return typeVerdict{}
}

// checkEncodable returns an error if the default codec would not carry v
// as it is (see above).
func checkEncodable(v any) error {
	if v == nil {
		return nil
	}
	return checkValue(reflect.ValueOf(v), 0, false)
}

// checkValue checks v, found inside an interface value where inIface.
func checkValue(v reflect.Value, depth int, inIface bool) error {
	if depth > 64 || !v.IsValid() {
		return nil // the codec bounds nesting itself
	}
	if inIface && mirrorOf(v.Type()) != nil {
		return fmt.Errorf("a %s inside an interface value holds complex numbers, which CBOR cannot carry where the receiver's type does not say so (valuecomplex.go): put them in a field or element of a complex type", v.Type())
	}
	verdict := verdictOf(v.Type())
	if verdict.refuse != "" {
		return fmt.Errorf("%s", verdict.refuse)
	}
	if !verdict.dynamic {
		return nil
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			return checkValue(v.Elem(), depth+1, inIface || v.Kind() == reflect.Interface)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := checkValue(v.Index(i), depth+1, inIface); err != nil {
				return err
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if err := checkValue(it.Key(), depth+1, inIface); err != nil {
				return err
			}
			if err := checkValue(it.Value(), depth+1, inIface); err != nil {
				return err
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() || f.Anonymous {
				if err := checkValue(v.Field(i), depth+1, inIface); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// marshal encodes v with the current codec: a panic of the codec (a user's
// Codec, or a MarshalCBOR method) is an error of the call, and the default
// codec first refuses what it would not carry as it is.
func marshal(v any) (data []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			data, err = nil, fmt.Errorf("the codec panicked: %v", p)
		}
	}()
	c := currentCodec()
	if isDefault(c) {
		if err := checkEncodable(v); err != nil {
			return nil, err
		}
		if v != nil {
			if m := mirrorOf(reflect.TypeOf(v)); m != nil { // complex numbers: valuecomplex.go
				v = toMirror(reflect.ValueOf(v), m).Interface()
			}
		}
	}
	return c.Marshal(v)
}

// unmarshal decodes data into ptr with the current codec; a panic of the
// codec is an error of the call.
func unmarshal(data []byte, ptr any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the codec panicked: %v", p)
		}
	}()
	c := currentCodec()
	if isDefault(c) {
		if m := mirrorOf(reflect.TypeOf(ptr).Elem()); m != nil { // complex numbers: valuecomplex.go
			mp := reflect.New(m)
			if err := c.Unmarshal(data, mp.Interface()); err != nil {
				return err
			}
			convert(mp.Elem(), reflect.ValueOf(ptr).Elem())
			return nil
		}
	}
	return c.Unmarshal(data, ptr)
}
