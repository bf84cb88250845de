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
		// Complex numbers are an error naming the type, not a silent loss.
		if err := w.SendValue(complex(1, 2), w.Rank(), 2); err == nil || !strings.Contains(err.Error(), "complex") {
			t.Errorf("SendValue(complex128): %v", err)
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
