package mpi_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// A class and code of the program's own: ErrorFromCode of the code carries
// its string; a code added to MPI's own class ErrArg is ErrArg to
// errors.Is; MPI_SUCCESS is nil; bad strings are refused.
func TestErrorClassesOfOurOwn(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		class, err := mpi.AddErrorClass()
		must(t, err)
		code, err := mpi.AddErrorCode(class)
		must(t, err)
		must(t, mpi.AddErrorString(code, "the solver diverged"))
		err = mpi.ErrorFromCode("Solve", code)
		var e *mpi.Error
		if !errors.As(err, &e) || e.Code != code || e.Op != "Solve" || !strings.Contains(e.Msg, "the solver diverged") || e.Class != mpi.ClassUnknown {
			t.Errorf("ErrorFromCode of our code: %#v", err)
		}
		// A code of MPI's own class MPI_ERR_ARG.
		if c := mpi.ClassArg.MPI(); c <= 0 || !errors.Is(mpi.ErrorFromCode("x", c), mpi.ErrArg) {
			t.Fatalf("ClassArg.MPI() = %d, whose error is %v", c, mpi.ErrorFromCode("x", c))
		}
		code2, err := mpi.AddErrorCode(mpi.ClassArg.MPI())
		must(t, err)
		if err := mpi.ErrorFromCode("Parse", code2); !errors.Is(err, mpi.ErrArg) {
			t.Errorf("a code added to MPI_ERR_ARG's class: %v, want ErrArg", err)
		}
		if err := mpi.ErrorFromCode("x", 0); err != nil {
			t.Errorf("ErrorFromCode(MPI_SUCCESS) = %v", err)
		}
		wantClass(t, "an empty error string", mpi.AddErrorString(code, ""), mpi.ErrArg)
		wantClass(t, "a 300-byte error string", mpi.AddErrorString(code, strings.Repeat("x", 300)), mpi.ErrArg)
		must(t, mpi.Pcontrol(1)) // no profiler linked in: nothing happens, no error
	}, mpitest.Ranks(1, 2))
}
