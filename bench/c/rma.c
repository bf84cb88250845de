// rma.c: the C baseline of `mpigo rma`, OSU's one-sided method
// (osu_put_latency, osu_get_bw with MPI_Win_flush): a window of
// MPI_Win_allocate memory, rank 0 locks rank 1's once, then
//   put-latency: MPI_Put of SIZE bytes + MPI_Win_flush, ITERS times; µs each
//   get-bw:      64 MPI_Get of SIZE bytes + MPI_Win_flush, ITERS times; MB/s
// with WARM warm-up rounds excluded; rank 1 waits in a barrier. Prints
//   c BENCH SIZE VALUE
// Usage: rma-c BENCH SIZE ITERS WARM
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WINDOW = 64 };

int main(int argc, char **argv) {
	int prov, rank;
	MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &prov);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	if (argc != 5) {
		fprintf(stderr, "usage: rma-c put-latency|get-bw SIZE ITERS WARM\n");
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	const char *bench = argv[1];
	long size = atol(argv[2]);
	int iters = atoi(argv[3]), warm = atoi(argv[4]), bw = strcmp(bench, "get-bw") == 0;
	long span = bw ? size * WINDOW : size;
	char *win_mem, *local = malloc(span > 0 ? span : 1);
	memset(local, rank + 1, span);
	MPI_Win win;
	MPI_Win_allocate(span, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &win_mem, &win);
	memset(win_mem, 7, span);
	MPI_Barrier(MPI_COMM_WORLD);
	if (rank == 0) {
		MPI_Win_lock(MPI_LOCK_SHARED, 1, 0, win);
		double t0 = 0;
		for (int i = 0; i < warm + iters; i++) {
			if (i == warm) t0 = MPI_Wtime();
			if (bw) {
				for (int j = 0; j < WINDOW; j++) MPI_Get(local + j * size, size, MPI_BYTE, 1, j * size, size, MPI_BYTE, win);
			} else {
				MPI_Put(local, size, MPI_BYTE, 1, 0, size, MPI_BYTE, win);
			}
			MPI_Win_flush(1, win);
		}
		double t = MPI_Wtime() - t0;
		MPI_Win_unlock(1, win);
		if (bw)
			printf("c %s %ld %.2f\n", bench, size, (double)size * WINDOW * iters / t / 1e6);
		else
			printf("c %s %ld %.3f\n", bench, size, t / iters * 1e6);
	}
	MPI_Barrier(MPI_COMM_WORLD);
	MPI_Win_free(&win);
	free(local);
	MPI_Finalize();
	return 0;
}
