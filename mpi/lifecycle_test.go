package mpi_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// outsideLife is every kind of call a program may make with objects it got
// while MPI ran (or, before Init, the zero ones it has).
func outsideLife(w *mpi.Comm, f64 *mpi.Datatype, op *mpi.Op, win *mpi.Win) map[string]func() error {
	buf := mpi.Buf([]float64{1, 2})
	v := 0
	return map[string]func() error{
		"TypeOf":        func() error { _, err := mpi.TypeOf[float64](); return err },
		"TypeOf struct": func() error { _, err := mpi.TypeOf[struct{ A, B float64 }](); return err },
		"Vector":        func() error { _, err := mpi.Vector(2, 1, 2, f64); return err },
		"NewOp":         func() error { _, err := mpi.NewOp(func(a, b int) int { return a }, true); return err },
		"Send":          func() error { return w.Send(buf, 0, 0) },
		"Isend":         func() error { _, err := w.Isend(buf, 0, 0); return err },
		"Recv":          func() error { _, err := w.Recv(buf, 0, 0); return err },
		"Irecv":         func() error { _, err := w.Irecv(buf, 0, 0); return err },
		"Probe":         func() error { _, err := w.Probe(0, 0); return err },
		"RecvSlice":     func() error { _, _, err := mpi.RecvSlice[float64](w, 0, 0); return err },
		"Barrier":       func() error { return w.Barrier() },
		"Bcast":         func() error { return w.Bcast(buf, 0) },
		"Allreduce":     func() error { return w.Allreduce(buf, mpi.Buf(make([]float64, 2)), op) },
		"Iallreduce":    func() error { _, err := w.Iallreduce(buf, mpi.Buf(make([]float64, 2)), op); return err },
		"Dup":           func() error { _, err := w.Dup(); return err },
		"Split":         func() error { _, err := w.Split(0, 0); return err },
		"Group":         func() error { _, err := w.Group(); return err },
		"SendValue":     func() error { return w.SendValue("x", 0, 0) },
		"RecvValue":     func() error { _, err := w.RecvValue(&v, 0, 0); return err },
		"BcastValue":    func() error { return w.BcastValue(&v, 0) },
		"GatherValues":  func() error { _, err := mpi.GatherValues(w, v, 0); return err },
		"IrecvValue":    func() error { _, err := mpi.IrecvValue[int](w, 0, 0); return err },
		"Pack":          func() error { _, err := mpi.Pack(buf, make([]byte, 64), 0, w); return err },
		"WinAllocate":   func() error { _, _, err := mpi.WinAllocate[float64](w, 4); return err },
		"Win.Put":       func() error { return win.Put(buf, 0, 0) },
		"Win.Fence":     func() error { return win.Fence() },
		"Win.Free":      func() error { return win.Free() },
		"Datatype.Free": func() error { return f64.Free() },
		"ProcessorName": func() error { _, err := mpi.ProcessorName(); return err },
		"OpenFile":      func() error { _, err := mpi.OpenFile(w, "/nonexistent/x", 0, nil); return err },
		"AllreduceInit": func() error { _, err := w.AllreduceInit(buf, mpi.Buf(make([]float64, 2)), op); return err },
		"PsendInit":     func() error { _, err := w.PsendInit(buf, 2, 0, 0); return err },
		"Isendrecv":     func() error { _, err := w.Isendrecv(buf, 0, 0, mpi.Buf(make([]float64, 2)), 0, 0); return err },
		"SessionInit":   func() error { _, err := mpi.SessionInit(); return err },
	}
}

// tryCall runs call and returns its error, or the text of its panic.
func tryCall(call func() error) (err error, panicked string) {
	defer func() {
		if p := recover(); p != nil {
			panicked = fmt.Sprint(p)
		}
	}()
	return call(), ""
}

// Before Init and after Finalize every call returns its typed error (a nil
// object's, or MPI's state), and none crashes inside mpigo: TypeOf after
// Finalize used to panic (send on closed channel), at every thread level.
func TestEveryCallOutsideLife(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, _ *mpi.Comm) {
		check := func(when string, calls map[string]func() error, want ...error) {
			for name, call := range calls {
				err, p := tryCall(call)
				if p != "" {
					t.Errorf("%s %s panicked: %s", name, when, p)
					continue
				}
				ok := false
				for _, class := range want {
					ok = ok || errors.Is(err, class)
				}
				if !ok {
					t.Errorf("%s %s: %v; want one of %v", name, when, err, want)
				}
			}
		}
		check("before Init", outsideLife(nil, nil, mpi.Sum, nil), mpi.ErrNotInitialized, mpi.ErrComm, mpi.ErrType, mpi.ErrWin)
		// Methods with no error to return panic saying why, not with a nil dereference.
		for name, f := range map[string]func(){"Rank": func() { mpi.World().Rank() }, "Size": func() { mpi.World().Size() }} {
			_, p := tryCall(func() error { f(); return nil })
			if !strings.Contains(p, "MPI is not initialized") {
				t.Errorf("World().%s before Init panicked with %q; want a message saying MPI is not initialized", name, p)
			}
		}
		level := mpitest.Levels[0]
		for _, l := range mpitest.Levels {
			if strings.HasSuffix(t.Name(), "/"+l.String()) {
				level = l
			}
		}
		if _, err := mpi.InitThread(level); err != nil {
			t.Fatal(err)
		}
		w := mpi.World()
		f64, err := mpi.Vector(1, 1, 1, mustType[float64](t))
		must(t, err)
		op, err := mpi.NewOp(func(a, b float64) float64 { return a + b }, true)
		must(t, err)
		win, _, err := mpi.WinAllocate[float64](mpi.Self(), 4) // over Self: made at every level, across hosts too
		must(t, err)
		must(t, win.Free()) // MPI wants windows freed before Finalize (MPICH with UCX aborts in it otherwise)
		must(t, mpi.Finalize())
		check("after Finalize", outsideLife(w, f64, op, win), mpi.ErrFinalized, mpi.ErrWin)
	}, mpitest.NoInit(), mpitest.Ranks(1, 2))
}

// A job whose ranks all finalize ends with every rank's exit status 0, job
// after job. On MPICH 4.1 and later a Go rank that leaves without running
// libmpich's exit handlers (which send the launcher its PMI finalize) is
// taken for a crash, and mpiexec kills the others: half of all 3-rank jobs
// failed so on MPICH 4.2.1 before Finalize ran them (lib_mpich.go). Each
// job is a fresh mpiexec; the harness fails one whose exit status is not 0.
func TestJobsEndCleanly(t *testing.T) {
	for i := range 6 {
		t.Run(fmt.Sprint("job", i), func(t *testing.T) {
			mpitest.Run(t, func(t *testing.T, w *mpi.Comm) { must(t, w.Barrier()) }, mpitest.Ranks(3, 4))
		})
	}
}
