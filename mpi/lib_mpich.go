//go:build mpich

package mpi

// MPICH (Debian's libmpich-dev), selected with -tags mpich. See lib_openmpi.go.

/*
#cgo pkg-config: mpich
#cgo LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>

// mpigo_run_exit_handlers runs libmpich's destructors, as the C library's
// exit() would: its fini array (whose entry runs what libmpich registered
// with atexit), then DT_FINI; nothing if the library is not found.
// PMPI_Finalize locates libmpich: the program
// never takes its address, so dlsym gives the library's own definition.
static void mpigo_run_exit_handlers(void) {
	void *sym = dlsym(RTLD_DEFAULT, "PMPI_Finalize");
	Dl_info info;
	struct link_map *lm = NULL;
	if (sym == NULL || !dladdr1(sym, &info, (void **)&lm, RTLD_DL_LINKMAP) || lm == NULL)
		return;
	ElfW(Addr) array = 0, fini = 0;
	size_t size = 0;
	for (ElfW(Dyn) *d = lm->l_ld; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_FINI_ARRAY) array = d->d_un.d_ptr;
		if (d->d_tag == DT_FINI_ARRAYSZ) size = d->d_un.d_val;
		if (d->d_tag == DT_FINI) fini = d->d_un.d_ptr;
	}
	if (array != 0) {
		void (**f)(void) = (void (**)(void))(lm->l_addr + array);
		for (size_t i = size / sizeof *f; i-- > 0;)
			f[i]();
	}
	if (fini != 0)
		((void (*)(void))(lm->l_addr + fini))();
}
*/
import "C"

// afterFinalize ends the process's connection to MPICH's launcher. Since
// MPICH 4.1 the PMI finalize (the message telling mpiexec this rank ended
// well) is an atexit handler, so that a program can initialize MPI again
// (sessions). A Go program never runs atexit handlers: the runtime leaves
// with the exit_group system call. mpiexec then takes the first rank to exit
// for a crash and kills the others (signal 9), a job in two failing half
// the time at 3 ranks on MPICH 4.2.1. Running libmpich's exit handlers here,
// after MPI_Finalize, is what C's exit() would do (and runs no others').
func afterFinalize() { C.mpigo_run_exit_handlers() }

// MPICH's persistent collectives give wrong results: the binding makes its
// own (pinit.go).
const libPersistentCollectives = false

// MPICH's MPI_Isendrecv moves the data but completes with a wrong Status
// (source, tag and count: all 0 on 4.0.2, another message's on 4.2.1,
// measured with C), which the binding needs to fill a staged receive and
// to tell a truncated one. Isendrecv is refused there, with this reason.
const isendrecvStatus = "MPICH's MPI_Isendrecv completes with a wrong Status (source, tag and count; measured on 4.0.2 and 4.2.1)"
