//go:build !cgo

package mpi

// Built without cgo (CGO_ENABLED=0, or no C compiler), the package cannot
// link an MPI library; this line names the problem first among the errors:
//
//	undefined: mpigo_needs_cgo_and_an_MPI_library_see_a_needs_cgo_go
//
// Build with cgo (CGO_ENABLED=1 and gcc) against OpenMPI's development
// files: on Debian, apt-get install gcc openmpi-bin libopenmpi-dev pkg-config
// (or make deps); with -tags mpich, libmpich-dev mpich.
type needsCgo mpigo_needs_cgo_and_an_MPI_library_see_a_needs_cgo_go
