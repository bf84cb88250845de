package mpi_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// libHasMPI4 reads from the library's own version string whether it has
// MPI-4's functions: every library the binding builds with but OpenMPI 4.
func libHasMPI4(t *testing.T) (bool, string) {
	v, err := mpi.LibraryVersion()
	must(t, err)
	return !strings.Contains(v, "Open MPI v4."), v
}

// wantAbsent checks err is the typed error of an MPI-4 call made on a
// library without it: ErrUnsupported, naming the function and the library.
func wantAbsent(t *testing.T, what string, err error, fn string) {
	t.Helper()
	if !errors.Is(err, mpi.ErrUnsupported) || !strings.Contains(err.Error(), fn) || !strings.Contains(err.Error(), "Open MPI v4.") {
		t.Fatalf("%s on OpenMPI 4: %v; want ErrUnsupported naming %s and the library", what, err, fn)
	}
}

// Isendrecv around a ring, small (staged) and large (pinned), and
// IsendrecvReplace, each rank checking what its neighbour sent and the
// Status; ProcNull on either side; a message longer than a small recv is
// ErrTruncate with nothing written past recv. On OpenMPI 4 (no MPI-4) and
// MPICH (a wrong Status) every call is the typed error instead.
func TestIsendrecv(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		has, lib := libHasMPI4(t)
		_, err := w.Isendrecv(mpi.Buf([]int32{1}), p, 0, mpi.Buf([]int32{0}), prev, 0)
		wantClass(t, "Isendrecv to rank Size()", err, mpi.ErrRank) // checked before the library is
		if !has {
			_, err := w.Isendrecv(mpi.Buf([]int32{1}), next, 0, mpi.Buf([]int32{0}), prev, 0)
			wantAbsent(t, "Isendrecv", err, "MPI_Isendrecv")
			_, err = w.IsendrecvReplace(mpi.Buf([]int32{1}), next, 0, prev, 0)
			wantAbsent(t, "IsendrecvReplace", err, "MPI_Isendrecv_replace")
			t.Logf("%s: the typed errors checked", lib)
			return
		}
		if strings.Contains(lib, "MPICH") { // its MPI_Isendrecv's Status is wrong: refused
			for what, err := range map[string]error{
				"Isendrecv":        second(w.Isendrecv(mpi.Buf([]int32{1}), next, 0, mpi.Buf([]int32{0}), prev, 0)),
				"IsendrecvReplace": second(w.IsendrecvReplace(mpi.Buf([]int32{1}), next, 0, prev, 0)),
			} {
				if !errors.Is(err, mpi.ErrUnsupported) || !strings.Contains(err.Error(), "MPICH's MPI_Isendrecv") {
					t.Fatalf("%s on MPICH: %v; want ErrUnsupported saying why", what, err)
				}
			}
			return
		}
		for _, n := range []int{5, 100000} {
			send, recv := make([]float64, n), make([]float64, n)
			fill(send, r)
			q, err := w.Isendrecv(mpi.Buf(send), next, 7, mpi.Buf(recv), prev, 7)
			must(t, err)
			st, err := q.Wait()
			must(t, err)
			if st.Source != prev || st.Tag != 7 || st.Count() != n {
				t.Fatalf("Isendrecv of %d float64s: status %+v (count %d), want source %d, tag 7, count %d", n, st, st.Count(), prev, n)
			}
			checkPattern(t, fmt.Sprintf("Isendrecv of %d float64s", n), recv, prev)

			b := make([]int64, n)
			fill(b, 10+r)
			q, err = w.IsendrecvReplace(mpi.Buf(b), next, 8, prev, 8)
			must(t, err)
			if st, err = q.Wait(); err != nil || st.Source != prev || st.Count() != n {
				t.Fatalf("IsendrecvReplace of %d int64s: %v, status %+v", n, err, st)
			}
			checkPattern(t, fmt.Sprintf("IsendrecvReplace of %d int64s", n), b, 10+prev)
		}

		// ProcNull: only the other side happens.
		got := []int32{-1}
		q, err := w.Isendrecv(mpi.Buf([]int32{int32(r)}), mpi.ProcNull, 0, mpi.Buf(got), mpi.ProcNull, 0)
		must(t, err)
		st, err := q.Wait()
		must(t, err)
		if got[0] != -1 || st.Source != mpi.ProcNull {
			t.Errorf("Isendrecv with ProcNull both sides: recv %v, status %+v; want untouched and source ProcNull", got, st)
		}

		// Truncation: 4 int32s into 2, guarded.
		small := make([]int32, 3)
		small[2] = 99
		q, err = w.Isendrecv(mpi.Buf([]int32{1, 2, 3, 4}), next, 9, mpi.Buf(small[:2]), prev, 9)
		must(t, err)
		_, err = q.Wait()
		wantClass(t, "Isendrecv of 4 int32s into 2", err, mpi.ErrTruncate)
		if small[0] != 1 || small[1] != 2 || small[2] != 99 {
			t.Errorf("after the truncated Isendrecv: %v, want [1 2 99] (nothing past recv)", small)
		}
	})
}

func second[T any](_ T, err error) error { return err }
