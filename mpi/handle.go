package mpi

// The escape hatch: every handle type gives its MPI handle to the caller's
// own cgo code, for the MPI functions this binding lacks, and takes back
// handles that code made. A handle crosses as a uintptr; in C it is
// (MPI_Comm)h, (MPI_Datatype)h and so on: a pointer in OpenMPI, an int in
// MPICH. The Go object must stay unfreed while C uses its handle.
//
//	/*
//	#cgo pkg-config: ompi-c
//	#include <mpi.h>
//	#include <stdint.h>
//	static int comm_is_inter(uintptr_t h, int *flag) { return MPI_Comm_test_inter((MPI_Comm)h, flag); }
//	*/
//	import "C"
//
//	var flag C.int
//	rc := C.comm_is_inter(C.uintptr_t(comm.Handle()), &flag)

// Handle returns c's MPI_Comm as a uintptr, for the caller's own cgo code.
func (c *Comm) Handle() uintptr { return rawHandleOf(c.h) }

// CommFromHandle wraps an MPI_Comm made by the caller's own C code (its
// value as a uintptr, see Handle). The binding sets it to return errors
// (MPI_ERRORS_RETURN); Free frees it.
func CommFromHandle(h uintptr) (*Comm, error) {
	if err := checkState("CommFromHandle"); err != nil {
		return nil, err
	}
	if rawHandleFrom(h) == commNull {
		return nil, errorf(ClassComm, "CommFromHandle", "MPI_COMM_NULL")
	}
	return newComm(rawHandleFrom(h), false)
}

// Handle returns d's MPI_Datatype as a uintptr, for the caller's own cgo code.
func (d *Datatype) Handle() uintptr { return rawHandleOf(d.h) }

// DatatypeFromHandle wraps an MPI_Datatype made by the caller's own C code,
// committing it if it is not yet. Its bytes' layout is not known to the
// binding, so a receive into it is not checked for overlapping bytes; its
// bounds are (Typed). Free frees it.
func DatatypeFromHandle(h uintptr) (*Datatype, error) {
	const op = "DatatypeFromHandle"
	if err := checkState(op); err != nil {
		return nil, err
	}
	if rawHandleFrom(h) == dtypeNull {
		return nil, errorf(ClassType, op, "MPI_DATATYPE_NULL")
	}
	t := rawHandleFrom(h)
	if err := mpiError(op, mpiTypeCommit(&t)); err != nil {
		return nil, err
	}
	return newDatatype(op, rawHandleFrom(h), "datatype from C", nil)
}

// Handle returns g's MPI_Group as a uintptr, for the caller's own cgo code.
func (g *Group) Handle() uintptr { return rawHandleOf(g.h) }

// GroupFromHandle wraps an MPI_Group made by the caller's own C code. Free
// frees it.
func GroupFromHandle(h uintptr) (*Group, error) {
	const op = "GroupFromHandle"
	if err := checkState(op); err != nil {
		return nil, err
	}
	if rawHandleFrom(h) == groupNull {
		return nil, errorf(ClassGroup, op, "MPI_GROUP_NULL")
	}
	return newGroup(op, func(out *groupHandle) int { *out = rawHandleFrom(h); return rcSuccess })
}

// Handle returns o's MPI_Op as a uintptr, for the caller's own cgo code.
// A user op (NewOp) calls back into Go, so the C function that uses it must
// not be marked #cgo nocallback.
func (o *Op) Handle() uintptr { return rawHandleOf(o.h) }
