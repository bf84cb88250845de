package mpi_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// step is one call every rank makes, drawn from a seed all ranks share, with
// the fault the draw put in it, and what each rank must see.
type step struct {
	call  int // which call (see run)
	n     int // elements
	fault int // 0: none; 1: a bad argument on rank k; 2: rank k disagrees with the others
	k     int
	root  int
}

const (
	noFault = iota
	badArg
	disagree
)

// Random sequences of valid and invalid calls in the agreeing mode: each
// call either succeeds with the right data on every rank, or returns an
// error on every rank, of the class the fault has (the bad argument's own
// class, ErrMismatch for a disagreement); and no call leaves the ranks out
// of step (an Allreduce after each one checks it). A truncated receive, the
// one point-to-point fault that leaves no peer waiting, is ErrTruncate on the
// receiver alone, the buffer unchanged.
func TestRandomCallSequences(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		defer mpi.SetCollectiveErrors(mpi.SetCollectiveErrors(mpi.AgreeOnArgErrors))
		p := w.Size()
		seed := []uint64{uint64(time.Now().UnixNano())}
		must(t, w.Bcast(mpi.Buf(seed), 0))
		rng := rand.New(rand.NewPCG(seed[0], 7))
		sizes := []int{0, 1, 7, 1000, 70000}
		for i := range 60 {
			s := step{call: rng.IntN(7), n: sizes[rng.IntN(len(sizes))], fault: rng.IntN(3), k: rng.IntN(p), root: rng.IntN(p)}
			if p == 1 && s.fault == disagree {
				s.fault = noFault // one rank cannot disagree with itself
			}
			what := fmt.Sprintf("seed %d, step %d: %+v", seed[0], i, s)
			runStep(t, w, s, what)
			check := []int{i}
			sum := []int{0}
			must(t, w.Allreduce(mpi.Buf(check), mpi.Buf(sum), mpi.Sum))
			if sum[0] != i*p {
				t.Fatalf("%s: ranks out of step after it (%d)", what, sum[0])
			}
		}
	}, mpitest.Ranks(1, 2, 3, 4))
}

func runStep(t *testing.T, w *mpi.Comm, s step, what string) {
	t.Helper()
	me, p := w.Rank(), w.Size()
	faulty := me == s.k
	val := func(rank, i int) float64 { return float64(rank*100003 + i) }
	var err error
	var wantClass error = mpi.ErrBuffer // the class of the bad arguments below
	if s.call == 0 {
		wantClass = mpi.ErrRoot
	}
	if s.fault == badArg && s.k != s.root && (s.call == 2 || s.call == 3 || s.call == 5) {
		s.fault = noFault // the faulty argument matters at the root only: no fault after all
	}
	var verify func() string // what went wrong with the data, "" if nothing
	switch s.call {
	case 0: // Bcast
		buf := make([]float64, s.n)
		if me == s.root {
			for i := range buf {
				buf[i] = val(s.root, i)
			}
		}
		root := s.root
		if faulty && s.fault == badArg {
			root = p
		}
		if faulty && s.fault == disagree {
			root = (s.root + 1) % p
		}
		err = w.Bcast(mpi.Buf(buf), root)
		verify = func() string {
			for i := range buf {
				if buf[i] != val(s.root, i) {
					return fmt.Sprintf("element %d is %v", i, buf[i])
				}
			}
			return ""
		}
	case 1, 2: // Allreduce; Reduce
		n := max(s.n, 1)
		in, out := make([]float64, n), make([]float64, n)
		for i := range in {
			in[i] = val(me, i)
		}
		recv := out
		if faulty && s.fault == badArg {
			recv = out[:n-1] // a shorter receive buffer
		}
		if faulty && s.fault == disagree {
			in, recv = in[:n-1], out[:n-1] // fewer elements, consistently
			if n == 1 {
				in, recv = make([]float64, 2), make([]float64, 2)
			}
		}
		if s.call == 1 {
			err = w.Allreduce(mpi.Buf(in), mpi.Buf(recv), mpi.Sum)
		} else {
			err = w.Reduce(mpi.Buf(in), mpi.Buf(recv), mpi.Sum, s.root)
		}
		verify = func() string {
			if s.call == 2 && me != s.root {
				return ""
			}
			for i := range out {
				want := 0.0
				for r := range p {
					want += val(r, i)
				}
				if out[i] != want {
					return fmt.Sprintf("element %d is %v, want %v", i, out[i], want)
				}
			}
			return ""
		}
	case 3, 4: // Gather; Allgather
		part := max(s.n/100, 1)
		mine := make([]float64, part)
		for i := range mine {
			mine[i] = val(me, i)
		}
		whole := make([]float64, part*p)
		wb := whole
		if faulty && s.fault == badArg {
			wb = whole[:len(whole)-1]
		}
		if faulty && s.fault == disagree {
			mine = append(mine, 0)
			wb = make([]float64, (part+1)*p)
		}
		if s.call == 3 {
			err = w.Gather(mpi.Buf(mine), mpi.Buf(wb), s.root)
		} else {
			err = w.Allgather(mpi.Buf(mine), mpi.Buf(wb))
		}
		verify = func() string {
			if s.call == 3 && me != s.root {
				return ""
			}
			for r := range p {
				for i := range part {
					if whole[r*part+i] != val(r, i) {
						return fmt.Sprintf("rank %d's element %d is %v", r, i, whole[r*part+i])
					}
				}
			}
			return ""
		}
	case 5: // Scatterv: rank i gets i+1 elements
		counts, displs, total := make([]int, p), make([]int, p), 0
		for i := range counts {
			counts[i], displs[i] = i+1, total
			total += i + 1
		}
		send := make([]float64, total+1) // room for the disagreeing root's one more
		for i := range send {
			send[i] = val(s.root, i)
		}
		recv := make([]float64, me+1)
		rb := recv
		if faulty && s.fault == disagree {
			rb = make([]float64, me+2) // expects one more than the root sends
			if me == s.root {
				counts = append([]int(nil), counts...)
				counts[(me+1)%p]++ // the root sends one more to the next rank instead
				rb = recv
				if p == 1 {
					s.fault = noFault
					counts[0]--
				}
			}
		}
		if faulty && s.fault == badArg {
			send = send[:total-1]
		}
		err = w.Scatterv(mpi.Buf(send), counts, displs, mpi.Buf(rb), s.root)
		verify = func() string {
			for i := range recv {
				if recv[i] != val(s.root, displs[me]+i) {
					return fmt.Sprintf("element %d is %v", i, recv[i])
				}
			}
			return ""
		}
	case 6: // a ring of Sendrecv; a fault is a truncated receive on rank k
		next, prev := (me+1)%p, (me+p-1)%p
		send := make([]float64, max(s.n, 1))
		for i := range send {
			send[i] = val(me, i)
		}
		recv := make([]float64, len(send))
		rb := recv
		truncated := s.fault != noFault && faulty && len(send) > 1
		if truncated {
			rb = recv[:len(send)-1]
		}
		_, err = w.Sendrecv(mpi.Buf(send), next, 3, mpi.Buf(rb), prev, 3)
		if truncated {
			if !errors.Is(err, mpi.ErrTruncate) {
				t.Errorf("%s: truncated Sendrecv returned %v", what, err)
			}
			if recv[len(rb)] != 0 {
				t.Errorf("%s: a truncated receive wrote past its buffer", what)
			}
			return
		}
		s.fault = noFault
		verify = func() string {
			for i := range recv {
				if recv[i] != val(prev, i) {
					return fmt.Sprintf("element %d is %v", i, recv[i])
				}
			}
			return ""
		}
	}
	switch {
	case s.fault == noFault || p == 1 && s.fault == disagree:
		if err != nil {
			t.Errorf("%s: rank %d: %v", what, me, err)
		} else if msg := verify(); msg != "" {
			t.Errorf("%s: rank %d: %s", what, me, msg)
		}
	case s.fault == badArg:
		if !errors.Is(err, wantClass) {
			t.Errorf("%s: rank %d: %v; want %v on every rank", what, me, err, wantClass)
		}
	case s.fault == disagree:
		if !errors.Is(err, mpi.ErrMismatch) {
			t.Errorf("%s: rank %d: %v; want ErrMismatch on every rank", what, me, err)
		}
	}
}
