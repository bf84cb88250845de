package main

// #cgo pkg-config: ompi-c
// #include <mpi.h>
// static int library_version(char *buf) { int n = 0; MPI_Get_library_version(buf, &n); return n; }
import "C"

import (
	"strings"
	"unsafe"
)

// libraryVersion is the first line of MPI_Get_library_version, which gompi
// does not expose (gompi links the same OpenMPI).
func libraryVersion() string {
	buf := make([]byte, C.MPI_MAX_LIBRARY_VERSION_STRING)
	n := C.library_version((*C.char)(unsafe.Pointer(&buf[0])))
	s, _, _ := strings.Cut(string(buf[:n]), "\n")
	s, _, _ = strings.Cut(s, "\x00")
	return strings.TrimSpace(s)
}
