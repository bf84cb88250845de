package mpi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

type big struct {
	Name string
	Data []byte
}

func pattern(n, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + seed)
	}
	return b
}

// Values larger than one message go as a header and chunks (here chunks of
// 1000 bytes stand for MPI's 2 GiB limit), to a named rank or AnySource,
// with SendValue and SsendValue; IsendValue refuses them.
func TestValueChunks(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		old := mpi.SetValueChunk(1000)
		defer mpi.SetValueChunk(old)
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r-1+p)%p
		v := big{Name: "chunked", Data: pattern(10_500, r)}
		if _, err := w.IsendValue(v, next, 1); !errors.Is(err, mpi.ErrCount) {
			t.Fatalf("IsendValue of 10 KB in 1000-byte chunks: %v, want ErrCount", err)
		}
		small, err := w.IsendValue(big{Name: "small"}, next, 2) // fits one chunk
		must(t, err)
		send := w.SendValue
		if r%2 == 1 {
			send = w.SsendValue
		}
		done := make(chan error, 1)
		go func() { done <- send(v, next, 1) }()
		var got big
		src := prev
		if r == 0 {
			src = mpi.AnySource
		}
		st, err := w.RecvValue(&got, src, 1)
		must(t, err)
		if got.Name != "chunked" || !bytes.Equal(got.Data, pattern(10_500, prev)) || st.Source != prev {
			t.Fatalf("received %q, %d bytes (equal %v) from %d", got.Name, len(got.Data), bytes.Equal(got.Data, pattern(10_500, prev)), st.Source)
		}
		must(t, <-done)
		var s big
		_, err = w.RecvValue(&s, prev, 2)
		must(t, err)
		_, err = small.Wait()
		must(t, err)
		if s.Name != "small" {
			t.Errorf("small value: %+v", s)
		}
	}, mpitest.Ranks(1, 2, 3))
}

// SendrecvValue passes values round a ring; IrecvValue posted before the
// value is sent yields it on Wait, and Test reports it once it came.
func TestSendrecvAndIrecvValue(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r-1+p)%p
		var got map[string]int
		st, err := w.SendrecvValue(map[string]int{"from": r}, next, 3, &got, prev, 3)
		must(t, err)
		if got["from"] != prev || st.Source != prev {
			t.Fatalf("SendrecvValue: %v from %d", got, st.Source)
		}
		q, err := mpi.IrecvValue[[]string](w, prev, 4)
		must(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		if _, _, err := q.WaitContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("WaitContext before the value was sent: %v", err)
		}
		cancel()
		if done, _, _, err := q.Test(); done || err != nil {
			t.Fatalf("Test before the value was sent: %v, %v", done, err)
		}
		must(t, w.Barrier())
		sent, err := w.IsendValue([]string{"a", "b", string(rune('0' + r))}, next, 4) // to itself at 1 rank: not a blocking send
		must(t, err)
		var v []string
		for deadline := time.Now().Add(10 * time.Second); ; {
			done, val, _, err := q.Test()
			must(t, err)
			if done {
				v = val
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("Test never saw the value")
			}
		}
		again, _, err := q.Wait()
		must(t, err)
		_, err = sent.Wait()
		must(t, err)
		if len(v) != 3 || v[2] != string(rune('0'+prev)) || len(again) != 3 {
			t.Fatalf("IrecvValue: %v, then %v", v, again)
		}
		if _, err := mpi.IrecvValue[int](w, p, 4); !errors.Is(err, mpi.ErrRank) {
			t.Errorf("IrecvValue from rank %d of %d: %v", p, p, err)
		}
	}, mpitest.Ranks(1, 2, 3))
}

// A value whose encoding is over 2 GiB crosses in chunks of MPI's limit.
func TestValueOver2GiB(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 2.1 GiB (about 9 GB of memory in all, 15-30 s); in the full run")
	}
	if !mpitest.IsRank() && availableGB() < 12 {
		t.Skipf("needs about 9 GB of memory, %.1f GB available", availableGB())
	}
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		const n = 1<<31 + 100<<20
		switch w.Rank() {
		case 0:
			start := time.Now()
			data := make([]byte, n)
			data[0], data[n/2], data[n-1] = 1, 2, 3
			must(t, w.SendValue(data, 1, 5))
			t.Logf("sent in %v", time.Since(start))
		case 1:
			var got []byte
			start := time.Now()
			st, err := w.RecvValue(&got, 0, 5)
			t.Logf("received in %v", time.Since(start))
			must(t, err)
			if len(got) != n || got[0] != 1 || got[n/2] != 2 || got[n-1] != 3 || st.Count() < n {
				t.Fatalf("received %d bytes (count %d), marks %d %d %d", len(got), st.Count(), got[0], got[n/2], got[n-1])
			}
		}
	}, mpitest.Ranks(2), mpitest.Timeout(180*time.Second))
}

// availableGB is the memory Linux says is available, in GB.
func availableGB() float64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1e6
		}
	}
	return 0
}

// IrecvValues take their messages in the order they were posted, whichever
// is waited for first, as MPI's receives do: a wildcard posted first takes
// the first message it fits; a value sent in chunks goes whole to one.
func TestIrecvValuePostingOrder(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		defer mpi.SetValueChunk(mpi.SetValueChunk(64)) // the long value goes in chunks
		long := strings.Repeat("x", 300)
		switch w.Rank() {
		case 0:
			for _, v := range []string{"first", long, "third"} {
				must(t, w.SendValue(v, 1, 5))
			}
			must(t, w.SendValue("tagged 9", 1, 9))
			must(t, w.Barrier())
			if w.Size() > 2 {
				must(t, w.Barrier())
				must(t, w.SendValue("from 0", 1, 7))
			}
		case 1:
			a, err := mpi.IrecvValue[string](w, 0, 5)
			must(t, err)
			any1, err := mpi.IrecvValue[string](w, mpi.AnySource, mpi.AnyTag)
			must(t, err)
			b, err := mpi.IrecvValue[string](w, 0, 5)
			must(t, err)
			nine, err := mpi.IrecvValue[string](w, 0, 9)
			must(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
			_, _, err = nine.WaitContext(ctx) // gives up, or finds it: still in posting order
			cancel()
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("WaitContext: %v", err)
			}
			for _, c := range []struct {
				q    *mpi.ValueRequest[string]
				want string
			}{{nine, "tagged 9"}, {b, "third"}, {a, "first"}, {any1, long}} {
				v, st, err := c.q.Wait()
				if err != nil || v != c.want || st.Source != 0 {
					t.Fatalf("Wait: %.20q from %d, %v; want %.20q (in posting order)", v, st.Source, err, c.want)
				}
			}
			must(t, w.Barrier())
			if w.Size() > 2 { // a specific receive before a wildcard: rank 0's message is the specific one's, whichever comes first
				from0, err := mpi.IrecvValue[string](w, 0, 7)
				must(t, err)
				any7, err := mpi.IrecvValue[string](w, mpi.AnySource, 7)
				must(t, err)
				must(t, w.Barrier()) // the others send now
				if v, st, err := any7.Wait(); err != nil || v != "from 2" || st.Source != 2 {
					t.Fatalf("IrecvValue from any: %q from %d, %v; want rank 2's", v, st.Source, err)
				}
				if v, _, err := from0.Wait(); err != nil || v != "from 0" {
					t.Fatalf("IrecvValue from 0: %q, %v", v, err)
				}
			}
		default:
			must(t, w.Barrier())
			must(t, w.Barrier())
			if w.Rank() == 2 {
				must(t, w.SendValue("from 2", 1, 7))
			}
		}
	}, mpitest.Ranks(2, 3))
}

// Goroutines waiting at once on IrecvValues of one communicator each get
// their own value; Test never waits while another goroutine receives.
func TestIrecvValueGoroutines(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		const n = 16
		switch w.Rank() {
		case 0:
			for tag := n - 1; tag >= 0; tag-- {
				must(t, w.SendValue(map[string]int{"tag": tag}, 1, tag))
			}
		case 1:
			qs := make([]*mpi.ValueRequest[map[string]int], n)
			for tag := range qs {
				var err error
				qs[tag], err = mpi.IrecvValue[map[string]int](w, 0, tag)
				must(t, err)
			}
			var wg sync.WaitGroup
			for tag, q := range qs {
				wg.Go(func() {
					if tag%2 == 0 { // half poll with Test
						for {
							done, v, _, err := q.Test()
							if err != nil || done && v["tag"] != tag {
								t.Errorf("Test of tag %d: %v, %v", tag, v, err)
							}
							if done || err != nil {
								return
							}
							runtime.Gosched()
						}
					}
					if v, st, err := q.Wait(); err != nil || v["tag"] != tag || st.Tag != tag {
						t.Errorf("Wait of tag %d: %v (tag %d), %v", tag, v, st.Tag, err)
					}
				})
			}
			wg.Wait()
		}
	}, mpitest.Ranks(2, 3))
}

// A peer's messages that lie about a value's length (a forged chunk
// header announcing 2^62 bytes, or chunks of the wrong size) are an error
// on the receiver, never a panic or an out-of-memory crash; the receiver
// goes on working.
func TestValueForgedLengths(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		defer mpi.SetValueChunk(mpi.SetValueChunk(16))
		header := func(total uint64) []byte {
			return binary.LittleEndian.AppendUint64([]byte("\xffmpigo-chunks"), total)
		}
		forgeries := [][][]byte{
			{header(1 << 62), make([]byte, 5)},               // a huge total, then a short chunk
			{header(1<<63 + 1)},                              // a total no slice can hold
			{header(8)},                                      // a total one message carries
			{header(40), make([]byte, 16), make([]byte, 30)}, // a chunk longer than the sender's chunks
		}
		if w.Rank() == 1 {
			for _, msgs := range forgeries {
				for _, m := range msgs {
					must(t, w.Send(mpi.Buf(m), 0, 5))
				}
				must(t, w.SendValue("still fine", 0, 6))
			}
		}
		if w.Rank() == 0 {
			for i := range forgeries {
				var v any
				_, err := w.RecvValue(&v, 1, 5)
				if err == nil {
					t.Errorf("forgery %d: RecvValue returned %v and no error", i, v)
				}
				var s string
				_, err = w.RecvValue(&s, 1, 6)
				if err != nil || s != "still fine" {
					t.Errorf("after forgery %d: %q, %v", i, s, err)
				}
			}
		}
	}, mpitest.Ranks(2, 3))
}

// Large slices of numbers and strings travel raw (no encoding, no copy);
// what the receiver gets is what CBOR would have given it, whatever it
// decodes into, in one message or in chunks, with RecvValue or IrecvValue.
func TestValueRaw(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		if w.Size() < 2 || w.Rank() > 1 {
			return
		}
		const n = 300_000 // 2.4 MB of float64: over the raw threshold
		floats := make([]float64, n)
		for i := range floats {
			floats[i] = float64(i) / 3
		}
		text := strings.Repeat("mpigo ", n/3)
		bs := bytes.Repeat([]byte{1, 2, 3}, n)
		for _, chunk := range []int{0, 1 << 20} { // 0: as it is (one message); then 1 MiB chunks
			if chunk > 0 {
				defer mpi.SetValueChunk(mpi.SetValueChunk(chunk))
			}
			if w.Rank() == 0 {
				for _, v := range []any{floats, floats, floats, text, text, bs, bs, floats} {
					must(t, w.SendValue(v, 1, 4))
				}
				continue
			}
			var f []float64
			_, err := w.RecvValue(&f, 0, 4)
			must(t, err)
			if len(f) != n || f[n-1] != floats[n-1] {
				t.Errorf("[]float64 into *[]float64: %d elements", len(f))
			}
			var a any
			_, err = w.RecvValue(&a, 0, 4)
			must(t, err)
			if s, ok := a.([]any); !ok || len(s) != n || s[n-1] != floats[n-1] {
				t.Errorf("[]float64 into *any: %T", a)
			}
			var ints []int32
			if _, err = w.RecvValue(&ints, 0, 4); err == nil {
				t.Errorf("[]float64 into *[]int32: no error (CBOR refuses it)")
			}
			var s string
			_, err = w.RecvValue(&s, 0, 4)
			must(t, err)
			if s != text {
				t.Errorf("string into *string: %d bytes", len(s))
			}
			a = nil
			_, err = w.RecvValue(&a, 0, 4)
			must(t, err)
			if a != text {
				t.Errorf("string into *any: %T", a)
			}
			var b []byte
			_, err = w.RecvValue(&b, 0, 4)
			must(t, err)
			if !bytes.Equal(b, bs) {
				t.Errorf("[]byte into *[]byte: %d bytes", len(b))
			}
			a = nil
			_, err = w.RecvValue(&a, 0, 4)
			must(t, err)
			if got, ok := a.([]byte); !ok || !bytes.Equal(got, bs) {
				t.Errorf("[]byte into *any: %T", a)
			}
			r, err := mpi.IrecvValue[[]float64](w, 0, 4)
			must(t, err)
			f, _, err = r.Wait()
			must(t, err)
			if len(f) != n || f[1] != floats[1] {
				t.Errorf("IrecvValue of []float64: %d elements", len(f))
			}
		}
	}, mpitest.Ranks(2))
}

// RecvValueContext gives up while a long value's chunks arrive, at once;
// the rest of the value is dropped, so the next value is received whole.
func TestRecvValueContextBetweenChunks(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		if w.Size() < 2 || w.Rank() > 1 {
			return
		}
		defer mpi.SetValueChunk(mpi.SetValueChunk(16))
		header := binary.LittleEndian.AppendUint64([]byte("\xffmpigo-chunks"), 40)
		if w.Rank() == 0 {
			must(t, w.Send(mpi.Buf(header), 1, 7))
			must(t, w.Send(mpi.Buf(make([]byte, 16)), 1, 7))
			time.Sleep(time.Second) // the receiver gives up meanwhile
			must(t, w.Send(mpi.Buf(make([]byte, 16)), 1, 7))
			must(t, w.Send(mpi.Buf(make([]byte, 8)), 1, 7))
			must(t, w.SendValue("next", 1, 7))
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		var v any
		_, err := w.RecvValueContext(ctx, &v, 0, 7)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("RecvValueContext: %v", err)
		}
		if d := time.Since(start); d > 700*time.Millisecond {
			t.Errorf("RecvValueContext took %v to give up after 200 ms", d)
		}
		var s string
		if _, err := w.RecvValue(&s, 0, 7); err != nil || s != "next" {
			t.Errorf("the value after the one given up: %q, %v", s, err)
		}
	}, mpitest.Ranks(2))
}
