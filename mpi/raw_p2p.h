// raw_p2p.h: the C wrappers of the point-to-point calls that Go makes per
// message (calls.tab names them; raw.go says why they return by value).
#ifndef MPIGO_RAW_P2P_H
#define MPIGO_RAW_P2P_H

#include "raw.h"

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
	uintptr_t copy; // mpigo_isend_copy: the copy, while the send is pending
} mpigo_res;

// mpigo_wanting counts the goroutines waiting to call MPI while another is
// in C (see crowded in exec.go); a polling call stops spinning when it is
// not zero, and returns to Go to let them in.
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
// at once and returns complete — the copy is freed here; else r.copy holds
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
	else r.copy = (uintptr_t)copy;
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
static int mpigo_probe_failed(int src, MPI_Comm c); // raw_ft.h
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
		if (!mpigo_spin(i, 31, budget_ns, &deadline)) {
			if (mpigo_ft_on) r.rc = mpigo_probe_failed(mpigo_peer(src), COMM(c));
			return r;
		}
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

// Send and receive in one request (MPI-4's MPI_Isendrecv), receiving into
// stage when it is not 0 (as mpigo_irecv_staged does). Where the library
// has no MPI_Isendrecv, Go never calls this (haveMPI4 in mpi4.go).
static mpigo_res mpigo_isendrecv(uintptr_t buf, int n, mpigo_h dt, int dest, int tag,
	uintptr_t rbuf, int rn, mpigo_h rdt, int src, int rtag, mpigo_h c, uintptr_t stage) {
	mpigo_res r = {0};
#if MPIGO_MPI4
	MPI_Request q = MPI_REQUEST_NULL;
	if (stage != 0) rbuf = stage, rn = INT_MAX, rdt = H(mpigo_stage_unit);
	r.rc = MPI_Isendrecv(PTR(buf), n, DTYPE(dt), mpigo_peer(dest), tag, PTR(rbuf), rn, DTYPE(rdt),
		mpigo_peer(src), mpigo_tag(rtag), COMM(c), &q);
	r.req = H(q);
#else
	r.rc = MPI_ERR_UNSUPPORTED_OPERATION;
#endif
	return r;
}

// Partitioned communication (MPI-4): an init of either side, partitions
// marked ready, one partition's arrival. Where the library has no MPI-4, Go
// never calls these (partitioned.go).
static mpigo_res mpigo_pinit(uintptr_t buf, int partitions, int n, mpigo_h dt, int peer, int tag, mpigo_h c, int recv) {
	mpigo_res r = {0};
#if MPIGO_MPI4
	MPI_Request q = MPI_REQUEST_NULL;
	r.rc = recv ? MPI_Precv_init(PTR(buf), partitions, n, DTYPE(dt), mpigo_peer(peer), tag, COMM(c), MPI_INFO_NULL, &q)
	            : MPI_Psend_init(PTR(buf), partitions, n, DTYPE(dt), mpigo_peer(peer), tag, COMM(c), MPI_INFO_NULL, &q);
	r.req = H(q);
#else
	r.rc = MPI_ERR_UNSUPPORTED_OPERATION;
#endif
	return r;
}
static int mpigo_pready(mpigo_h req, int lo, int hi) {
#if MPIGO_MPI4
	return MPI_Pready_range(lo, hi, REQ(req));
#else
	return MPI_ERR_UNSUPPORTED_OPERATION;
#endif
}
static int mpigo_pready_list(mpigo_h req, int n, const int *list) {
#if MPIGO_MPI4
	return MPI_Pready_list(n, (int *)list, REQ(req));
#else
	return MPI_ERR_UNSUPPORTED_OPERATION;
#endif
}
static mpigo_res mpigo_parrived(mpigo_h req, int partition) {
	mpigo_res r = {0};
#if MPIGO_MPI4
	r.rc = MPI_Parrived(REQ(req), partition, &r.flag);
#else
	r.rc = MPI_ERR_UNSUPPORTED_OPERATION;
#endif
	return r;
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

// Receive matched message msg into buf, nonblocking.
static mpigo_res mpigo_imrecv(uintptr_t buf, int n, mpigo_h dt, mpigo_h msg) {
	mpigo_res r = {0};
	MPI_Message m = MSG(msg);
	MPI_Request q = MPI_REQUEST_NULL;
	r.rc = MPI_Imrecv(PTR(buf), n, DTYPE(dt), &m, &q);
	r.req = H(q);
	return r;
}

#endif
