//go:build !mpich

package mpi

// The MPI library, chosen at build time: OpenMPI by default (Debian's
// libopenmpi-dev), MPICH with -tags mpich. Only the pkg-config name differs;
// raw.h and raw.go work with both (no code depends on what a handle is).

// #cgo pkg-config: ompi-c
import "C"

// afterFinalize has nothing to do on OpenMPI: its launchers learn of a
// rank's end in MPI_Finalize. See lib_mpich.go.
func afterFinalize() {}

// The library's persistent collectives are used (OpenMPI 4.1's MPIX_ ones,
// 5's MPI-4 ones); see pinit.go for MPICH.
const libPersistentCollectives = true

// isendrecvStatus is "" where MPI_Isendrecv completes with the receive's
// Status, as OpenMPI 5's does; else why not (lib_mpich.go).
const isendrecvStatus = ""
