//go:build mpich

package mpi

// MPICH (Debian's libmpich-dev), selected with -tags mpich. See lib_openmpi.go.

// #cgo pkg-config: mpich
import "C"
