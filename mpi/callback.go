package mpi

// The one C→Go entry point: MPI calls a user-defined reduction (op.go)
// through the trampolines in raw.h, which land here with their slot number.

// #include <stddef.h>
import "C"

import "unsafe"

//export mpigoUserOp
func mpigoUserOp(slot C.int, in, inout unsafe.Pointer, n C.int) {
	callUserOp(int(slot), in, inout, int(n))
}
