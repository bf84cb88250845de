package mpi_test

import (
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

func wantClass(t *testing.T, what string, err, class error) {
	t.Helper()
	if !errors.Is(err, class) {
		t.Errorf("%s: got %v, want %v", what, err, class)
		return
	}
	var e *mpi.Error
	if !errors.As(err, &e) || e.Op == "" || e.Msg == "" {
		t.Errorf("%s: %#v lacks an operation or message", what, err)
	}
}

func TestBadInput(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t) // its bad calls are made on every rank, or on some only
		p := w.Size()
		buf := make([]float64, 4)
		b := mpi.Buf(buf)
		wantClass(t, "Send to rank 99", w.Send(b, 99, 0), mpi.ErrRank)
		wantClass(t, "Send to rank -5", w.Send(b, -5, 0), mpi.ErrRank)
		wantClass(t, "Send to AnySource", w.Send(b, mpi.AnySource, 0), mpi.ErrRank)
		wantClass(t, "Send with tag -3", w.Send(b, 0, -3), mpi.ErrTag)
		wantClass(t, "Send with AnyTag", w.Send(b, 0, mpi.AnyTag), mpi.ErrTag)
		wantClass(t, "Send with tag above TagUB", w.Send(b, 0, mpi.TagUB()+1), mpi.ErrTag)
		_, err := w.Recv(b, p, 0)
		wantClass(t, "Recv from rank Size()", err, mpi.ErrRank)
		_, err = w.Recv(b, 0, -7)
		wantClass(t, "Recv with tag -7", err, mpi.ErrTag)
		_, err = w.Isend(b, p+1, 0)
		wantClass(t, "Isend to rank Size()+1", err, mpi.ErrRank)
		_, err = w.Irecv(b, 0, math.MaxInt32+1)
		wantClass(t, "Irecv with tag 2^31", err, mpi.ErrTag)
		_, err = w.Probe(-9, 0)
		wantClass(t, "Probe from rank -9", err, mpi.ErrRank)
		_, err = w.Mprobe(0, -2)
		wantClass(t, "Mprobe with tag -2", err, mpi.ErrTag)

		// Roots.
		wantClass(t, "Bcast root Size()", w.Bcast(b, p), mpi.ErrRoot)
		wantClass(t, "Bcast root -1", w.Bcast(b, -1), mpi.ErrRoot)
		wantClass(t, "Reduce root 99", w.Reduce(b, b, mpi.Sum, 99), mpi.ErrRoot)
		wantClass(t, "Gather root Size()", w.Gather(b, b, p), mpi.ErrRoot)
		_, err = mpi.ScatterValues(w, []int{1}, p)
		wantClass(t, "ScatterValues root Size()", err, mpi.ErrRoot)

		// Buffer lengths (checked on every rank before any of them calls MPI).
		small := mpi.Buf(make([]float64, 3))
		wantClass(t, "Scatter: root buffer not Size()×part", w.Scatter(small, mpi.Buf(make([]float64, 2)), w.Rank()), mpi.ErrBuffer)
		wantClass(t, "Gather: root buffer not Size()×part", w.Gather(mpi.Buf(make([]float64, 2)), small, w.Rank()), mpi.ErrBuffer)
		wantClass(t, "Allgather: receive not Size()×send", w.Allgather(mpi.Buf(make([]float64, 2)), mpi.Buf(make([]float64, 2*p+1))), mpi.ErrBuffer)
		wantClass(t, "Allreduce: lengths differ", w.Allreduce(b, small, mpi.Sum), mpi.ErrBuffer)
		wantClass(t, "Allreduce: types differ", w.Allreduce(b, mpi.Buf(make([]int64, 4)), mpi.Sum), mpi.ErrType)
		wantClass(t, "Alltoall: lengths differ", w.Alltoall(mpi.Buf(make([]int, p)), mpi.Buf(make([]int, 2*p))), mpi.ErrBuffer)
		wantClass(t, "Scatterv: Size()+1 counts", w.Scatterv(b, make([]int, p+1), make([]int, p+1), b, w.Rank()), mpi.ErrBuffer)
		counts, displs := make([]int, p), make([]int, p)
		counts[p-1], displs[p-1] = 3, 2 // part p-1 ends past the 4 elements
		wantClass(t, "Gatherv: part outside buffer", w.Gatherv(mpi.Buf(make([]float64, counts[w.Rank()])), b, counts, displs, w.Rank()), mpi.ErrBuffer)
		counts[0] = -1
		wantClass(t, "Allgatherv: negative count", w.Allgatherv(b, mpi.Buf(make([]float64, 100)), counts, displs), mpi.ErrCount)
		wantClass(t, "InPlace as a send buffer", w.Send(mpi.InPlace, 0, 0), mpi.ErrBuffer)
		wantClass(t, "zero Buffer", w.Send(mpi.Buffer{}, 0, 0), mpi.ErrBuffer)
		if p > 1 { // fine at the root, which learns of the others' error by agreeing
			wantClass(t, "InPlace at a non-root", w.Gather(mpi.InPlace, mpi.Buf(make([]float64, 4*p)), 0), mpi.ErrBuffer)
		}

		// Element types that are not raw memory.
		wantClass(t, "Send []string", w.Send(mpi.Buf([]string{"x"}), 0, 0), mpi.ErrType)
		wantClass(t, "Send []*int", w.Send(mpi.Buf([]*int{nil}), 0, 0), mpi.ErrType)
		err = w.Send(mpi.Buf([]struct {
			A int
			S string
		}{{1, "x"}}), 0, 0)
		wantClass(t, "Send []struct with a string", err, mpi.ErrType)
		if err == nil || !strings.Contains(err.Error(), "field S") || !strings.Contains(err.Error(), "SendValue") {
			t.Errorf("struct error should name the field and point to SendValue: %v", err)
		}
		wantClass(t, "Send []struct with a slice", w.Send(mpi.Buf([]struct{ A []int }{{nil}}), 0, 0), mpi.ErrType)
		wantClass(t, "Send []struct{}", w.Send(mpi.Buf([]struct{}{{}}), 0, 0), mpi.ErrType)
		wantClass(t, "Send [][0]int", w.Send(mpi.Buf(make([][0]int, 3)), 0, 0), mpi.ErrType)
		_, err = mpi.NewOp(func(a, b string) string { return a + b }, true)
		wantClass(t, "NewOp on strings", err, mpi.ErrType)

		// Counts over 2^31-1: refused before MPI sees them. The 2 GiB are
		// address space only: nothing touches them, so they take no memory.
		mem := make([]byte, math.MaxInt32+1)
		huge := mpi.Buf(mem)
		wantClass(t, "Send of 2^31 elements", w.Send(huge, 0, 0), mpi.ErrCount)
		wantClass(t, "Bcast of 2^31 elements", w.Bcast(huge, 0), mpi.ErrCount)
		_, err = w.Recv(huge, 0, 0)
		wantClass(t, "Recv of 2^31 elements", err, mpi.ErrCount)
		pages := unsafe.Slice((*[4096]byte)(unsafe.Pointer(&mem[0])), len(mem)/4096)
		if err := w.Send(mpi.Buf(pages[:1]), mpi.ProcNull, 0); err != nil {
			t.Errorf("Send of one [4096]byte: %v", err) // 2^19 such elements are a fine count...
		}
		wantClass(t, "Allreduce of 2^31 scalars in [4096]byte elements", // ...but not as 2^31 bytes to sum
			w.Allreduce(mpi.Buf(pages), mpi.Buf(pages), mpi.Sum), mpi.ErrCount)

		// Empty slices are fine.
		var none []float64
		must(t, w.Bcast(mpi.Buf(none), 0))
		must(t, w.Allreduce(mpi.Buf(none), mpi.Buf([]float64{}), mpi.Sum))

		// Nil communicator and request.
		var nilComm *mpi.Comm
		wantClass(t, "Send on nil Comm", nilComm.Send(b, 0, 0), mpi.ErrComm)
		wantClass(t, "Barrier on nil Comm", nilComm.Barrier(), mpi.ErrComm)
		var nilReq *mpi.Request
		_, err = nilReq.Wait()
		wantClass(t, "Wait on nil Request", err, mpi.ErrRequest)

		// The library's own errors carry its class and message.
		var e *mpi.Error
		err = w.Send(huge, 0, 0)
		if errors.As(err, &e); e == nil || !strings.Contains(err.Error(), "2147483648") {
			t.Errorf("error text %q does not name the count", err)
		}
	})
}

func TestLifecycleErrors(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, _ *mpi.Comm) {
		buf := mpi.Buf([]int{1})
		if mpi.Initialized() || mpi.World() != nil {
			t.Fatal("MPI initialized before Init")
		}
		var c *mpi.Comm
		wantClass(t, "Send before Init", c.Send(buf, 0, 0), mpi.ErrNotInitialized)
		_, err := mpi.ProcessorName()
		wantClass(t, "ProcessorName before Init", err, mpi.ErrNotInitialized)
		wantClass(t, "Finalize before Init", mpi.Finalize(), mpi.ErrNotInitialized)
		_, err = mpi.NewOp(func(a, b int) int { return a + b }, true)
		wantClass(t, "NewOp before Init", err, mpi.ErrNotInitialized)

		got, err := mpi.InitThread(mpi.ThreadMultiple)
		must(t, err)
		if got != mpi.ThreadMultiple || mpi.Provided() != got {
			t.Fatalf("provided %v, want multiple", got)
		}
		if _, err := mpi.InitThread(mpi.ThreadMultiple); err == nil {
			t.Fatal("second Init succeeded")
		}
		w := mpi.World()
		dup, err := w.Dup()
		must(t, err)
		req, err := w.Irecv(mpi.Buf(make([]int, 1)), w.Rank(), 1)
		must(t, err)
		must(t, w.Send(buf, w.Rank(), 1))
		_, err = req.Wait()
		must(t, err)
		must(t, dup.Free())
		wantClass(t, "Send on a freed Comm", dup.Send(buf, 0, 0), mpi.ErrComm)
		wantClass(t, "Free twice", dup.Free(), mpi.ErrComm)
		wantClass(t, "Free World", w.Free(), mpi.ErrComm)
		must(t, mpi.Finalize())

		if !mpi.Finalized() || mpi.Initialized() {
			t.Fatal("Finalized/Initialized wrong after Finalize")
		}
		wantClass(t, "Send after Finalize", w.Send(buf, 0, 0), mpi.ErrFinalized)
		_, err = w.Recv(buf, 0, 0)
		wantClass(t, "Recv after Finalize", err, mpi.ErrFinalized)
		wantClass(t, "Bcast after Finalize", w.Bcast(buf, 0), mpi.ErrFinalized)
		_, err = req.Wait() // completed before: same result, no MPI call
		must(t, err)
		wantClass(t, "Finalize twice", mpi.Finalize(), mpi.ErrFinalized)
		_, err = mpi.InitThread(mpi.ThreadMultiple)
		wantClass(t, "Init after Finalize", err, mpi.ErrFinalized)
	}, mpitest.NoInit(), mpitest.Ranks(1, 2))
}

func TestCommunicators(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		dup, err := w.Dup()
		must(t, err)
		defer dup.Free()
		if dup.Rank() != r || dup.Size() != p {
			t.Fatalf("Dup: rank %d size %d", dup.Rank(), dup.Size())
		}
		// A message on dup is not seen on w (separate contexts).
		req, err := dup.Isend(mpi.Buf([]int{r}), r, 0)
		must(t, err)
		if _, ok, _ := w.Iprobe(r, 0); ok {
			t.Fatal("message sent on Dup visible on World")
		}
		got := []int{-1}
		_, err = dup.Recv(mpi.Buf(got), r, 0)
		must(t, err)
		_, err = req.Wait()
		must(t, err)

		// Split by parity, ordered by descending rank.
		half, err := w.Split(r%2, -r)
		must(t, err)
		defer half.Free()
		var members []int
		for q := p - 1; q >= 0; q-- {
			if q%2 == r%2 {
				members = append(members, q)
			}
		}
		if half.Size() != len(members) || members[half.Rank()] != r {
			t.Fatalf("Split: size %d rank %d, members %v", half.Size(), half.Rank(), members)
		}
		sum, x := 0, r
		must(t, half.Allreduce(mpi.One(&x), mpi.One(&sum), mpi.Sum))
		want := 0
		for _, m := range members {
			want += m
		}
		if sum != want {
			t.Fatalf("Allreduce on Split: %d, want %d", sum, want)
		}
		// Undefined color: no communicator.
		none, err := w.Split(mpi.Undefined, 0)
		must(t, err)
		if none != nil {
			t.Fatal("Split with Undefined returned a communicator")
		}
		// One node here: SplitShared holds every rank. (Not across
		// network-namespace hosts, where OpenMPI 4.1's MPI_Comm_split_type crashes.)
		if !mpitest.MultiHost() {
			node, err := w.SplitShared(r)
			must(t, err)
			defer node.Free()
			if node.Size() != p || node.Rank() != r {
				t.Fatalf("SplitShared: rank %d size %d", node.Rank(), node.Size())
			}
		}
		if name, err := mpi.ProcessorName(); err != nil || name == "" {
			t.Fatalf("ProcessorName: %q %v", name, err)
		}
		if v, err := mpi.LibraryVersion(); err != nil || !strings.Contains(v, "MPI") || strings.ContainsRune(v, 0) {
			t.Fatalf("LibraryVersion: %q %v", v, err)
		}
		if mpi.TagUB() < 32767 {
			t.Fatalf("TagUB %d", mpi.TagUB())
		}
		t0 := mpi.Wtime()
		if mpi.Wtick() <= 0 || mpi.Wtime() < t0 {
			t.Fatal("Wtime/Wtick")
		}
	})
}

// A goroutine still waiting in Recv when MPI is finalized gets ErrFinalized
// and makes no MPI call afterwards.
func TestFinalizeEndsWaits(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, _ *mpi.Comm) {
		_, err := mpi.InitThread(mpi.ThreadMultiple)
		must(t, err)
		w := mpi.World()
		errs := make(chan error, 3)
		go func() { _, err := w.Recv(mpi.Buf(make([]byte, 8)), mpi.AnySource, 99); errs <- err }()     // staged path
		go func() { _, err := w.Recv(mpi.Buf(make([]byte, 1<<20)), mpi.AnySource, 98); errs <- err }() // probe path
		req, err := w.Irecv(mpi.Buf(make([]byte, 8)), mpi.AnySource, 97)
		must(t, err)
		go func() { errs <- mpi.WaitAll(req) }()
		must(t, w.Barrier())
		for mpi.Waiting() < 3 {
			runtime.Gosched()
		}
		must(t, mpi.Finalize())
		for range 3 {
			wantClass(t, "Recv waiting at Finalize", <-errs, mpi.ErrFinalized)
		}
	}, mpitest.NoInit(), mpitest.Ranks(1, 2))
}

// agreeOnArgErrors makes a test's collectives agree on argument errors
// (mpi.AgreeOnArgErrors), so that its bad calls return errors on every rank
// instead of aborting the job (the default, tested in TestArgErrorAborts).
func agreeOnArgErrors(t *testing.T) {
	t.Helper()
	mpi.SetCollectiveErrors(mpi.AgreeOnArgErrors)
}
