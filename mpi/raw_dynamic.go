package mpi

// The dynamic-process calls written by hand: MPI_Comm_spawn_multiple takes
// arrays of strings and of arrays, which must be C memory (cgo forbids
// passing Go memory that holds pointers).

/*
#include "zraw.h"
*/
import "C"

import "unsafe"

// cstrings copies ss into C memory as a NULL-terminated array (for argv);
// free releases it.
func cstrings(ss []string) (arr **C.char, free func()) {
	p := (**C.char)(C.malloc(C.size_t(len(ss)+1) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	v := unsafe.Slice(p, len(ss)+1)
	for i, s := range ss {
		v[i] = C.CString(s)
	}
	v[len(ss)] = nil
	return p, func() {
		for _, c := range v[:len(ss)] {
			C.free(unsafe.Pointer(c))
		}
		C.free(unsafe.Pointer(p))
	}
}

// rawSpawn starts the programs of cmds (MPI_Comm_spawn_multiple, or
// MPI_Comm_spawn for one), from root of c, and returns the intercommunicator
// and each process's error code.
func rawSpawn(c commHandle, cmds []spawnSpec, root int) (commHandle, []int, int) {
	n := len(cmds)
	total := 0
	for _, s := range cmds {
		total += s.procs
	}
	commands := make([]string, n)
	for i, s := range cmds {
		commands[i] = s.command
	}
	names, freeNames := cstrings(commands)
	defer freeNames()
	argvs := make([]**C.char, n)
	for i, s := range cmds {
		a, free := cstrings(s.args) // no arguments: an empty array, not MPI_ARGV_NULL
		defer free()
		argvs[i] = a
	}
	// The arrays go to C in C memory (cgo forbids passing Go memory that
	// holds pointers, even to C memory).
	argvArr := (***C.char)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof((**C.char)(nil)))))
	defer C.free(unsafe.Pointer(argvArr))
	copy(unsafe.Slice(argvArr, n), argvs)
	procs := (*C.int)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(C.int(0)))))
	defer C.free(unsafe.Pointer(procs))
	var anInfo C.MPI_Info // a pointer in OpenMPI, an int in MPICH
	infos := (*C.MPI_Info)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(anInfo))))
	defer C.free(unsafe.Pointer(infos))
	for i, s := range cmds {
		unsafe.Slice(procs, n)[i] = C.int(s.procs)
		unsafe.Slice(infos, n)[i] = C.mpigo_to_info(s.info)
	}
	codes := (*C.int)(C.malloc(C.size_t(max(total, 1)) * C.size_t(unsafe.Sizeof(C.int(0)))))
	defer C.free(unsafe.Pointer(codes))
	var out commHandle
	rc := ctl(callCommSpawnMultiple, func() C.int {
		var ic C.MPI_Comm
		rc := C.MPI_Comm_spawn_multiple(C.int(n), names, argvArr, procs, infos, C.int(root), C.mpigo_to_comm(c), &ic, codes)
		out = C.mpigo_of_comm(ic)
		return rc
	})
	errs := make([]int, total)
	for i, e := range unsafe.Slice(codes, max(total, 1))[:total] {
		errs[i] = int(e)
	}
	return out, errs, rc
}
