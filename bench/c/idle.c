// idle.c: the C baseline of `mpigo idle`: rank 1 waits in one MPI_Recv
// while rank 0 sleeps SECONDS, then sends its MPI_Wtime. Rank 1 reports the
// CPU time its process used during the wait (getrusage: user + system) and
// the wake-up latency, from rank 0's send to rank 1's return from MPI_Recv
// (one machine: one clock, CLOCK_REALTIME; MPI_Wtime's base is per process). Run it with and without
// --mca mpi_yield_when_idle 1. Prints:
//   c-idle seconds=S cpu_pct=P wake_us=W
// Usage: idle-c SECONDS
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static double cpu_seconds(void) {
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

int main(int argc, char **argv) {
	int provided, rank;
	MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	double seconds = argc > 1 ? atof(argv[1]) : 10;
	MPI_Barrier(MPI_COMM_WORLD);
	if (rank == 0) {
		usleep((useconds_t)(seconds * 1e6));
		long long t = now_ns();
		MPI_Send(&t, 1, MPI_LONG_LONG, 1, 0, MPI_COMM_WORLD);
	} else if (rank == 1) {
		long long sent, w0 = now_ns();
		double c0 = cpu_seconds();
		MPI_Recv(&sent, 1, MPI_LONG_LONG, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		long long now = now_ns();
		double waited = (now - w0) * 1e-9;
		printf("c-idle seconds=%.1f cpu_pct=%.1f wake_us=%.1f\n", waited, 100 * (cpu_seconds() - c0) / waited, (now - sent) * 1e-3);
	}
	MPI_Finalize();
	return 0;
}
