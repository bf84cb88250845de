package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/mpigo/mpigo/mpi"
)

// flagError ends a command whose flags are wrong before MPI starts: every
// rank of the job checks the same flags, so only the launcher's rank 0 (or
// a process started without mpiexec) prints the error; the others exit 1
// quietly, and mpiexec exits non-zero.
func flagError(err error) error {
	if err == nil {
		return nil
	}
	for _, v := range []string{"OMPI_COMM_WORLD_RANK", "PMI_RANK"} {
		if r, ok := os.LookupEnv(v); ok && r != "0" {
			os.Exit(1)
		}
	}
	return err
}

// jobError is an error that every rank finds alike once MPI runs (a flag
// that does not fit the job's size): runJob prints it once, from rank 0,
// and ends the job cleanly with exit code 1 instead of aborting it.
type jobError struct{ error }

func (e jobError) Unwrap() error { return e.error }

// runJob is mpi.RunThread for the commands, with jobError handled as above.
func runJob(level mpi.ThreadLevel, main func(world *mpi.Comm) error) {
	var failed error
	mpi.RunThread(level, func(world *mpi.Comm) error {
		err := main(world)
		var je jobError
		if !errors.As(err, &je) {
			return err
		}
		failed = je
		if world.Rank() != 0 {
			failed = errQuiet
		}
		return nil
	})
	if failed == errQuiet {
		os.Exit(1)
	}
	if failed != nil {
		fmt.Fprintln(os.Stderr, "mpigo:", failed)
		os.Exit(1)
	}
}

var errQuiet = errors.New("reported by rank 0")
