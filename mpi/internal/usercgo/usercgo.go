// Package usercgo is what a program's own cgo code looks like when it calls
// MPI functions that the binding lacks, through the handles the binding
// exposes (Comm.Handle, Datatype.Handle, Group.Handle, Op.Handle) and takes
// back (CommFromHandle, DatatypeFromHandle, GroupFromHandle). The escape
// hatch's test uses it; cgo cannot be used in _test.go files.
package usercgo

/*
#include <mpi.h>
#include <stdint.h>

static int allreduce_long(uintptr_t comm, uintptr_t op, long in, long *out) {
	return MPI_Allreduce(&in, out, 1, MPI_LONG, (MPI_Op)op, (MPI_Comm)comm);
}
static int split_parity(uintptr_t comm, uintptr_t *out) {
	int rank;
	MPI_Comm c;
	int rc = MPI_Comm_rank((MPI_Comm)comm, &rank);
	if (rc == MPI_SUCCESS) rc = MPI_Comm_split((MPI_Comm)comm, rank % 2, rank, &c);
	if (rc == MPI_SUCCESS) *out = (uintptr_t)c;
	return rc;
}
static int type_size(uintptr_t t, int *size) { return MPI_Type_size((MPI_Datatype)t, size); }
static int every_other_int(int n, uintptr_t *out) {
	MPI_Datatype t;
	int rc = MPI_Type_vector(n, 1, 2, MPI_INT, &t);
	if (rc == MPI_SUCCESS) *out = (uintptr_t)t;
	return rc;
}
static int group_first(uintptr_t g, uintptr_t *out) {
	int first = 0;
	MPI_Group h;
	int rc = MPI_Group_incl((MPI_Group)g, 1, &first, &h);
	if (rc == MPI_SUCCESS) *out = (uintptr_t)h;
	return rc;
}
*/
import "C"

import "fmt"

func check(what string, rc C.int) error {
	if rc != C.MPI_SUCCESS {
		return fmt.Errorf("%s: MPI error %d", what, int(rc))
	}
	return nil
}

// AllreduceLong is MPI_Allreduce of one C long over comm with op.
func AllreduceLong(comm, op uintptr, in int64) (int64, error) {
	var out C.long
	err := check("MPI_Allreduce", C.allreduce_long(C.uintptr_t(comm), C.uintptr_t(op), C.long(in), &out))
	return int64(out), err
}

// SplitParity splits comm into even and odd ranks (MPI_Comm_split), made in C.
func SplitParity(comm uintptr) (uintptr, error) {
	var out C.uintptr_t
	err := check("MPI_Comm_split", C.split_parity(C.uintptr_t(comm), &out))
	return uintptr(out), err
}

// TypeSize is MPI_Type_size.
func TypeSize(t uintptr) (int, error) {
	var n C.int
	err := check("MPI_Type_size", C.type_size(C.uintptr_t(t), &n))
	return int(n), err
}

// EveryOtherInt makes in C an uncommitted MPI_Type_vector of n C ints at a
// stride of 2.
func EveryOtherInt(n int) (uintptr, error) {
	var out C.uintptr_t
	err := check("MPI_Type_vector", C.every_other_int(C.int(n), &out))
	return uintptr(out), err
}

// GroupFirst is the group of g's first member (MPI_Group_incl).
func GroupFirst(g uintptr) (uintptr, error) {
	var out C.uintptr_t
	err := check("MPI_Group_incl", C.group_first(C.uintptr_t(g), &out))
	return uintptr(out), err
}
