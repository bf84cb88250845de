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
static inline int mpigo_tag(int t) { return t == GO_ANY_TAG ? MPI_ANY_TAG : t; }
static inline int mpigo_go_peer(int r) {
	return r == MPI_ANY_SOURCE ? GO_ANY_SOURCE : (r == MPI_PROC_NULL ? GO_PROC_NULL : r);
}
#define SBUF(p, inplace) ((inplace) ? MPI_IN_PLACE : (p))

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
// Pointer constants that cgo cannot take from a macro.
static inline void *mpigo_in_place(void) { return MPI_IN_PLACE; }
static inline int *mpigo_unweighted(void) { return MPI_UNWEIGHTED; }
static inline int *mpigo_weights_empty(void) { return MPI_WEIGHTS_EMPTY; }
// The split types of MPI_Comm_split_type, in the order of SplitKind
// (comm.go); MPI_UNDEFINED-1 where the library has none.
static int mpigo_split_type(int k) {
	switch (k) {
	case 0: return MPI_COMM_TYPE_SHARED;
#if defined(OPEN_MPI) && OPEN_MPI
	case 1: return OMPI_COMM_TYPE_HWTHREAD;
	case 2: return OMPI_COMM_TYPE_CORE;
	case 3: return OMPI_COMM_TYPE_L1CACHE;
	case 4: return OMPI_COMM_TYPE_L2CACHE;
	case 5: return OMPI_COMM_TYPE_L3CACHE;
	case 6: return OMPI_COMM_TYPE_SOCKET;
	case 7: return OMPI_COMM_TYPE_NUMA;
	case 8: return OMPI_COMM_TYPE_BOARD;
	case 9: return OMPI_COMM_TYPE_HOST;
	case 10: return OMPI_COMM_TYPE_CU;
	case 11: return OMPI_COMM_TYPE_CLUSTER;
#endif
	}
	return MPI_UNDEFINED - 1;
}

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

// ---- handles, looked up once by Go ----
enum { K_BOOL, K_INT8, K_INT16, K_INT32, K_INT64, K_UINT8, K_UINT16, K_UINT32, K_UINT64,
       K_FLOAT32, K_FLOAT64, K_COMPLEX64, K_COMPLEX128, K_NKINDS };
static MPI_Datatype mpigo_datatype_of(int k) {
	switch (k) {
	case K_BOOL: return MPI_C_BOOL;
	case K_INT8: return MPI_INT8_T;
	case K_INT16: return MPI_INT16_T;
	case K_INT32: return MPI_INT32_T;
	case K_INT64: return MPI_INT64_T;
	case K_UINT8: return MPI_UINT8_T;
	case K_UINT16: return MPI_UINT16_T;
	case K_UINT32: return MPI_UINT32_T;
	case K_UINT64: return MPI_UINT64_T;
	case K_FLOAT32: return MPI_FLOAT;
	case K_FLOAT64: return MPI_DOUBLE;
	case K_COMPLEX64: return MPI_C_FLOAT_COMPLEX;
	case K_COMPLEX128: return MPI_C_DOUBLE_COMPLEX;
	}
	return MPI_DATATYPE_NULL;
}
static mpigo_h mpigo_datatype(int k) { return H(mpigo_datatype_of(k)); }
static mpigo_h mpigo_byte(void) { return H(MPI_BYTE); }

enum { O_SUM, O_PROD, O_MIN, O_MAX, O_LAND, O_LOR, O_LXOR, O_BAND, O_BOR, O_BXOR, O_MINLOC, O_MAXLOC, O_REPLACE, O_NO_OP, O_NOPS };
static MPI_Op mpigo_op_of(int k) {
	switch (k) {
	case O_SUM: return MPI_SUM;
	case O_PROD: return MPI_PROD;
	case O_MIN: return MPI_MIN;
	case O_MAX: return MPI_MAX;
	case O_LAND: return MPI_LAND;
	case O_LOR: return MPI_LOR;
	case O_LXOR: return MPI_LXOR;
	case O_BAND: return MPI_BAND;
	case O_BOR: return MPI_BOR;
	case O_BXOR: return MPI_BXOR;
	case O_MINLOC: return MPI_MINLOC;
	case O_MAXLOC: return MPI_MAXLOC;
	case O_REPLACE: return MPI_REPLACE;
	case O_NO_OP: return MPI_NO_OP;
	}
	return MPI_OP_NULL;
}
static mpigo_h mpigo_op(int k) { return H(mpigo_op_of(k)); }
static mpigo_h mpigo_comm_world(void) { return H(MPI_COMM_WORLD); }
static mpigo_h mpigo_comm_self(void) { return H(MPI_COMM_SELF); }
static mpigo_h mpigo_comm_null(void) { return H(MPI_COMM_NULL); }
static mpigo_h mpigo_request_null(void) { return H(MPI_REQUEST_NULL); }

// ---- one-sided operations (win.go): the per-message calls ----
// mpigo_rma runs operation call (rmaPut, rmaGet, rmaAccumulate,
// rmaGetAccumulate, rmaFetchAndOp of rawctl.go: 0-4) of n elements of dt
// from origin (result into result) at displacement disp of target's part of
// window win, with op for the accumulates.
static int mpigo_rma(int call, uintptr_t origin, uintptr_t result, int n, mpigo_h dt, int target, long long disp, mpigo_h op, mpigo_h win) {
	MPI_Win w = (MPI_Win)win;
	MPI_Datatype t = DTYPE(dt);
	MPI_Aint d = (MPI_Aint)disp;
	switch (call) {
	case 0: return MPI_Put(PTR(origin), n, t, target, d, n, t, w);
	case 1: return MPI_Get(PTR(origin), n, t, target, d, n, t, w);
	case 2: return MPI_Accumulate(PTR(origin), n, t, target, d, n, t, OP(op), w);
	case 3: return MPI_Get_accumulate(PTR(origin), n, t, PTR(result), n, t, target, d, n, t, OP(op), w);
	}
	return MPI_Fetch_and_op(PTR(origin), PTR(result), t, target, d, OP(op), w);
}
// mpigo_win_flush completes operations of window win: to rank (0), all
// (1), at the origin only to rank (2) or all (3).
static int mpigo_win_flush(int call, int rank, mpigo_h win) {
	MPI_Win w = (MPI_Win)win;
	switch (call) {
	case 0: return MPI_Win_flush(rank, w);
	case 1: return MPI_Win_flush_all(w);
	case 2: return MPI_Win_flush_local(rank, w);
	}
	return MPI_Win_flush_local_all(w);
}

// ---- environment ----
static MPI_Datatype mpigo_stage_unit = MPI_DATATYPE_NULL; // see mpigo_recv_staged
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
static int mpigo_thread_level(int k) {
	switch (k) {
	case 0: return MPI_THREAD_SINGLE;
	case 1: return MPI_THREAD_FUNNELED;
	case 2: return MPI_THREAD_SERIALIZED;
	}
	return MPI_THREAD_MULTIPLE;
}
static int mpigo_thread_kind(int level) {
	if (level == MPI_THREAD_SINGLE) return 0;
	if (level == MPI_THREAD_FUNNELED) return 1;
	if (level == MPI_THREAD_SERIALIZED) return 2;
	return 3;
}
static int mpigo_tag_ub(int *ub) {
	int *v = NULL, flag = 0;
	int rc = MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &v, &flag);
	*ub = (rc == MPI_SUCCESS && flag) ? *v : 32767;
	return rc;
}
static int mpigo_error_class(int code) {
	int cls = MPI_ERR_UNKNOWN;
	if (MPI_Error_class(code, &cls) != MPI_SUCCESS) return MPI_ERR_UNKNOWN;
	return cls;
}
// Our own numbering of error classes (see errors.go), independent of the library's.
static int mpigo_class_kind(int cls) {
	switch (cls) {
	case MPI_ERR_BUFFER: return 1;
	case MPI_ERR_COUNT: return 2;
	case MPI_ERR_TYPE: return 3;
	case MPI_ERR_TAG: return 4;
	case MPI_ERR_COMM: return 5;
	case MPI_ERR_RANK: return 6;
	case MPI_ERR_REQUEST: return 7;
	case MPI_ERR_ROOT: return 8;
	case MPI_ERR_GROUP: return 9;
	case MPI_ERR_OP: return 10;
	case MPI_ERR_ARG: return 11;
	case MPI_ERR_TRUNCATE: return 12;
	case MPI_ERR_OTHER: return 13;
	case MPI_ERR_INTERN: return 14;
	case MPI_ERR_IN_STATUS: return 15;
	case MPI_ERR_PENDING: return 16;
	case MPI_ERR_NO_MEM: return 17;
	case MPI_ERR_UNSUPPORTED_OPERATION: return 18;
	case MPI_ERR_WIN: case MPI_ERR_BASE: case MPI_ERR_LOCKTYPE: return 19;
	case MPI_ERR_RMA_SYNC: case MPI_ERR_RMA_CONFLICT: return 20;
	case MPI_ERR_RMA_RANGE: case MPI_ERR_DISP: return 11;
	case MPI_ERR_FILE: case MPI_ERR_BAD_FILE: case MPI_ERR_NOT_SAME: case MPI_ERR_FILE_IN_USE:
	case MPI_ERR_AMODE: case MPI_ERR_UNSUPPORTED_DATAREP: case MPI_ERR_DUP_DATAREP: return 21;
	case MPI_ERR_NO_SUCH_FILE: return 22;
	case MPI_ERR_FILE_EXISTS: return 23;
	case MPI_ERR_ACCESS: case MPI_ERR_READ_ONLY: return 24;
	case MPI_ERR_IO: case MPI_ERR_NO_SPACE: case MPI_ERR_QUOTA: return 25;
	case MPI_ERR_SPAWN: return 26;
	case MPI_ERR_PORT: return 27;
	case MPI_ERR_NAME: case MPI_ERR_SERVICE: return 28;
	}
	return 0; // unknown
}
static int mpigo_env_string(int version, char *buf, int *len) {
	return version ? MPI_Get_library_version(buf, len) : MPI_Get_processor_name(buf, len);
}
static int mpigo_error_string(int code, char *buf, int *len) {
	return MPI_Error_string(code, buf, len);
}

// ---- communicators ----
static int mpigo_comm_info(mpigo_h c, int *rank, int *size) {
	int rc = MPI_Comm_rank(COMM(c), rank);
	if (rc != MPI_SUCCESS) return rc;
	return MPI_Comm_size(COMM(c), size);
}
// The calls that make or free a handle return it through *out.
static int mpigo_comm_split_shared(mpigo_h c, int key, mpigo_h *out) {
	MPI_Comm o = MPI_COMM_NULL;
	int rc = MPI_Comm_split_type(COMM(c), MPI_COMM_TYPE_SHARED, key, MPI_INFO_NULL, &o);
	*out = H(o);
	return rc;
}
static int mpigo_comm_dup(mpigo_h c, mpigo_h *out) {
	MPI_Comm o = MPI_COMM_NULL;
	int rc = MPI_Comm_dup(COMM(c), &o);
	*out = H(o);
	return rc;
}
static int mpigo_comm_free(mpigo_h *c) {
	MPI_Comm o = COMM(*c);
	int rc = MPI_Comm_free(&o);
	*c = H(o);
	return rc;
}
static int mpigo_abort(mpigo_h c, int code) { return MPI_Abort(COMM(c), code); }
static int mpigo_errors_return(mpigo_h c) { return MPI_Comm_set_errhandler(COMM(c), MPI_ERRORS_RETURN); }
static int mpigo_comm_split(mpigo_h c, int color, int key, mpigo_h *out) {
	MPI_Comm o = MPI_COMM_NULL;
	int rc = MPI_Comm_split(COMM(c), color < 0 ? MPI_UNDEFINED : color, key, &o);
	*out = H(o);
	return rc;
}

// ---- point-to-point ----
// The calls Go makes per message return their results by value (mpigo_res)
// instead of through pointers to Go memory: a Go pointer passed to C escapes
// to the heap (an allocation per call) unless the function is marked both
// noescape and nocallback, and nocallback is wrong on anything that drives
// MPI's progress engine, which can run a pending nonblocking collective's
// user-defined reduction, i.e. a callback into Go.
typedef struct {
	int rc, flag;
	mpigo_status st;
	mpigo_h req, msg;
} mpigo_res;

// mpigo_wanting counts the goroutines waiting to call MPI while another is
// in C (see crowded in exec.go); a polling call stops spinning when it is
// not zero, and returns to Go to let them in.
static int mpigo_wanting;
static int *mpigo_wanting_addr(void) { return &mpigo_wanting; }
static inline int mpigo_give_way(void) { return __atomic_load_n(&mpigo_wanting, __ATOMIC_RELAXED) > 0; }

static inline long long mpigo_now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// mpigo_idle gives the core away first when the budget says so (yieldFirst
// in exec.go: a long wait, in which other processes may need the core), and
// counts it in mpigo_yields.
static long long mpigo_yields;
static long long *mpigo_yields_addr(void) { return &mpigo_yields; }
static inline void mpigo_idle(long long budget_ns) {
	if (budget_ns >= 0) return;
	__atomic_fetch_add(&mpigo_yields, 1, __ATOMIC_RELAXED);
	sched_yield();
}

// mpigo_spin reports whether a polling loop may take another turn after turn
// i: it has a spin budget, no goroutine waits to call MPI, and the budget has
// not run out (the clock is read every mask+1 turns; the first read starts it).
static inline int mpigo_spin(int i, int mask, long long budget_ns, long long *deadline) {
	if (budget_ns <= 0 || mpigo_give_way()) return 0;
	if ((i & mask) != mask) return 1;
	long long now = mpigo_now();
	if (*deadline == 0) {
		*deadline = now + budget_ns;
		return 1;
	}
	return now < *deadline;
}

// Blocking send of a message the caller expects to complete locally (eager).
static int mpigo_send(uintptr_t buf, int n, mpigo_h dt, int dest, int tag, mpigo_h c, int sync) {
	if (sync) return MPI_Ssend(PTR(buf), n, DTYPE(dt), mpigo_peer(dest), tag, COMM(c));
	return MPI_Send(PTR(buf), n, DTYPE(dt), mpigo_peer(dest), tag, COMM(c));
}
// Nonblocking posts: the caller pinned the buffer (Request), so MPI may keep
// it. With persistent, the persistent request is made instead (MPI_Send_init,
// MPI_Ssend_init, MPI_Recv_init): started any number of times, and freed by
// the caller (mpigo_request_free), until when MPI keeps the buffer.
static mpigo_res mpigo_isend(uintptr_t buf, int n, mpigo_h dt, int dest, int tag, mpigo_h c, int sync, int persistent) {
	mpigo_res r = {0};
	MPI_Request q = MPI_REQUEST_NULL;
	void *b = PTR(buf);
	int to = mpigo_peer(dest);
	if (persistent) r.rc = sync ? MPI_Ssend_init(b, n, DTYPE(dt), to, tag, COMM(c), &q) : MPI_Send_init(b, n, DTYPE(dt), to, tag, COMM(c), &q);
	else r.rc = sync ? MPI_Issend(b, n, DTYPE(dt), to, tag, COMM(c), &q) : MPI_Isend(b, n, DTYPE(dt), to, tag, COMM(c), &q);
	r.req = H(q);
	return r;
}
// A small standard-mode send from a copy in C memory, so that MPI never
// holds the Go buffer and nothing needs pinning (bytes: the buffer's size;
// the data contiguous). Posted and tested once: where the send completed in
// the call — an eager message over shared memory, which OpenMPI copies out
// at once and returns complete — the copy is freed here; else r.msg holds
// it, and the caller frees it (mpigo_free) once the request completes.
static mpigo_res mpigo_isend_copy(uintptr_t buf, long long bytes, int n, mpigo_h dt, int dest, int tag, mpigo_h c) {
	mpigo_res r = {0};
	void *copy = malloc(bytes > 0 ? (size_t)bytes : 1);
	if (copy == NULL) {
		r.rc = MPI_ERR_NO_MEM;
		return r;
	}
	memcpy(copy, PTR(buf), (size_t)bytes);
	MPI_Request q = MPI_REQUEST_NULL;
	r.rc = MPI_Isend(copy, n, DTYPE(dt), mpigo_peer(dest), tag, COMM(c), &q);
	if (r.rc != MPI_SUCCESS) {
		free(copy);
		return r;
	}
	r.rc = MPI_Test(&q, &r.flag, MPI_STATUS_IGNORE);
	r.req = H(q);
	if (r.flag) free(copy);
	else r.msg = (mpigo_h)(uintptr_t)copy;
	return r;
}
static mpigo_res mpigo_irecv(uintptr_t buf, int n, mpigo_h dt, int src, int tag, mpigo_h c, int persistent) {
	mpigo_res r = {0};
	MPI_Request q = MPI_REQUEST_NULL;
	r.rc = persistent ? MPI_Recv_init(PTR(buf), n, DTYPE(dt), mpigo_peer(src), mpigo_tag(tag), COMM(c), &q)
	                  : MPI_Irecv(PTR(buf), n, DTYPE(dt), mpigo_peer(src), mpigo_tag(tag), COMM(c), &q);
	r.req = H(q);
	return r;
}

// Probe, matched (MPI_Improbe) or not (MPI_Iprobe), spinning for at most
// budget_ns (reading the clock every 32 turns; 0: probe once; below 0:
// mpigo_idle, then once). On a match r.flag is 1, and a matched message is
// r.msg, to be received with mpigo_mrecv.
static mpigo_res mpigo_probe(int src, int tag, mpigo_h c, int matched, long long budget_ns) {
	mpigo_idle(budget_ns);
	mpigo_res r = {0};
	MPI_Status s;
	MPI_Message m = MPI_MESSAGE_NULL;
	long long deadline = 0;
	for (int i = 0;; i++) {
		r.rc = matched ? MPI_Improbe(mpigo_peer(src), mpigo_tag(tag), COMM(c), &r.flag, &m, &s)
		               : MPI_Iprobe(mpigo_peer(src), mpigo_tag(tag), COMM(c), &r.flag, &s);
		if (r.rc != MPI_SUCCESS) return r;
		if (r.flag) { r.msg = H(m); mpigo_fill(&s, &r.st); return r; }
		if (!mpigo_spin(i, 31, budget_ns, &deadline)) return r;
	}
}
static mpigo_res mpigo_mrecv(uintptr_t buf, int n, mpigo_h dt, mpigo_h msg) {
	mpigo_res r = {0};
	MPI_Status s;
	MPI_Message m = MSG(msg);
	r.rc = MPI_Mrecv(PTR(buf), n, DTYPE(dt), &m, &s);
	if (r.rc == MPI_SUCCESS) mpigo_fill(&s, &r.st);
	return r;
}
// Receive: a matched probe spin, then the receive of the matched message.
// Returns with r.flag 0 when nothing matched within budget_ns; nothing is
// left posted, so no pointer is kept. A message longer than the buffer
// (cap bytes) is not received: r.flag is 2 and r.msg is the matched message.
// (OpenMPI 4.1 writes past the end of the buffer when it truncates a message
// above the eager limit, so truncation is handled by the caller.)
static mpigo_res mpigo_recv_poll(uintptr_t buf, int n, mpigo_h dt, long long cap, int src, int tag, mpigo_h c, long long budget_ns) {
	mpigo_res r = mpigo_probe(src, tag, c, 1, budget_ns);
	if (r.rc != MPI_SUCCESS || !r.flag) return r;
	if (r.st.bytes > cap) { r.flag = 2; return r; }
	mpigo_res m = mpigo_mrecv(buf, n, dt, r.msg);
	if (m.rc == MPI_SUCCESS) r.st = m.st;
	r.rc = m.rc;
	return r;
}

// Test a request, spinning for at most budget_ns (0: test once; below 0:
// mpigo_idle, then once).
static mpigo_res mpigo_test(mpigo_h req, long long budget_ns) {
	mpigo_idle(budget_ns);
	mpigo_res r = {0};
	MPI_Status s;
	MPI_Request q = REQ(req);
	long long deadline = 0;
	for (int i = 0;; i++) {
		r.rc = MPI_Test(&q, &r.flag, &s);
		if (r.rc != MPI_SUCCESS || r.flag || !mpigo_spin(i, 31, budget_ns, &deadline)) break;
	}
	r.req = H(q);
	if (r.rc == MPI_SUCCESS && r.flag) mpigo_fill(&s, &r.st);
	return r;
}
// Post a send and test it, spinning for at most budget_ns (a blocking Send
// that may not complete eagerly: one call where most complete).
static mpigo_res mpigo_send_poll(uintptr_t buf, int n, mpigo_h dt, int dest, int tag, mpigo_h c, int sync, long long budget_ns) {
	mpigo_res r = mpigo_isend(buf, n, dt, dest, tag, c, sync, 0);
	if (r.rc != MPI_SUCCESS) return r;
	return mpigo_test(r.req, budget_ns);
}
static int mpigo_cancel(mpigo_h req) {
	MPI_Request q = REQ(req);
	return MPI_Cancel(&q);
}

// Complete requests reqs[0..n) in order, spinning for at most budget_ns (0:
// one round; below 0: mpigo_idle, then one round). A round tests the first
// request not yet done (MPI_Test, which makes progress when it is pending)
// and, while they are complete, the ones after it. Requests mostly complete
// in the order they were posted, so a round costs one test where
// MPI_Testsome scanned all n, with their handles copied in and out. (A
// profile of a window of 64 small receives put ~10% of the time in
// MPI_Testsome, progress included; windows ran as fast either way, within
// this machine's noise.)
// Completed ones become MPI_REQUEST_NULL (persistent ones inactive), with
// done[i] set, their status in sts[i] and their error in rcs[i]; r.flag is
// set once all are done. One call completes a whole window where Wait would
// make a call (and a cgo transition) per request.
static mpigo_res mpigo_testall(int n, mpigo_h *reqs, mpigo_status *sts, int *rcs, int *done, long long budget_ns) {
	mpigo_idle(budget_ns);
	mpigo_res r = {0};
	long long deadline = 0;
	int next = 0;
	for (int i = 0;; i++) {
		for (; next < n; next++) {
			if (done[next]) continue;
			MPI_Request q = REQ(reqs[next]);
			MPI_Status s;
			int flag = 0, rc = MPI_Test(&q, &flag, &s);
			reqs[next] = H(q);
			if (!flag) {
				if (rc != MPI_SUCCESS) { r.rc = rc; return r; }
				break;
			}
			done[next] = 1;
			rcs[next] = rc; // the request's error: MPI_Test returns it
			mpigo_fill(&s, &sts[next]);
		}
		if (next == n) { r.flag = 1; return r; }
		if (!mpigo_spin(i, 7, budget_ns, &deadline)) return r;
	}
}

// Staging areas, for small messages (see p2p.go). OpenMPI 4.1 writes past
// the end of a receive buffer when it truncates a message above its eager
// limit, so a receive posted straight into a small Go buffer is unsafe, and
// matching first (MPI_Improbe) costs ~0.4 µs a message. Instead, the receive
// is posted into a staging area that no message can overflow: 32 GiB of
// address space reserved with MAP_NORESERVE (only touched pages take memory)
// and a receive count of INT_MAX 16-byte units. Go copies the message out on
// completion, and gives back the pages a large message touched
// (mpigo_stage_trim). MPI never holds a Go pointer.
#define MPIGO_STAGE_BYTES ((size_t)INT_MAX * 16)
static void *mpigo_stage_new(void) {
	void *p = mmap(NULL, MPIGO_STAGE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}
static void mpigo_stage_trim(uintptr_t stage, long long keep, long long used) {
	if (used > keep) madvise((char *)stage + keep, (size_t)(used - keep), MADV_DONTNEED);
}
static mpigo_res mpigo_irecv_staged(uintptr_t stage, int src, int tag, mpigo_h c, int persistent) {
	return mpigo_irecv(stage, INT_MAX, H(mpigo_stage_unit), src, tag, c, persistent);
}
static mpigo_res mpigo_recv_staged(uintptr_t stage, int src, int tag, mpigo_h c, long long budget_ns) {
	mpigo_res r = mpigo_irecv_staged(stage, src, tag, c, 0);
	if (r.rc != MPI_SUCCESS) return r;
	return mpigo_test(r.req, budget_ns);
}

// Start persistent requests reqs[0..n) (MPI_Startall, 64 at a time); their
// handles do not change.
static int mpigo_startall(int n, const mpigo_h *reqs) {
	MPI_Request q[64];
	for (int base = 0; base < n; base += 64) {
		int m = n - base < 64 ? n - base : 64;
		for (int k = 0; k < m; k++) q[k] = REQ(reqs[base + k]);
		int rc = MPI_Startall(m, q);
		if (rc != MPI_SUCCESS) return rc;
	}
	return MPI_SUCCESS;
}
static int mpigo_start(mpigo_h req) { return mpigo_startall(1, &req); }
static int mpigo_request_free(mpigo_h req) {
	MPI_Request q = REQ(req);
	return MPI_Request_free(&q);
}

// ---- collectives: nb == 0 is the blocking call, otherwise the nonblocking one (r.req) ----
#define COLL(blocking, nonblocking) do { \
	mpigo_res r = {0}; \
	MPI_Request q = MPI_REQUEST_NULL; \
	r.rc = nb ? (nonblocking) : (blocking); \
	r.req = H(q); \
	return r; } while (0)
static mpigo_res mpigo_barrier(mpigo_h ch, int nb) {
	MPI_Comm c = COMM(ch);
	COLL(MPI_Barrier(c), MPI_Ibarrier(c, &q));
}
static mpigo_res mpigo_bcast(uintptr_t buf_a, int n, mpigo_h dth, int root, mpigo_h ch, int nb) {
	MPI_Comm c = COMM(ch); MPI_Datatype dt = DTYPE(dth); void *buf = PTR(buf_a);
	COLL(MPI_Bcast(buf, n, dt, root, c), MPI_Ibcast(buf, n, dt, root, c, &q));
}
// The data-moving collectives take a send datatype (sdt) and a receive one (rdt).
static mpigo_res mpigo_scatter(uintptr_t sb_a, int sn, mpigo_h sdth, uintptr_t rb_a, int rn, mpigo_h rdth, int inplace, int root, mpigo_h ch, int nb) {
	MPI_Comm c = COMM(ch); MPI_Datatype sdt = DTYPE(sdth), rdt = DTYPE(rdth); void *sb = PTR(sb_a); void *rb = PTR(rb_a);
	void *rbuf = SBUF(rb, inplace);
	COLL(MPI_Scatter(sb, sn, sdt, rbuf, rn, rdt, root, c), MPI_Iscatter(sb, sn, sdt, rbuf, rn, rdt, root, c, &q));
}
static mpigo_res mpigo_scatterv(uintptr_t sb_a, const int *counts, const int *displs, mpigo_h sdth, uintptr_t rb_a, int rn, mpigo_h rdth, int inplace, int root, mpigo_h ch, int nb) {
	MPI_Comm c = COMM(ch); MPI_Datatype sdt = DTYPE(sdth), rdt = DTYPE(rdth); void *sb = PTR(sb_a); void *rb = PTR(rb_a);
	void *rbuf = SBUF(rb, inplace);
	COLL(MPI_Scatterv(sb, counts, displs, sdt, rbuf, rn, rdt, root, c),
	     MPI_Iscatterv(sb, counts, displs, sdt, rbuf, rn, rdt, root, c, &q));
}
static mpigo_res mpigo_gather(uintptr_t sb_a, int sn, mpigo_h sdth, uintptr_t rb_a, int rn, mpigo_h rdth, int inplace, int root, mpigo_h ch, int nb) {
	MPI_Comm c = COMM(ch); MPI_Datatype sdt = DTYPE(sdth), rdt = DTYPE(rdth); void *sb = PTR(sb_a); void *rb = PTR(rb_a);
	const void *s = SBUF(sb, inplace);
	COLL(MPI_Gather(s, sn, sdt, rb, rn, rdt, root, c), MPI_Igather(s, sn, sdt, rb, rn, rdt, root, c, &q));
}
static mpigo_res mpigo_gatherv(uintptr_t sb_a, int sn, mpigo_h sdth, uintptr_t rb_a, const int *counts, const int *displs, mpigo_h rdth, int inplace, int root, mpigo_h ch, int nb) {
	MPI_Comm c = COMM(ch); MPI_Datatype sdt = DTYPE(sdth), rdt = DTYPE(rdth); void *sb = PTR(sb_a); void *rb = PTR(rb_a);
	const void *s = SBUF(sb, inplace);
	COLL(MPI_Gatherv(s, sn, sdt, rb, counts, displs, rdt, root, c),
	     MPI_Igatherv(s, sn, sdt, rb, counts, displs, rdt, root, c, &q));
}
static mpigo_res mpigo_allgather(uintptr_t sb_a, int sn, mpigo_h sdth, uintptr_t rb_a, int rn, mpigo_h rdth, int inplace, mpigo_h ch, int nb) {
	MPI_Comm c = COMM(ch); MPI_Datatype sdt = DTYPE(sdth), rdt = DTYPE(rdth); void *sb = PTR(sb_a); void *rb = PTR(rb_a);
	const void *s = SBUF(sb, inplace);
	COLL(MPI_Allgather(s, sn, sdt, rb, rn, rdt, c), MPI_Iallgather(s, sn, sdt, rb, rn, rdt, c, &q));
}
static mpigo_res mpigo_allgatherv(uintptr_t sb_a, int sn, mpigo_h sdth, uintptr_t rb_a, const int *counts, const int *displs, mpigo_h rdth, int inplace, mpigo_h ch, int nb) {
	MPI_Comm c = COMM(ch); MPI_Datatype sdt = DTYPE(sdth), rdt = DTYPE(rdth); void *sb = PTR(sb_a); void *rb = PTR(rb_a);
	const void *s = SBUF(sb, inplace);
	COLL(MPI_Allgatherv(s, sn, sdt, rb, counts, displs, rdt, c),
	     MPI_Iallgatherv(s, sn, sdt, rb, counts, displs, rdt, c, &q));
}
static mpigo_res mpigo_alltoall(uintptr_t sb_a, int sn, mpigo_h sdth, uintptr_t rb_a, int rn, mpigo_h rdth, int inplace, mpigo_h ch, int nb) {
	MPI_Comm c = COMM(ch); MPI_Datatype sdt = DTYPE(sdth), rdt = DTYPE(rdth); void *sb = PTR(sb_a); void *rb = PTR(rb_a);
	const void *s = SBUF(sb, inplace);
	COLL(MPI_Alltoall(s, sn, sdt, rb, rn, rdt, c), MPI_Ialltoall(s, sn, sdt, rb, rn, rdt, c, &q));
}
static mpigo_res mpigo_alltoallv(uintptr_t sb_a, const int *sc, const int *sd, mpigo_h sdth, uintptr_t rb_a, const int *rc, const int *rd, mpigo_h rdth, int inplace, mpigo_h ch, int nb) {
	MPI_Comm c = COMM(ch); MPI_Datatype sdt = DTYPE(sdth), rdt = DTYPE(rdth); void *sb = PTR(sb_a); void *rb = PTR(rb_a);
	const void *s = SBUF(sb, inplace);
	COLL(MPI_Alltoallv(s, sc, sd, sdt, rb, rc, rd, rdt, c), MPI_Ialltoallv(s, sc, sd, sdt, rb, rc, rd, rdt, c, &q));
}
// Reductions. kind selects the call: 0 reduce, 1 allreduce, 2 scan, 3 exscan, 4 reduce_scatter_block.
static mpigo_res mpigo_reduce(int kind, uintptr_t sb_a, uintptr_t rb_a, int n, mpigo_h dth, mpigo_h oph, int inplace, int root, mpigo_h ch, int nb) {
	MPI_Comm c = COMM(ch); MPI_Datatype dt = DTYPE(dth); MPI_Op op = OP(oph); void *sb = PTR(sb_a); void *rb = PTR(rb_a);
	const void *s = SBUF(sb, inplace);
	switch (kind) {
	case 0: COLL(MPI_Reduce(s, rb, n, dt, op, root, c), MPI_Ireduce(s, rb, n, dt, op, root, c, &q));
	case 1: COLL(MPI_Allreduce(s, rb, n, dt, op, c), MPI_Iallreduce(s, rb, n, dt, op, c, &q));
	case 2: COLL(MPI_Scan(s, rb, n, dt, op, c), MPI_Iscan(s, rb, n, dt, op, c, &q));
	case 3: COLL(MPI_Exscan(s, rb, n, dt, op, c), MPI_Iexscan(s, rb, n, dt, op, c, &q));
	case 4: COLL(MPI_Reduce_scatter_block(s, rb, n, dt, op, c), MPI_Ireduce_scatter_block(s, rb, n, dt, op, c, &q));
	}
	mpigo_res bad = {MPI_ERR_ARG};
	return bad;
}

// ---- derived datatypes and user-defined ops ----
static int mpigo_type_contiguous(int n, mpigo_h base, mpigo_h *out) {
	MPI_Datatype t = MPI_DATATYPE_NULL;
	int rc = MPI_Type_contiguous(n, DTYPE(base), &t);
	if (rc == MPI_SUCCESS) rc = MPI_Type_commit(&t);
	*out = H(t);
	return rc;
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
static int mpigo_op_free(mpigo_h *op) {
	MPI_Op o = OP(*op);
	int rc = MPI_Op_free(&o);
	*op = H(o);
	return rc;
}
static int mpigo_op_create(int slot, int commute, mpigo_h *op) {
	MPI_Op o = MPI_OP_NULL;
	int rc = MPI_Op_create(mpigo_tramps[slot], commute, &o);
	*op = H(o);
	return rc;
}

#endif
