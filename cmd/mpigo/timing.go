package main

import (
	"fmt"

	"github.com/mpigo/mpigo/mpi"
)

// algorithmList is the --algo flag's algorithms: the one named, or with
// "all" the native call followed by every algorithm of package collectives.
func algorithmList(flag string, all []string) []string {
	if flag == "all" {
		return append([]string{"native"}, all...)
	}
	return []string{flag}
}

// timeSlowest runs op on every rank between a barrier and a MAX-reduction
// of the elapsed times, and returns the slowest rank's time in µs (a
// collective is done when its last rank is). name labels op's errors.
func timeSlowest(world *mpi.Comm, name string, op func() error) (float64, error) {
	if err := world.Barrier(); err != nil {
		return 0, err
	}
	t0 := mpi.Wtime()
	if err := op(); err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	dt, slowest := mpi.Wtime()-t0, 0.0
	if err := world.Allreduce(mpi.One(&dt), mpi.One(&slowest), mpi.Max); err != nil {
		return 0, err
	}
	return slowest * 1e6, nil
}
