package mpi_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

type withHidden struct {
	Name  string
	count int
}

type withSkipped struct {
	Name  string
	cache []byte `cbor:"-"`
}

type inner struct{ A, B int }
type withEmbedded struct {
	inner // an unexported embedded struct: its exported fields are sent
	C     int
}

// No value arrives different from what was sent without an error: a struct
// with an unexported field is refused on the sender, naming the field, on
// every value call; what CBOR carries whole still goes.
func TestValueUnexportedFieldsRefused(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		p := w.Size()
		refused := func(what string, err error) {
			t.Helper()
			if err == nil || !strings.Contains(err.Error(), "unexported field count") {
				t.Errorf("%s: %v; want an error naming the unexported field", what, err)
			}
		}
		hidden := withHidden{"x", 3}
		refused("SendValue to self", w.SendValue(hidden, w.Rank(), 1))
		_, err := w.IsendValue(map[string]any{"in an interface": []any{1, hidden}}, w.Rank(), 1)
		refused("IsendValue of a map holding one", err)
		root := p - 1
		v := hidden
		err = w.BcastValue(&v, root)
		if w.Rank() == root {
			refused("BcastValue at the root", err)
		} else if err == nil {
			t.Errorf("BcastValue at rank %d: no error though the root refused its value", w.Rank())
		}
		_, err = mpi.GatherValues(w, hidden, 0)
		refused("GatherValues", err)
		_, err = mpi.AllgatherValues(w, []withHidden{hidden})
		refused("AllgatherValues", err)

		// What CBOR carries whole goes: skipped fields, embedded structs, time.
		s := withSkipped{Name: "n", cache: []byte{1}}
		if w.Rank() == 0 {
			s.Name = "from 0"
		}
		must(t, w.BcastValue(&s, 0))
		if s.Name != "from 0" {
			t.Errorf("BcastValue of a skipped field's struct: %+v", s)
		}
		e := withEmbedded{inner{w.Rank(), 2}, 3}
		all, err := mpi.AllgatherValues(w, e)
		must(t, err)
		for i, got := range all {
			if got != (withEmbedded{inner{i, 2}, 3}) {
				t.Errorf("rank %d's embedded struct arrived as %+v", i, got)
			}
		}
		now := time.Unix(1700000000, 0).UTC()
		times, err := mpi.AllgatherValues(w, now)
		must(t, err)
		if !times[p-1].Equal(now) {
			t.Errorf("time.Time arrived as %v", times[p-1])
		}
		// Complex numbers inside interface values cannot be found again by
		// the receiver: an error naming them, not a silent loss.
		if err := w.SendValue(map[string]any{"z": complex(1, 2)}, w.Rank(), 2); err == nil || !strings.Contains(err.Error(), "complex") {
			t.Errorf("SendValue of a complex number in a map[string]any: %v", err)
		}
	})
}

type panicCodec struct{}

func (panicCodec) Marshal(v any) ([]byte, error)      { panic("marshal boom") }
func (panicCodec) Unmarshal(data []byte, v any) error { panic("unmarshal boom") }

// A Codec that panics is the error of the call that ran it.
func TestValueCodecPanics(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		mpi.SetCodec(panicCodec{})
		defer mpi.SetCodec(nil)
		err := w.SendValue(1, w.Rank(), 3)
		if err == nil || !strings.Contains(err.Error(), "marshal boom") {
			t.Errorf("SendValue with a panicking codec: %v", err)
		}
		var e *mpi.Error
		if !errors.As(err, &e) {
			t.Errorf("not an *mpi.Error: %T", err)
		}
	}, mpitest.Ranks(1))
}

type waves struct {
	Name  string
	Z     complex128
	Zs    []complex64
	ByKey map[string]complex128
	P     *complex128
	A     [2]complex64
	Inner struct{ W complex128 }
}

// Complex numbers travel where the types say so (fields, elements, the
// value itself), through every value call, and arrive equal.
func TestValueComplex(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		me, p := w.Rank(), w.Size()
		z := complex(1.5, -2)
		want := waves{Name: "w", Z: complex(3, 4), Zs: []complex64{1i, 2 + 2i}, ByKey: map[string]complex128{"k": -1i},
			P: &z, A: [2]complex64{5, 6i}, Inner: struct{ W complex128 }{complex(7, 8)}}
		next, prev := (me+1)%p, (me+p-1)%p
		var got waves
		_, err := w.SendrecvValue(want, next, 1, &got, prev, 1)
		must(t, err)
		if got.Name != want.Name || got.Z != want.Z || len(got.Zs) != 2 || got.Zs[1] != want.Zs[1] ||
			got.ByKey["k"] != -1i || got.P == nil || *got.P != z || got.A != want.A || got.Inner.W != want.Inner.W {
			t.Errorf("a struct of complex numbers arrived as %+v", got)
		}
		c := complex(float64(me), 1)
		if me == 0 {
			c = complex(42, -42)
		}
		must(t, w.BcastValue(&c, 0))
		if c != complex(42, -42) {
			t.Errorf("BcastValue of a complex128: %v", c)
		}
		all, err := mpi.AllgatherValues(w, []complex64{complex(float32(me), 0)})
		must(t, err)
		for r, v := range all {
			if len(v) != 1 || v[0] != complex(float32(r), 0) {
				t.Errorf("AllgatherValues: rank %d's []complex64 is %v", r, v)
			}
		}
		// To itself: sent nonblocking (a blocking send to self may wait forever, MPICH's does).
		sent, err := w.IsendValue(complex(1, 2), me, 3)
		must(t, err)
		req, err := mpi.IrecvValue[complex128](w, me, 3)
		must(t, err)
		if v, _, err := req.Wait(); err != nil || v != complex(1, 2) {
			t.Errorf("IrecvValue[complex128]: %v, %v", v, err)
		}
		_, err = sent.Wait()
		must(t, err)
		// Into an interface, as CBOR's generic form: an array of two floats.
		sent, err = w.IsendValue(complex(1, 2), me, 4)
		must(t, err)
		var a any
		_, err = w.RecvValue(&a, me, 4)
		must(t, err)
		_, err = sent.Wait()
		must(t, err)
		if s, ok := a.([]any); !ok || len(s) != 2 || s[0] != 1.0 || s[1] != 2.0 {
			t.Errorf("a complex128 into *any: %#v", a)
		}
	})
}
