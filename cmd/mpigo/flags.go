package main

import (
	"os"
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
