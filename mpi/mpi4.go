package mpi

// #include "raw.h"
import "C"

import "strings"

// What the library gives beyond MPI-3.1, known when the binding is built
// (raw.h reads the library's headers; no build tag per version):
//
//   - MPI-4's functions (Isendrecv, …): MPICH 4 (Debian 12's 4.0.2 and 13's
//     4.2.1) and OpenMPI 5 (Debian 13's 5.0.7, which has them while it says
//     MPI 3.1). Not OpenMPI 4.1 (Debian 12's 4.1.4).
//   - Persistent collectives (BcastInit, …): every library above; OpenMPI
//     4.1 has them as its MPIX_ extension.
//
// A call the library has not got is an ErrUnsupported error naming the MPI
// function and the library, made in Go before any C is called.

// haveMPI4 reports whether the library has MPI-4's functions.
const haveMPI4 = C.MPIGO_MPI4 == 1

// needMPI4 returns the error of op, which needs MPI-4's function fn, where
// the library has not got it (nil where it has).
func needMPI4(op, fn string) error {
	if haveMPI4 {
		return nil
	}
	return errorf(ClassUnsupported, op, "%s is MPI-4, which %s has not got (OpenMPI 5 and MPICH 4 have)", fn, libraryName())
}

// libraryName is the library's name and version, the first part of
// LibraryVersion ("Open MPI v4.1.4"), for the errors of calls it has not got.
func libraryName() string {
	lib, _ := LibraryVersion()
	lib, _, _ = strings.Cut(lib, ",")
	return strings.TrimSpace(lib)
}
