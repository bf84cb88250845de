package mpi_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// disagreements are collectives whose arguments each rank's own checks
// pass but that do not match across ranks, with what the error must name.
// In the free mode each is a hang, stale data, a wrong result or a write
// past a buffer inside MPI (Allreduce of 2^17 against 2^18 elements
// segfaulted).
var disagreements = []struct {
	name string
	want string // in the error, on every rank
	call func(w *mpi.Comm) error
}{
	{"Bcast, rank 1 names another root", "the root (rank", func(w *mpi.Comm) error {
		root := 0
		if w.Rank() == 1 {
			root = 1
		}
		return w.Bcast(mpi.Buf(make([]byte, 8)), root)
	}},
	{"Bcast of 1 MiB, last rank names another root", "the root", func(w *mpi.Comm) error {
		root := 0
		if w.Rank() == w.Size()-1 {
			root = 1
		}
		return w.Bcast(mpi.Buf(make([]byte, 1<<20)), root)
	}},
	{"Allreduce, 4 elements against 8", "the bytes of a part (rank 0: 32", func(w *mpi.Comm) error {
		n := 8
		if w.Rank() == 0 {
			n = 4
		}
		return w.Allreduce(mpi.Buf(make([]float64, n)), mpi.Buf(make([]float64, n)), mpi.Sum)
	}},
	{"Allreduce, 2^17 elements against 2^18", "the bytes of a part", func(w *mpi.Comm) error {
		n := 1 << 18
		if w.Rank() == 0 {
			n = 1 << 17
		}
		return w.Allreduce(mpi.Buf(make([]float64, n)), mpi.Buf(make([]float64, n)), mpi.Sum)
	}},
	{"Allreduce, Sum against Max", "the op (rank 0: Sum, rank", func(w *mpi.Comm) error {
		op := mpi.Max
		if w.Rank() == 0 {
			op = mpi.Sum
		}
		return w.Allreduce(mpi.Buf([]int32{1}), mpi.Buf([]int32{0}), op)
	}},
	{"Allreduce, float64 against int64", "the element type (rank 0: float64", func(w *mpi.Comm) error {
		if w.Rank() == 0 {
			return w.Allreduce(mpi.Buf([]float64{1}), mpi.Buf([]float64{0}), mpi.Sum)
		}
		return w.Allreduce(mpi.Buf([]int64{1}), mpi.Buf([]int64{0}), mpi.Sum)
	}},
	{"Bcast against Barrier", "the call (rank 0: Bcast", func(w *mpi.Comm) error {
		if w.Rank() == 0 {
			return w.Bcast(mpi.Buf([]int{1}), 0)
		}
		return w.Barrier()
	}},
	{"Bcast against Ibcast", "the call (rank 0: Bcast", func(w *mpi.Comm) error {
		if w.Rank() == 0 {
			return w.Bcast(mpi.Buf([]int{1}), 0)
		}
		r, err := w.Ibcast(mpi.Buf([]int{1}), 0)
		if err == nil {
			_, err = r.Wait()
		}
		return err
	}},
	{"Gather, parts of 2 against 3", "the bytes of a part", func(w *mpi.Comm) error {
		part := 2
		if w.Rank() == 1 {
			part = 3
		}
		whole := make([]int32, part*w.Size())
		return w.Gather(mpi.Buf(make([]int32, part)), mpi.Buf(whole), 0)
	}},
	{"Scatterv, the root sends 3 where rank 1 expects 2", "rank 0 sends 12 bytes to rank 1, which expects 8", func(w *mpi.Comm) error {
		p := w.Size()
		counts, displs := make([]int, p), make([]int, p)
		for i := range counts {
			counts[i], displs[i] = 2, 3*i
		}
		counts[1] = 3
		return w.Scatterv(mpi.Buf(make([]int32, 3*p)), counts, displs, mpi.Buf(make([]int32, 2)), 0)
	}},
	{"Alltoallv, rank 1 sends 2 to rank 0, which expects 1", "rank 1 sends 16 bytes to rank 0, which expects 8", func(w *mpi.Comm) error {
		p := w.Size()
		counts, displs := make([]int, p), make([]int, p)
		for i := range counts {
			counts[i], displs[i] = 1, 2*i
		}
		sendCounts := append([]int(nil), counts...)
		if w.Rank() == 1 {
			sendCounts[0] = 2
		}
		return w.Alltoallv(mpi.Buf(make([]float64, 2*p)), sendCounts, displs, mpi.Buf(make([]float64, 2*p)), counts, displs)
	}},
	{"BcastValue, rank 1 names another root", "the root", func(w *mpi.Comm) error {
		root, v := 0, "x"
		if w.Rank() == 1 {
			root = 1
		}
		return w.BcastValue(&v, root)
	}},
}

// testDisagreements runs every disagreement and checks that each rank
// returned ErrMismatch naming what differs, and that no rank entered the
// collective: the next correct one gives the right result.
func testDisagreements(t *testing.T, w *mpi.Comm) {
	if w.Size() < 2 {
		return
	}
	for _, d := range disagreements {
		err := d.call(w)
		if !errors.Is(err, mpi.ErrMismatch) || !strings.Contains(err.Error(), d.want) {
			t.Errorf("%s: rank %d got %v; want ErrMismatch saying %q", d.name, w.Rank(), err, d.want)
		}
		x, sum := w.Rank()+1, 0
		must(t, w.Allreduce(mpi.One(&x), mpi.One(&sum), mpi.Sum))
		if p := w.Size(); sum != p*(p+1)/2 {
			t.Fatalf("after %s: Allreduce gave %d", d.name, sum)
		}
	}
	// What matches goes through, Typed against Buf of the same bytes included.
	f64 := mustType[float64](t)
	pair, err := mpi.Contiguous(2, f64)
	must(t, err)
	defer pair.Free()
	data := []float64{1, 2, 3, 4}
	if w.Rank() != 0 {
		data = make([]float64, 4)
	}
	b := mpi.Buf(data)
	if w.Rank() == 1 {
		b = mpi.Typed(data, pair, 2)
	}
	must(t, w.Bcast(b, 0))
	if data[3] != 4 {
		t.Errorf("Bcast of Buf against Typed: %v", data)
	}
}

// With AgreeOnArgErrors, ranks that disagree get an ErrMismatch on every
// rank naming the ranks and what differs, before MPI is entered.
func TestAgreeOnDisagreements(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		defer mpi.SetCollectiveErrors(mpi.SetCollectiveErrors(mpi.AgreeOnArgErrors))
		testDisagreements(t, w)
	}, mpitest.Ranks(2, 3, 4))
}

// MPIGO_CHECK=1 turns the agreement on with no code change (the program
// keeps the default, AbortOnArgError).
func TestCheckedMode(t *testing.T) {
	t.Setenv("MPIGO_CHECK", "1")
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		if !mpi.Checked() {
			t.Fatal("MPIGO_CHECK=1 but Checked() is false")
		}
		testDisagreements(t, w)
	}, mpitest.Ranks(2, 4))
}

// MPIGO_WATCHDOG makes a rank that waits longer print, once, what it waits
// in: the call, its arguments and the communicator.
func TestWatchdog(t *testing.T) {
	t.Setenv("MPIGO_WATCHDOG", "300ms")
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		if w.Rank() == 0 {
			time.Sleep(time.Second)
			must(t, w.Send(mpi.Buf([]int{1}), 1, 5))
		} else if w.Rank() == 1 {
			_, err := w.Recv(mpi.Buf(make([]int, 1)), 0, 5)
			must(t, err)
		}
		if w.Rank() == 0 {
			time.Sleep(time.Second)
		}
		x, sum := 1, 0
		must(t, w.Allreduce(mpi.One(&x), mpi.One(&sum), mpi.Sum))
	}, mpitest.Ranks(2, 3), mpitest.CheckOutput(func(out []byte) error {
		line := mpitest.RankLine(1) + `mpigo: watchdog: rank 1 of \d has waited \d+ms in `
		recv := regexp.MustCompile(line + `MPI_Recv from rank 0, tag 5, on World$`)
		reduce := regexp.MustCompile(line + `MPI_Allreduce of 1 elements, op Sum, on World$`)
		if n := len(recv.FindAll(out, -1)); n != 1 {
			return fmt.Errorf("rank 1 reported its Recv %d times, want once", n)
		}
		if n := len(reduce.FindAll(out, -1)); n != 1 {
			return fmt.Errorf("rank 1 reported its Allreduce %d times, want once", n)
		}
		if regexp.MustCompile(mpitest.RankLine(0) + "mpigo: watchdog").Match(out) {
			return fmt.Errorf("rank 0 never waited long, yet reported")
		}
		return nil
	}))
}
