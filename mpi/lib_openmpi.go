//go:build !mpich

package mpi

// The MPI library, chosen at build time: OpenMPI by default (Debian's
// libopenmpi-dev), MPICH with -tags mpich. Only the pkg-config name differs;
// raw.h and raw.go work with both (no code depends on what a handle is).

// #cgo pkg-config: ompi-c
import "C"
