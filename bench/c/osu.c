// osu.c: the C baseline of mpigo's benchmark suite (package bench), the same
// benchmarks measured the same way, so that ratios to C mean something:
//   latency  ranks 0 and 1 ping-pong; a sample is half a round trip (µs)
//   bw       rank 0 posts 64 MPI_Isend, rank 1 64 MPI_Irecv, then a 4-byte ack (MB/s)
//   bibw     both ranks post 64 receives and 64 sends (MB/s of both directions)
//   bw-persistent  bw with 64 persistent requests made once (MPI_Send_init,
//            MPI_Recv_init), started each window (MPI_Startall)
//   put-latency  rank 0 puts into rank 1's window and flushes (µs a put)
//   get-bw   rank 0 gets 64 messages from rank 1's window and flushes (MB/s)
//   bcast scatter gather allgather alltoall reduce allreduce barrier
//            a barrier before every iteration, each rank times its call, and the
//            per-iteration times are MAX-reduced over ranks after the loop (µs)
// OSU method: warm-up excluded, buffers written before timing and reused,
// iteration counts as bench.Iterations (10000/1000 latency, 100/20 windows,
// 1000/100 collectives, above 8 KiB the smaller; times -x SCALE), one
// MPI_Wtime per iteration. MPI_THREAD_MULTIPLE, as mpigo asks for; with
// -single, MPI_THREAD_SINGLE, gompi's level, at which OpenMPI takes no locks
// (its series are then named c-single).
//
// Usage: bench-c [-single] -b BENCH,... -s SIZES -c COLLSIZES -x SCALE [-v] [-n] [-H]
// (-v and -n are accepted for the common command line: data validation is
// the Go suite's, and C has no other algorithms). Rank 0 writes the raw
// lines of bench/raw.go: "meta KEY VALUE" and "sample c - BENCH SIZE UNIT V..."
// (c-single with -single).
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { WINDOW = 64, LARGE = 8192, MAXSIZES = 64 };

static int rank, nranks;
static double scale = 1;
static const char *impl = "c"; // "c-single" with -single

static int parse_list(char *s, long *out) {
	int n = 0;
	for (char *t = strtok(s, ","); t && n < MAXSIZES; t = strtok(NULL, ",")) out[n++] = atol(t);
	return n;
}

// The sizes each benchmark runs at, as the driver passes them (-l
// name:min:max,…; bench.Limits): this program keeps no list of its own.
#define MAXLIMITS 32
static struct { char name[32]; long min, max; } limits[MAXLIMITS];
static int nlimits;
static void parse_limits(char *s) {
	for (char *t = strtok(s, ","); t && nlimits < MAXLIMITS; t = strtok(NULL, ",")) {
		if (sscanf(t, "%31[^:]:%ld:%ld", limits[nlimits].name, &limits[nlimits].min, &limits[nlimits].max) == 3) nlimits++;
	}
}
static int allowed(const char *bench, long size) {
	for (int i = 0; i < nlimits; i++)
		if (!strcmp(limits[i].name, bench)) return size >= limits[i].min && (limits[i].max == 0 || size <= limits[i].max);
	return 1;
}

// iterations: bench.Iterations.
static void iterations(const char *bench, long size, int *iters, int *warm) {
	int large = size > LARGE,
	    collective = strcmp(bench, "latency") && strcmp(bench, "bw") && strcmp(bench, "bibw") && strcmp(bench, "bw-persistent") &&
	                 strcmp(bench, "put-latency") && strcmp(bench, "get-bw");
	if (!strcmp(bench, "latency") || !strcmp(bench, "put-latency")) *iters = large ? 1000 : 10000, *warm = large ? 100 : 1000;
	else if (!collective) *iters = large ? 20 : 100, *warm = large ? 2 : 10;
	else *iters = large ? 100 : 1000, *warm = large ? 10 : 100;
	*iters = (int)fmax(2, floor(*iters * scale + 0.5));
	*warm = (int)fmax(1, floor(*warm * scale + 0.5));
}

static void emit(const char *bench, long size, const char *unit, const double *v, int n) {
	if (rank != 0) return;
	printf("sample %s - %s %ld %s", impl, bench, size, unit);
	for (int i = 0; i < n; i++) printf(" %.7g", v[i]);
	printf("\n");
	fflush(stdout);
}

// The buffers, allocated once for the largest size, page-aligned, written
// (as OSU does: fresh malloc'd buffers per size measured gather 4× slower
// after a scatter here, through glibc's moving mmap threshold).
static char *sbuf, *rbuf;
static double *xbuf, *ybuf;

static int hugepages; // -H: buffers on transparent huge pages, as mpi.Alloc and numpy give

static void *alloc(size_t n, int c) {
	void *b = NULL;
	if (posix_memalign(&b, hugepages ? 2 << 20 : 4096, n ? n : 1)) {
		fprintf(stderr, "bench-c: out of memory\n");
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	if (hugepages) madvise(b, n, MADV_HUGEPAGE);
	memset(b, c, n);
	return b;
}

static void latency(long size, int iters, int warm, double *v) {
	char *s = sbuf, *r = rbuf;
	int peer = 1 - rank;
	double last = 0;
	for (int k = -warm; k < iters; k++) {
		if (rank == 0) {
			MPI_Send(s, size, MPI_BYTE, peer, 1, MPI_COMM_WORLD);
			MPI_Recv(r, size, MPI_BYTE, peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		} else {
			MPI_Recv(r, size, MPI_BYTE, peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			MPI_Send(s, size, MPI_BYTE, peer, 1, MPI_COMM_WORLD);
		}
		double now = MPI_Wtime();
		if (k >= 0) v[k] = (now - last) * 1e6 / 2;
		last = now;
	}
}

// one_sided: osu_put_latency (a sample: MPI_Put + MPI_Win_flush, µs) or
// osu_get_bw (a sample: WINDOW MPI_Gets + MPI_Win_flush, MB/s) from rank 0
// into rank 1's part of an MPI_Win_allocate window, locked once (shared);
// every rank makes and frees the window.
static void one_sided(long size, int iters, int warm, int get, double *v) {
	long span = get ? size * WINDOW : size;
	char *mem;
	MPI_Win win;
	MPI_Win_allocate(span, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &mem, &win);
	char *local = rank == 0 ? alloc(span, 'a') : NULL;
	if (rank == 0) {
		MPI_Win_lock(MPI_LOCK_SHARED, 1, 0, win);
		double last = 0;
		for (int k = -warm; k < iters; k++) {
			if (get)
				for (int i = 0; i < WINDOW; i++) MPI_Get(local + i * size, size, MPI_BYTE, 1, i * size, size, MPI_BYTE, win);
			else
				MPI_Put(local, size, MPI_BYTE, 1, 0, size, MPI_BYTE, win);
			MPI_Win_flush(1, win);
			double now = MPI_Wtime();
			if (k >= 0) v[k] = get ? span / (now - last) / 1e6 : (now - last) * 1e6;
			last = now;
		}
		MPI_Win_unlock(1, win);
	}
	free(local);
	MPI_Win_free(&win);
}

static void bandwidth(long size, int iters, int warm, int bidirectional, int persistent, double *v) {
	char *s = sbuf, *r = rbuf, ack[4] = {0};
	int peer = 1 - rank, sending = rank == 0 || bidirectional, receiving = rank == 1 || bidirectional;
	MPI_Request req[2 * WINDOW];
	double last = 0, bytes = (double)size * WINDOW * (bidirectional ? 2 : 1);
	int n = 0;
	if (persistent) {
		if (receiving)
			for (int w = 0; w < WINDOW; w++) MPI_Recv_init(r, size, MPI_BYTE, peer, 100, MPI_COMM_WORLD, &req[n++]);
		if (sending)
			for (int w = 0; w < WINDOW; w++) MPI_Send_init(s, size, MPI_BYTE, peer, 100, MPI_COMM_WORLD, &req[n++]);
	}
	for (int k = -warm; k < iters; k++) {
		if (persistent) {
			MPI_Startall(n, req);
		} else {
			n = 0;
			if (receiving)
				for (int w = 0; w < WINDOW; w++) MPI_Irecv(r, size, MPI_BYTE, peer, 100, MPI_COMM_WORLD, &req[n++]);
			if (sending)
				for (int w = 0; w < WINDOW; w++) MPI_Isend(s, size, MPI_BYTE, peer, 100, MPI_COMM_WORLD, &req[n++]);
		}
		MPI_Waitall(n, req, MPI_STATUSES_IGNORE);
		if (!bidirectional) {
			if (rank == 0) MPI_Recv(ack, 4, MPI_BYTE, peer, 101, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			else MPI_Send(ack, 4, MPI_BYTE, peer, 101, MPI_COMM_WORLD);
		}
		double now = MPI_Wtime();
		if (k >= 0) v[k] = bytes / (now - last) / 1e6;
		last = now;
	}
	for (int i = 0; persistent && i < n; i++) MPI_Request_free(&req[i]);
}

// collective times one collective as the Go suite does (bench.timeCollective).
static void collective(const char *bench, long size, int iters, int warm, double *v) {
	char *a = sbuf, *b = rbuf;
	long n = size / 8; // float64 elements of reduce and allreduce
	double *x = xbuf, *y = ybuf;
	double *t = calloc(iters, sizeof *t);
	for (int k = -warm; k < iters; k++) {
		MPI_Barrier(MPI_COMM_WORLD);
		double t0 = MPI_Wtime();
		if (!strcmp(bench, "bcast")) MPI_Bcast(a, size, MPI_BYTE, 0, MPI_COMM_WORLD);
		else if (!strcmp(bench, "scatter")) MPI_Scatter(a, size, MPI_BYTE, b, size, MPI_BYTE, 0, MPI_COMM_WORLD);
		else if (!strcmp(bench, "gather")) MPI_Gather(a, size, MPI_BYTE, b, size, MPI_BYTE, 0, MPI_COMM_WORLD);
		else if (!strcmp(bench, "allgather")) MPI_Allgather(a, size, MPI_BYTE, b, size, MPI_BYTE, MPI_COMM_WORLD);
		else if (!strcmp(bench, "alltoall")) MPI_Alltoall(a, size, MPI_BYTE, b, size, MPI_BYTE, MPI_COMM_WORLD);
		else if (!strcmp(bench, "reduce")) MPI_Reduce(x, y, n, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
		else if (!strcmp(bench, "allreduce")) MPI_Allreduce(x, y, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
		else MPI_Barrier(MPI_COMM_WORLD);
		double dt = MPI_Wtime() - t0;
		if (k >= 0) t[k] = dt * 1e6;
	}
	MPI_Allreduce(t, v, iters, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
	free(t);
}

int main(int argc, char **argv) {
	int provided, level = MPI_THREAD_MULTIPLE;
	if (argc > 1 && !strcmp(argv[1], "-single")) level = MPI_THREAD_SINGLE, impl = "c-single";
	MPI_Init_thread(&argc, &argv, level, &provided);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	char *benches = NULL;
	long sizes[MAXSIZES], csizes[MAXSIZES];
	int nsizes = 0, ncsizes = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-single") && i == 1) continue;
		if (!strcmp(argv[i], "-b") && i + 1 < argc) benches = argv[++i];
		else if (!strcmp(argv[i], "-s") && i + 1 < argc) nsizes = parse_list(argv[++i], sizes);
		else if (!strcmp(argv[i], "-c") && i + 1 < argc) ncsizes = parse_list(argv[++i], csizes);
		else if (!strcmp(argv[i], "-x") && i + 1 < argc) scale = atof(argv[++i]);
		else if (!strcmp(argv[i], "-H")) hugepages = 1;
		else if (!strcmp(argv[i], "-l") && i + 1 < argc) parse_limits(argv[++i]);
		else if (strcmp(argv[i], "-v") && strcmp(argv[i], "-n")) {
			if (rank == 0) fprintf(stderr, "bench-c: unknown argument %s\n", argv[i]);
			MPI_Abort(MPI_COMM_WORLD, 2);
		}
	}
	if (!benches || scale <= 0) {
		if (rank == 0) fprintf(stderr, "usage: bench-c -b BENCH,... -s SIZES -c COLLSIZES -x SCALE\n");
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	long largest = 8;
	for (int j = 0; j < nsizes; j++) largest = sizes[j] > largest ? sizes[j] : largest;
	for (int j = 0; j < ncsizes; j++) largest = csizes[j] * nranks > largest ? csizes[j] * nranks : largest;
	sbuf = alloc(largest, 'a');
	rbuf = alloc(largest, 'b');
	xbuf = alloc(largest, 0);
	ybuf = alloc(largest, 0);
	for (long i = 0; i < largest / 8; i++) xbuf[i] = (double)(i % 11 + 1) * (rank + 1);
	char lib[MPI_MAX_LIBRARY_VERSION_STRING], host[MPI_MAX_PROCESSOR_NAME];
	int len;
	MPI_Get_library_version(lib, &len);
	lib[strcspn(lib, "\n")] = 0;
	memset(host, 0, sizeof host);
	MPI_Get_processor_name(host, &len);
	char *hosts = malloc((size_t)nranks * MPI_MAX_PROCESSOR_NAME);
	MPI_Gather(host, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, hosts, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, 0, MPI_COMM_WORLD);
	if (rank == 0) {
		printf("meta library %s\n", lib);
		printf("meta version C (%s), thread level %s, %s pages\n", __VERSION__,
		       provided == MPI_THREAD_MULTIPLE ? "MULTIPLE" : provided == MPI_THREAD_SINGLE ? "SINGLE" : "below MULTIPLE",
		       hugepages ? "huge" : "ordinary");
		for (int r = 0; r < nranks; r++) printf("meta host.%d %s\n", r, hosts + (size_t)r * MPI_MAX_PROCESSOR_NAME);
	}
	for (char *bench = strtok(benches, ","); bench; bench = strtok(NULL, ",")) {
		int rma = !strcmp(bench, "put-latency") || !strcmp(bench, "get-bw");
		int p2p = !strcmp(bench, "latency") || !strcmp(bench, "bw") || !strcmp(bench, "bibw") || !strcmp(bench, "bw-persistent") || rma;
		if (!strcmp(bench, "value") || (p2p && nranks < 2)) continue; // Go values: not in C
		long barrier0[] = {0};
		long *list = !strcmp(bench, "barrier") ? barrier0 : p2p ? sizes : csizes;
		int count = !strcmp(bench, "barrier") ? 1 : p2p ? nsizes : ncsizes;
		for (int j = 0; j < count; j++) {
			long size = list[j];
			if (!allowed(bench, size)) continue;
			int iters, warm;
			iterations(bench, size, &iters, &warm);
			double *v = calloc(iters, sizeof *v);
			MPI_Barrier(MPI_COMM_WORLD);
			if (rma) {
				one_sided(size, iters, warm, !strcmp(bench, "get-bw"), v);
			} else if (p2p && rank < 2) {
				if (!strcmp(bench, "latency")) latency(size, iters, warm, v);
				else bandwidth(size, iters, warm, !strcmp(bench, "bibw"), !strcmp(bench, "bw-persistent"), v);
			} else if (!p2p) {
				collective(bench, size, iters, warm, v);
			}
			emit(bench, size, p2p && strcmp(bench, "latency") && strcmp(bench, "put-latency") ? "MB/s" : "us", v, iters);
			free(v);
			MPI_Barrier(MPI_COMM_WORLD);
		}
	}
	free(hosts);
	MPI_Finalize();
	return 0;
}
