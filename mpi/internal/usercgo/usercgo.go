// Package usercgo is what a program's own cgo code looks like when it calls
// MPI functions that the binding lacks, through the handles the binding
// exposes (Handle on Comm, Datatype, Group, Op, Info, File, Win, Request) and takes
// back (CommFromHandle, …, RequestFromHandle, WinFromHandle). The escape
// hatch's test uses it; cgo cannot be used in _test.go files.
package usercgo

/*
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>

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
static int info_with(const char *key, const char *value, uintptr_t *out) {
	MPI_Info i;
	int rc = MPI_Info_create(&i);
	if (rc == MPI_SUCCESS) rc = MPI_Info_set(i, key, value);
	if (rc == MPI_SUCCESS) *out = (uintptr_t)i;
	return rc;
}
static int info_get(uintptr_t info, const char *key, char *value, int n, int *flag) {
	return MPI_Info_get((MPI_Info)info, key, n - 1, value, flag);
}
static int file_open(uintptr_t comm, const char *name, uintptr_t *out) {
	MPI_File f;
	int rc = MPI_File_open((MPI_Comm)comm, name, MPI_MODE_RDWR | MPI_MODE_CREATE, MPI_INFO_NULL, &f);
	if (rc == MPI_SUCCESS) *out = (uintptr_t)f;
	return rc;
}
static int file_write_at(uintptr_t file, long long off, int v) {
	return MPI_File_write_at((MPI_File)file, (MPI_Offset)off, &v, 1, MPI_INT, MPI_STATUS_IGNORE);
}
// A receive into C memory, started in C; recv_value reads what came.
static int recv_values[64];
static int irecv_int(uintptr_t comm, int src, int tag, int slot, uintptr_t *out) {
	MPI_Request q;
	int rc = MPI_Irecv(&recv_values[slot], 1, MPI_INT, src, tag, (MPI_Comm)comm, &q);
	if (rc == MPI_SUCCESS) *out = (uintptr_t)q;
	return rc;
}
static int recv_value(int slot) { return recv_values[slot]; }
static int win_allocate(uintptr_t comm, int n, uintptr_t *out, int **base) {
	MPI_Win w;
	int rc = MPI_Win_allocate((MPI_Aint)n * sizeof(int), sizeof(int), MPI_INFO_NULL, (MPI_Comm)comm, base, &w);
	if (rc == MPI_SUCCESS) *out = (uintptr_t)w;
	return rc;
}
static int win_size(uintptr_t win, long long *size) {
	MPI_Aint *s; int flag;
	int rc = MPI_Win_get_attr((MPI_Win)win, MPI_WIN_SIZE, &s, &flag);
	*size = flag ? *s : -1;
	return rc;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

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

// InfoWith makes an MPI_Info holding key=value, in C.
func InfoWith(key, value string) (uintptr, error) {
	k, v := C.CString(key), C.CString(value)
	defer C.free(unsafe.Pointer(k))
	defer C.free(unsafe.Pointer(v))
	var out C.uintptr_t
	err := check("MPI_Info_set", C.info_with(k, v, &out))
	return uintptr(out), err
}

// InfoGet is MPI_Info_get, in C.
func InfoGet(info uintptr, key string) (string, bool, error) {
	k := C.CString(key)
	defer C.free(unsafe.Pointer(k))
	var buf [256]C.char
	var flag C.int
	err := check("MPI_Info_get", C.info_get(C.uintptr_t(info), k, &buf[0], C.int(len(buf)), &flag))
	return C.GoString(&buf[0]), flag != 0, err
}

// FileOpen opens name for reading and writing over comm (MPI_File_open), in C.
func FileOpen(comm uintptr, name string) (uintptr, error) {
	n := C.CString(name)
	defer C.free(unsafe.Pointer(n))
	var out C.uintptr_t
	err := check("MPI_File_open", C.file_open(C.uintptr_t(comm), n, &out))
	return uintptr(out), err
}

// FileWriteAt writes one C int at byte offset off (MPI_File_write_at), in C.
func FileWriteAt(file uintptr, off int64, v int32) error {
	return check("MPI_File_write_at", C.file_write_at(C.uintptr_t(file), C.longlong(off), C.int(v)))
}

// IrecvInt starts, in C, a receive of one int into C's slot (0–63) (MPI_Irecv).
func IrecvInt(comm uintptr, src, tag, slot int) (uintptr, error) {
	var out C.uintptr_t
	err := check("MPI_Irecv", C.irecv_int(C.uintptr_t(comm), C.int(src), C.int(tag), C.int(slot), &out))
	return uintptr(out), err
}

// RecvValue is what IrecvInt received into slot.
func RecvValue(slot int) int32 { return int32(C.recv_value(C.int(slot))) }

// WinAllocate makes a window of n C ints over comm (MPI_Win_allocate), in
// C, and returns it with its memory.
func WinAllocate(comm uintptr, n int) (uintptr, []int32, error) {
	var out C.uintptr_t
	var base *C.int
	if err := check("MPI_Win_allocate", C.win_allocate(C.uintptr_t(comm), C.int(n), &out, &base)); err != nil {
		return 0, nil, err
	}
	return uintptr(out), unsafe.Slice((*int32)(unsafe.Pointer(base)), n), nil
}

// WinSize reads a window's MPI_WIN_SIZE, in C.
func WinSize(win uintptr) (int64, error) {
	var size C.longlong
	err := check("MPI_Win_get_attr", C.win_size(C.uintptr_t(win), &size))
	return int64(size), err
}
