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

// Handle returns i's MPI_Info as a uintptr (MPI_INFO_NULL for a nil i),
// for the caller's own cgo code.
func (i *Info) Handle() uintptr {
	if i == nil {
		return rawHandleOf(infoNull)
	}
	return rawHandleOf(i.h)
}

// InfoFromHandle wraps an MPI_Info made by the caller's own C code. Free
// frees it.
func InfoFromHandle(h uintptr) (*Info, error) {
	if err := checkState("InfoFromHandle"); err != nil {
		return nil, err
	}
	if rawHandleFrom(h) == infoNull {
		return nil, errorf(ClassArg, "InfoFromHandle", "MPI_INFO_NULL")
	}
	return &Info{h: rawHandleFrom(h)}, nil
}

// Handle returns f's MPI_File as a uintptr, for the caller's own cgo code
// (an I/O library given the file mpigo opened).
func (f *File) Handle() uintptr { return rawHandleOf(f.h) }

// FileFromHandle wraps an MPI_File opened by the caller's own C code over
// communicator c, whose group must be the file's (MPI_File_get_group: the
// same ranks in the same order), or ErrArg: collective calls on the File
// check their arguments over c. Close closes it. Its view is read from the
// file (MPI_File_get_view), so ReadAt and WriteAt know whether it is one of
// bytes; the name is "file from C".
func FileFromHandle(c *Comm, h uintptr) (*File, error) {
	const op = "FileFromHandle"
	if err := c.checkIntraOnly(op); err != nil {
		return nil, err
	}
	if rawHandleFrom(h) == fileNull {
		return nil, errorf(ClassFile, op, "MPI_FILE_NULL")
	}
	f := &File{h: rawHandleFrom(h), comm: c, name: "file from C", etype: 1}
	fg, err := f.Group()
	if err != nil {
		return nil, err
	}
	defer fg.Free()
	cg, err := c.Group()
	if err != nil {
		return nil, err
	}
	defer cg.Free()
	if cmp, err := fg.Compare(cg); err != nil || cmp != Ident {
		return nil, errorf(ClassArg, op, "the file's group is not the communicator's (%v)", cmp)
	}
	var disp int64
	et, ft := dtypeNull, dtypeNull
	rep := make([]byte, libDatarep+1)
	if err := mpiError(op, mpiFileGetView(f.h, &disp, &et, &ft, rep)); err != nil {
		return nil, err
	}
	if err := mpiError(op, mpiTypeSizeX(et, &f.etype)); err != nil {
		return nil, err
	}
	freeViewType(et)
	freeViewType(ft)
	return f, nil
}

// freeViewType frees a datatype MPI_File_get_view returned, unless it is
// predefined (which must not be freed).
func freeViewType(h dtypeHandle) {
	var ints, addrs, types, combiner int
	if mpiTypeGetEnvelope(h, &ints, &addrs, &types, &combiner) == rcSuccess && combiner != combinerNamed {
		mpiTypeFree(&h)
	}
}

// Handle returns r's MPI_Request as a uintptr, for C code that inspects it
// (MPI_Request_get_status). Completing or freeing it in C is the binding's
// to do: Wait, Test and Free keep r's pinned buffers and state right.
func (r *Request) Handle() uintptr {
	r.mu.Lock()
	defer r.mu.Unlock()
	return rawHandleOf(r.h)
}

// RequestFromHandle wraps an active MPI_Request started by the caller's own
// C code (a C library's nonblocking call), so that Wait, Test and WaitAll
// complete it with the binding's own requests. The memory it uses is C's
// to keep; its Status counts bytes.
func RequestFromHandle(h uintptr) (*Request, error) {
	if err := checkState("RequestFromHandle"); err != nil {
		return nil, err
	}
	if rawHandleFrom(h) == requestNull {
		return nil, errorf(ClassRequest, "RequestFromHandle", "MPI_REQUEST_NULL")
	}
	return &Request{h: rawHandleFrom(h), op: "request from C", kind: reqSend}, nil
}

// Handle returns w's MPI_Win as a uintptr, for the caller's own cgo code.
func (w *Win) Handle() uintptr { return rawHandleOf(w.h) }

// Handle returns m's MPI_Message as a uintptr, for the caller's own cgo
// code; MPI_MESSAGE_NULL once m is received.
func (m *Message) Handle() uintptr {
	if m.received.Load() {
		return rawHandleOf(messageNull)
	}
	return rawHandleOf(m.h)
}
