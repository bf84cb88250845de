package mpi_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

type pet struct {
	A int
	B string
}

// The classic mpi4py examples, in Go.
func TestValuesMpi4pyExamples(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		// Rank 0 sends {a: 7, b: "cat"} to rank 1.
		if p > 1 {
			switch r {
			case 0:
				must(t, w.SendValue(pet{A: 7, B: "cat"}, 1, 11))
			case 1:
				var got pet
				st, err := w.RecvValue(&got, 0, 11)
				must(t, err)
				if got != (pet{7, "cat"}) || st.Source != 0 || st.Tag != 11 {
					t.Fatalf("RecvValue: %+v %+v", got, st)
				}
			}
		}
		// IsendValue: the value may change once the send has started.
		if p > 1 {
			switch r {
			case 0:
				v := pet{A: 8, B: "dog"}
				q, err := w.IsendValue(v, 1, 12)
				must(t, err)
				v.A, v.B = 0, "changed"
				_, err = q.Wait()
				must(t, err)
			case 1:
				var got pet
				_, err := w.RecvValue(&got, 0, 12)
				must(t, err)
				if got != (pet{8, "dog"}) {
					t.Fatalf("IsendValue: received %+v", got)
				}
			}
		}
		// Bcast of a map from root 0.
		var data map[string]any
		if r == 0 {
			data = map[string]any{"key1": []int{1, 2, 3}, "key2": []string{"type", "cat"}}
		}
		must(t, w.BcastValue(&data, 0))
		want := map[string]any{"key1": []any{int64(1), int64(2), int64(3)}, "key2": []any{"type", "cat"}}
		if r != 0 && !reflect.DeepEqual(data, want) {
			t.Fatalf("BcastValue: %#v", data)
		}
		// Typed bcast keeps the types.
		var typed map[string][]int
		if r == 0 {
			typed = map[string][]int{"a": {1, 2}}
		}
		must(t, w.BcastValue(&typed, 0))
		if !reflect.DeepEqual(typed, map[string][]int{"a": {1, 2}}) {
			t.Fatalf("typed BcastValue: %v", typed)
		}
		// Scatter from root 0 of the list whose x-th item is (x+1)^x.
		var items []int
		if r == 0 {
			for x := range p {
				items = append(items, int(math.Pow(float64(x+1), float64(x))))
			}
		}
		mine, err := mpi.ScatterValues(w, items, 0)
		must(t, err)
		if mine != int(math.Pow(float64(r+1), float64(r))) {
			t.Fatalf("ScatterValues: rank %d got %d", r, mine)
		}
		// Gather and allgather of values of different sizes.
		v := strings.Repeat("x", r*100)
		for root := range p {
			got, err := mpi.GatherValues(w, v, root)
			must(t, err)
			if r == root {
				for i, s := range got {
					if s != strings.Repeat("x", i*100) {
						t.Fatalf("GatherValues item %d: %d bytes", i, len(s))
					}
				}
			} else if got != nil {
				t.Fatalf("GatherValues at non-root: %v", got)
			}
		}
		all, err := mpi.AllgatherValues(w, pet{A: r, B: v})
		must(t, err)
		for i, x := range all {
			if x.A != i || len(x.B) != i*100 {
				t.Fatalf("AllgatherValues item %d: %+v", i, x)
			}
		}
		// A large value (well above the eager limits) and AnySource.
		big := make([]float64, 100000)
		for i := range big {
			big[i] = float64(i) / 3
		}
		sent := make(chan error, 1)
		go func() { sent <- w.SendValue(big, r, 5) }() // to self: the send waits for the receive
		var back []float64
		_, err = w.RecvValue(&back, mpi.AnySource, mpi.AnyTag)
		must(t, err)
		must(t, <-sent)
		if !reflect.DeepEqual(back, big) {
			t.Fatal("large value differs")
		}
	})
}

func TestValueErrors(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r := w.Rank()
		// Values the codec cannot encode: every rank learns of the root's failure.
		var ch chan int
		if r == 0 {
			ch = make(chan int)
		}
		var err error
		if err = w.BcastValue(&ch, 0); err == nil {
			t.Fatal("BcastValue of a channel: no error")
		}
		var items []int
		if r == 0 {
			items = []int{1} // wrong length unless one rank
		}
		_, err = mpi.ScatterValues(w, items, 0)
		if w.Size() > 1 && !errors.Is(err, mpi.ErrBuffer) && !errors.Is(err, mpi.ErrOther) {
			t.Fatalf("ScatterValues with too few items: %v", err)
		}
		if err := w.SendValue(func() {}, r, 1); err == nil {
			t.Fatal("SendValue of a func: no error")
		}
		// Garbage bytes are a decoding error, not a crash. (Isend: a blocking
		// send to oneself may wait for the receive; MPICH's does.)
		req, err := w.Isend(mpi.Buf([]byte{0xff, 0x00, 0x13}), r, 2)
		must(t, err)
		var v pet
		if _, err := w.RecvValue(&v, r, 2); err == nil {
			t.Fatal("RecvValue of garbage: no error")
		}
		_, err = req.Wait()
		must(t, err)
		// A non-pointer is refused before the message is received: the
		// message stays for a receive with a pointer.
		sent := make(chan error, 1)
		go func() { sent <- w.SendValue(7, r, 4) }() // to self: MPICH's send waits for the receive
		var got int
		_, err = w.RecvValue(got, r, 4)
		wantClass(t, "RecvValue into a non-pointer", err, mpi.ErrArg)
		var nilPtr *int
		_, err = w.RecvValue(nilPtr, r, 4)
		wantClass(t, "RecvValue into a nil pointer", err, mpi.ErrArg)
		if _, err := w.RecvValue(&got, r, 4); err != nil || got != 7 {
			t.Fatalf("the message after the refused receives: %d, %v", got, err)
		}
		must(t, <-sent)
		mpi.SetCollectiveErrors(mpi.AgreeOnArgErrors)
		bad := any(&got)
		if r == w.Size()-1 {
			bad = got // a non-pointer on the last rank only
		}
		err = w.BcastValue(bad, 0)
		mpi.SetCollectiveErrors(mpi.AbortOnArgError)
		wantClass(t, "BcastValue with a non-pointer on the last rank", err, mpi.ErrArg)
		// Deeply nested input is refused by the decoder's depth bound.
		deep := strings.Repeat("\x81", 10000) + "\x01" // 10000 nested one-element arrays
		req, err = w.Isend(mpi.Buf([]byte(deep)), r, 3)
		must(t, err)
		var anyv any
		if _, err := w.RecvValue(&anyv, r, 3); err == nil {
			t.Fatal("RecvValue of 10000 nested arrays: no error")
		}
		_, err = req.Wait()
		must(t, err)
	}, mpitest.Ranks(1, 3))
}
