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

// MPI-4's info calls: Info.Get reads values through MPI_Info_get_string
// (1 and 255 bytes; an empty value and one of 256 are refused by Set), and InfoCreateEnv gives the job's
// environment, whose every key has a value. On OpenMPI 4 InfoCreateEnv is
// the typed error, and Get still works (MPI_Info_get).
func TestMPI4Info(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		info := must1[*mpi.Info](t)(mpi.NewInfo())
		defer info.Free()
		if err := info.Set("key", ""); !errors.Is(err, mpi.ErrArg) {
			t.Errorf("Set of an empty value: %v; want ErrArg", err)
		}
		if err := info.Set("key", strings.Repeat("v", 256)); !errors.Is(err, mpi.ErrArg) {
			t.Errorf("Set of a 256-byte value: %v; want ErrArg", err)
		}
		for _, v := range []string{"x", strings.Repeat("v", 255)} {
			must(t, info.Set("key", v))
			got, ok, err := info.Get("key")
			if err != nil || !ok || got != v {
				t.Errorf("Get of a %d-byte value: %d bytes, %v, %v", len(v), len(got), ok, err)
			}
		}
		if _, ok, err := info.Get("unset"); ok || err != nil {
			t.Errorf("Get of an unset key: %v, %v", ok, err)
		}
		env, err := mpi.InfoCreateEnv()
		if has, _ := libHasMPI4(t); !has {
			wantAbsent(t, "InfoCreateEnv", err, "MPI_Info_create_env")
			return
		}
		must(t, err)
		defer env.Free()
		keys := must1[[]string](t)(env.Keys())
		for _, k := range keys {
			if v, ok, err := env.Get(k); err != nil || !ok {
				t.Errorf("InfoCreateEnv's key %q: %q, %v, %v", k, v, ok, err)
			}
		}
		// OpenMPI 5 gives the job's size as maxprocs; MPICH 4 gives no key.
		if v, _ := mpi.LibraryVersion(); strings.Contains(v, "Open MPI") {
			if got, ok, err := env.Get("maxprocs"); err != nil || !ok || got != fmt.Sprint(w.Size()) {
				t.Errorf("InfoCreateEnv's maxprocs: %q, %v, %v; want %d (keys %v)", got, ok, err, w.Size(), keys)
			}
		} else if len(keys) != 0 {
			t.Logf("InfoCreateEnv: %d keys %v", len(keys), keys)
		}
	}, mpitest.Ranks(1, 2))
}

// MPI-4's error classes are the library's where it has them (OpenMPI 5,
// MPICH 4), with names, and errors.Is finds them by class.
func TestMPI4ErrorClasses(t *testing.T) {
	for _, c := range []struct {
		class mpi.Class
		err   error
	}{{mpi.ClassSession, mpi.ErrSession}, {mpi.ClassProcAborted, mpi.ErrProcAborted}, {mpi.ClassValueTooLarge, mpi.ErrValueTooLarge}} {
		e := &mpi.Error{Class: c.class, Code: 99, Op: "op", Msg: "m"}
		if !errors.Is(e, c.err) || c.class.String() == "" || strings.HasPrefix(c.class.String(), "class ") {
			t.Errorf("class %d: Is %v, name %q", int(c.class), errors.Is(e, c.err), c.class.String())
		}
	}
}
