// pingpong.c: the C baseline of mpigo's ping-pong and bandwidth benchmarks,
// measured the same way (OSU method): ranks 0 and 1, separate send and
// receive buffers written before timing, warm-up excluded, MPI_THREAD_MULTIPLE.
// Usage: pingpong [-bw] [-iters N] SIZE...   (sizes in bytes)
// Prints one line per size: "size=N oneway_us=X" or "size=N mbps=X".
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int iterations(int size, int base) {
	if (base > 0) return base;
	return size <= 8192 ? 10000 : 1000;
}

int main(int argc, char **argv) {
	int provided, rank, bw = 0, base = 0;
	MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-bw")) bw = 1;
		else if (!strcmp(argv[i], "-iters")) base = atoi(argv[++i]);
	}
	for (; i < argc; i++) {
		int size = atoi(argv[i]);
		char *sbuf = malloc(size + 1), *rbuf = malloc(size + 1);
		memset(sbuf, 'a', size + 1);
		memset(rbuf, 'b', size + 1);
		int iters = iterations(size, base), warm = iters / 10 + 1;
		double t0 = 0;
		if (!bw) {
			for (int k = 0; k < iters + warm; k++) {
				if (k == warm) { MPI_Barrier(MPI_COMM_WORLD); t0 = MPI_Wtime(); }
				if (rank == 0) {
					MPI_Send(sbuf, size, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
					MPI_Recv(rbuf, size, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
				} else if (rank == 1) {
					MPI_Recv(rbuf, size, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
					MPI_Send(sbuf, size, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
				}
			}
			double us = (MPI_Wtime() - t0) * 1e6 / (2.0 * iters);
			if (rank == 0) printf("size=%d oneway_us=%.4f\n", size, us);
		} else {
			enum { WINDOW = 64 };
			MPI_Request req[WINDOW];
			iters = iters / 10 + 10;
			warm = 2;
			for (int k = 0; k < iters + warm; k++) {
				if (k == warm) { MPI_Barrier(MPI_COMM_WORLD); t0 = MPI_Wtime(); }
				if (rank == 0) {
					for (int w = 0; w < WINDOW; w++) MPI_Isend(sbuf, size, MPI_BYTE, 1, 100, MPI_COMM_WORLD, &req[w]);
					MPI_Waitall(WINDOW, req, MPI_STATUSES_IGNORE);
					MPI_Recv(rbuf, 4, MPI_BYTE, 1, 101, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
				} else if (rank == 1) {
					for (int w = 0; w < WINDOW; w++) MPI_Irecv(rbuf, size, MPI_BYTE, 0, 100, MPI_COMM_WORLD, &req[w]);
					MPI_Waitall(WINDOW, req, MPI_STATUSES_IGNORE);
					MPI_Send(sbuf, 4, MPI_BYTE, 0, 101, MPI_COMM_WORLD);
				}
			}
			double s = MPI_Wtime() - t0;
			if (rank == 0) printf("size=%d mbps=%.2f\n", size, (double)size * WINDOW * iters / s / 1e6);
		}
		free(sbuf);
		free(rbuf);
	}
	MPI_Finalize();
	return 0;
}
