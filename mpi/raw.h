// raw.h: the only C in package mpi. Small static wrappers around libmpi so that
// every MPI operation is one cgo call, plus the translation of the Go-side
// constants (AnySource, AnyTag, ProcNull, element kinds, op kinds) into the
// handles of whichever MPI library is linked. Nothing here keeps a pointer
// after it returns, except the nonblocking calls (their buffers are pinned by Go).
#ifndef MPIGO_RAW_H
#define MPIGO_RAW_H

#include <mpi.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <limits.h>
#include <sched.h>
#include <sys/mman.h>

// Go-side rank and tag sentinels (see consts in p2p.go); MPI's values differ
// between implementations (MPICH: ANY_SOURCE -2, PROC_NULL -1).
#define GO_ANY_SOURCE (-1)
#define GO_ANY_TAG (-1)
#define GO_PROC_NULL (-2)

static inline int mpigo_peer(int r) {
	return r == GO_ANY_SOURCE ? MPI_ANY_SOURCE : (r == GO_PROC_NULL ? MPI_PROC_NULL : r);
}
#define GO_ROOT (-3)
// mpigo_root is a rooted collective's root: over an intercommunicator, Go's
// Root and ProcNull stand for MPI_ROOT and MPI_PROC_NULL.
static inline int mpigo_root(int r) { return r == GO_ROOT ? MPI_ROOT : (r == GO_PROC_NULL ? MPI_PROC_NULL : r); }
static inline int mpigo_tag(int t) { return t == GO_ANY_TAG ? MPI_ANY_TAG : t; }
static inline int mpigo_go_peer(int r) {
	return r == MPI_ANY_SOURCE ? GO_ANY_SOURCE : (r == MPI_PROC_NULL ? GO_PROC_NULL : r);
}
#define SBUF(p, inplace) ((inplace) ? MPI_IN_PLACE : (p))

// MPIGO_MPI4 is 1 where the library has MPI-4's functions: MPICH 4 (which
// says MPI_VERSION 4) and OpenMPI 5 (which has them, saying 3.1).
#if MPI_VERSION >= 4 || (defined(OMPI_MAJOR_VERSION) && OMPI_MAJOR_VERSION >= 5)
#define MPIGO_MPI4 1
#else
#define MPIGO_MPI4 0
#endif

// A collective's three forms (args.form). The persistent one, MPI_X_init,
// is MPI-4; OpenMPI 4.1 has it as MPIX_X_init in its pcollreq extension.
enum { MPIGO_BLOCKING, MPIGO_NONBLOCKING, MPIGO_PERSISTENT_FORM };
#if defined(OPEN_MPI) && OPEN_MPI
#include <mpi-ext.h>
#endif
#if MPIGO_MPI4
#define MPIGO_PERSISTENT(name) MPI_##name##_init
#elif defined(OPEN_MPI) && OPEN_MPI
#if !defined(OMPI_HAVE_MPI_EXT_PCOLLREQ) || !OMPI_HAVE_MPI_EXT_PCOLLREQ
#error "this OpenMPI has neither MPI-4 nor the pcollreq extension: no persistent collectives"
#endif
#define MPIGO_PERSISTENT(name) MPIX_##name##_init
#else
#error "this MPI library has no persistent collectives (MPI-4)"
#endif

// Handles cross into Go as integers (mpigo_h): cgo checks every argument of
// pointer type before a call (~10 ns each), and OpenMPI's handles are
// pointers to structs it cannot see into (MPICH's are ints; both fit). H()
// makes one; COMM(), DTYPE(), OP(), REQ() and MSG() turn it back. Buffers
// come as addresses (uintptr_t) for the same reason (see raw.go).
typedef uintptr_t mpigo_h;
#define H(x) ((mpigo_h)(x))
#define COMM(h) ((MPI_Comm)(h))
#define DTYPE(h) ((MPI_Datatype)(h))
#define OP(h) ((MPI_Op)(h))
#define REQ(h) ((MPI_Request)(h))
#define MSG(h) ((MPI_Message)(h))
#define WIN(h) ((MPI_Win)(h))
#define FILE_(h) ((MPI_File)(h))
#define PTR(a) ((void *)(a))

// The control calls (rawctl.go) call libmpi straight from Go, with the
// library's own handle types: to_X turns a handle into one, of_X back.
#define MPIGO_CONV(T, name) \
	static inline T mpigo_to_##name(mpigo_h h) { return (T)h; } \
	static inline mpigo_h mpigo_of_##name(T x) { return H(x); }
MPIGO_CONV(MPI_Comm, comm)
MPIGO_CONV(MPI_Datatype, dtype)
MPIGO_CONV(MPI_Group, group)
MPIGO_CONV(MPI_Op, op)
MPIGO_CONV(MPI_Request, req)
MPIGO_CONV(MPI_Message, msg)
MPIGO_CONV(MPI_Info, info)
MPIGO_CONV(MPI_Win, win)
MPIGO_CONV(MPI_File, file)
// MPI-4's sessions: where the library has none, a stand-in type, so that
// the session calls compile (each then returns MPI_ERR_UNSUPPORTED_OPERATION,
// and Go never makes them: session.go).
#if !MPIGO_MPI4
typedef int MPI_Session;
#endif
MPIGO_CONV(MPI_Session, session)
// Pointer constants that cgo cannot take from a macro.
static inline void *mpigo_in_place(void) { return MPI_IN_PLACE; }
static inline int *mpigo_unweighted(void) { return MPI_UNWEIGHTED; }
static inline int *mpigo_weights_empty(void) { return MPI_WEIGHTS_EMPTY; }


// Status as Go sees it: source, tag, byte count, cancelled.
typedef struct {
	int source, tag, cancelled;
	long long bytes;
} mpigo_status;

static inline void mpigo_fill(MPI_Status *s, mpigo_status *out) {
	if (out == NULL) return;
	out->source = mpigo_go_peer(s->MPI_SOURCE);
	out->tag = s->MPI_TAG;
#if defined(OPEN_MPI) && OPEN_MPI
	// What MPI_Get_elements_x(MPI_BYTE) and MPI_Test_cancelled read, without
	// the two library calls (~0.1 µs a message at MPI_THREAD_MULTIPLE).
	out->bytes = (long long)s->_ucount;
	out->cancelled = s->_cancelled;
#else
	MPI_Count n = 0;
	int c = 0;
	MPI_Get_elements_x(s, MPI_BYTE, &n);
	out->bytes = n == MPI_UNDEFINED ? -1 : (long long)n;
	MPI_Test_cancelled(s, &c);
	out->cancelled = c;
#endif
}

// ---- predefined handles, looked up once by Go ----
static mpigo_h mpigo_byte(void) { return H(MPI_BYTE); }
static mpigo_h mpigo_comm_world(void) { return H(MPI_COMM_WORLD); }
static mpigo_h mpigo_comm_self(void) { return H(MPI_COMM_SELF); }
static mpigo_h mpigo_comm_null(void) { return H(MPI_COMM_NULL); }
static mpigo_h mpigo_request_null(void) { return H(MPI_REQUEST_NULL); }
static mpigo_h mpigo_message_null(void) { return H(MPI_MESSAGE_NULL); }
// The value of an enumeration's member that the library does not have (zraw.h).
#define MPIGO_ENUM_NONE (MPI_UNDEFINED - 1)

// ---- environment ----
// The C state the package shares is defined in raw.go's preamble, once: every cgo file of
// the package is its own translation unit, each with its own copy of a
// static variable of this header.
extern MPI_Datatype mpigo_stage_unit; // see mpigo_recv_staged
extern int mpigo_wanting;             // see mpigo_give_way
extern long long mpigo_yields;        // see mpigo_idle
extern int mpigo_ft_on;               // a fault-tolerant job: see mpigo_probe_failed
static int mpigo_init(int required, int *provided) {
	int rc = MPI_Init_thread(NULL, NULL, required, provided);
	if (rc != MPI_SUCCESS) return rc;
	rc = MPI_Type_contiguous(16, MPI_BYTE, &mpigo_stage_unit);
	if (rc == MPI_SUCCESS) rc = MPI_Type_commit(&mpigo_stage_unit);
	if (rc != MPI_SUCCESS) return rc;
	rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	if (rc != MPI_SUCCESS) return rc;
	return MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
}
// mpigo_finalize frees what mpigo_init made, then finalizes MPI.
static int mpigo_finalize(void) {
	if (mpigo_stage_unit != MPI_DATATYPE_NULL) MPI_Type_free(&mpigo_stage_unit);
	return MPI_Finalize();
}
// MPI_Pcontrol is variadic, which cgo cannot call.
static int mpigo_pcontrol(int level) { return MPI_Pcontrol(level); }
static int mpigo_tag_ub(int *ub) {
	int *v = NULL, flag = 0;
	int rc = MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &v, &flag);
	*ub = (rc == MPI_SUCCESS && flag) ? *v : 32767;
	return rc;
}
// ---- MPI-4's sessions and info calls: each, or MPI_ERR_UNSUPPORTED_OPERATION ----
#if MPIGO_MPI4
#define MPIGO_SESSION(call) return call
#else
#define MPIGO_SESSION(call) return MPI_ERR_UNSUPPORTED_OPERATION
#endif
static int mpigo_session_init(MPI_Session *s) { MPIGO_SESSION(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, s)); }
static int mpigo_session_finalize(MPI_Session *s) { MPIGO_SESSION(MPI_Session_finalize(s)); }
static int mpigo_session_get_num_psets(MPI_Session s, int *n) { MPIGO_SESSION(MPI_Session_get_num_psets(s, MPI_INFO_NULL, n)); }
static int mpigo_session_get_nth_pset(MPI_Session s, int i, int *len, char *name) {
	MPIGO_SESSION(MPI_Session_get_nth_pset(s, MPI_INFO_NULL, i, len, name));
}
static int mpigo_session_get_pset_info(MPI_Session s, const char *pset, MPI_Info *info) {
	MPIGO_SESSION(MPI_Session_get_pset_info(s, pset, info));
}
static int mpigo_group_from_session_pset(MPI_Session s, const char *pset, MPI_Group *g) {
	MPIGO_SESSION(MPI_Group_from_session_pset(s, pset, g));
}
static int mpigo_comm_create_from_group(MPI_Group g, const char *tag, MPI_Comm *c) {
	MPIGO_SESSION(MPI_Comm_create_from_group(g, tag, MPI_INFO_NULL, MPI_ERRORS_RETURN, c));
}
// MPI-4's error classes, where the library has them (MPI_ERR_ERRHANDLER:
// MPICH 4.2, not OpenMPI 5.0).
#ifdef MPI_ERR_SESSION
#define MPIGO_ERR_SESSION MPI_ERR_SESSION
#else
#define MPIGO_ERR_SESSION MPIGO_ENUM_NONE
#endif
#ifdef MPI_ERR_PROC_ABORTED
#define MPIGO_ERR_PROC_ABORTED MPI_ERR_PROC_ABORTED
#else
#define MPIGO_ERR_PROC_ABORTED MPIGO_ENUM_NONE
#endif
#ifdef MPI_ERR_VALUE_TOO_LARGE
#define MPIGO_ERR_VALUE_TOO_LARGE MPI_ERR_VALUE_TOO_LARGE
#else
#define MPIGO_ERR_VALUE_TOO_LARGE MPIGO_ENUM_NONE
#endif
#ifdef MPI_ERR_ERRHANDLER
#define MPIGO_ERR_ERRHANDLER MPI_ERR_ERRHANDLER
#else
#define MPIGO_ERR_ERRHANDLER MPIGO_ENUM_NONE
#endif
// MPI-4's info calls: each, or MPI_ERR_UNSUPPORTED_OPERATION (info.go).
static int mpigo_info_get_string(MPI_Info info, const char *key, int *buflen, char *value, int *set) {
	MPIGO_SESSION(MPI_Info_get_string(info, key, buflen, value, set));
}
static int mpigo_info_create_env(MPI_Info *info) { MPIGO_SESSION(MPI_Info_create_env(0, NULL, info)); }
static int mpigo_error_class(int code) {
	int cls = MPI_ERR_UNKNOWN;
	if (MPI_Error_class(code, &cls) != MPI_SUCCESS) return MPI_ERR_UNKNOWN;
	return cls;
}
// Our own numbering of error classes (see errors.go), independent of the library's.
static int mpigo_error_string(int code, char *buf, int *len) {
	return MPI_Error_string(code, buf, len);
}
static int mpigo_abort(mpigo_h c, int code) { return MPI_Abort(COMM(c), code); }
static int mpigo_errors_return(MPI_Comm c) { return MPI_Comm_set_errhandler(c, MPI_ERRORS_RETURN); }
static int mpigo_win_errors_return(MPI_Win w) { return MPI_Win_set_errhandler(w, MPI_ERRORS_RETURN); }
// A generalized request (GoRequest): its work, status and error live in
// Go, so MPI's callbacks have nothing to do (and, being C, never call Go).
static int mpigo_greq_query(void *extra, MPI_Status *st) {
	MPI_Status_set_elements(st, MPI_BYTE, 0);
	MPI_Status_set_cancelled(st, 0);
	st->MPI_SOURCE = MPI_UNDEFINED;
	st->MPI_TAG = MPI_UNDEFINED;
	return MPI_SUCCESS;
}
static int mpigo_greq_free(void *extra) { return MPI_SUCCESS; }
static int mpigo_greq_cancel(void *extra, int complete) { return MPI_SUCCESS; }
static int mpigo_grequest_start(MPI_Request *req) {
	return MPI_Grequest_start(mpigo_greq_query, mpigo_greq_free, mpigo_greq_cancel, NULL, req);
}
// mpigo_win_attrs reads a window's size, displacement unit and flavor (a window made in C: WinFromHandle).
static int mpigo_win_attrs(MPI_Win w, MPI_Aint *size, int *unit, int *flavor) {
	MPI_Aint *s = NULL; int *u = NULL, *f = NULL, flag = 0, rc;
	if ((rc = MPI_Win_get_attr(w, MPI_WIN_SIZE, &s, &flag)) != MPI_SUCCESS || !flag) return rc ? rc : MPI_ERR_WIN;
	*size = *s;
	if ((rc = MPI_Win_get_attr(w, MPI_WIN_DISP_UNIT, &u, &flag)) != MPI_SUCCESS || !flag) return rc ? rc : MPI_ERR_WIN;
	*unit = *u;
	if ((rc = MPI_Win_get_attr(w, MPI_WIN_CREATE_FLAVOR, &f, &flag)) != MPI_SUCCESS || !flag) return rc ? rc : MPI_ERR_WIN;
	*flavor = *f;
	return MPI_SUCCESS;
}


// User-defined reductions: MPI's callback carries no user data, so a fixed
// pool of trampolines, each knowing its slot, calls back into Go.
#define MPIGO_OP_SLOTS 32
extern void mpigoUserOp(int slot, void *in, void *inout, int len);
#define TRAMP(i) static void mpigo_tramp##i(void *in, void *inout, int *len, MPI_Datatype *dt) { mpigoUserOp(i, in, inout, *len); }
TRAMP(0) TRAMP(1) TRAMP(2) TRAMP(3) TRAMP(4) TRAMP(5) TRAMP(6) TRAMP(7)
TRAMP(8) TRAMP(9) TRAMP(10) TRAMP(11) TRAMP(12) TRAMP(13) TRAMP(14) TRAMP(15)
TRAMP(16) TRAMP(17) TRAMP(18) TRAMP(19) TRAMP(20) TRAMP(21) TRAMP(22) TRAMP(23)
TRAMP(24) TRAMP(25) TRAMP(26) TRAMP(27) TRAMP(28) TRAMP(29) TRAMP(30) TRAMP(31)
static MPI_User_function *mpigo_tramps[MPIGO_OP_SLOTS] = {
	mpigo_tramp0, mpigo_tramp1, mpigo_tramp2, mpigo_tramp3, mpigo_tramp4, mpigo_tramp5, mpigo_tramp6, mpigo_tramp7,
	mpigo_tramp8, mpigo_tramp9, mpigo_tramp10, mpigo_tramp11, mpigo_tramp12, mpigo_tramp13, mpigo_tramp14, mpigo_tramp15,
	mpigo_tramp16, mpigo_tramp17, mpigo_tramp18, mpigo_tramp19, mpigo_tramp20, mpigo_tramp21, mpigo_tramp22, mpigo_tramp23,
	mpigo_tramp24, mpigo_tramp25, mpigo_tramp26, mpigo_tramp27, mpigo_tramp28, mpigo_tramp29, mpigo_tramp30, mpigo_tramp31,
};
static int mpigo_op_create(int slot, int commute, MPI_Op *op) {
	return MPI_Op_create(mpigo_tramps[slot], commute, op);
}

#include "raw_p2p.h"
#include "raw_ft.h"

#endif
