// io.c: the C baseline of `mpigo io`: collective write bandwidth. Every rank
// writes SIZE bytes at offset rank*SIZE of one shared file in one
// MPI_File_write_at_all, ITERS times (and MPI_File_sync after each with
// SYNC 1), after one untimed write; the time is the slowest rank's. Prints
//   c write-all SIZE MB/s
// Usage: io-c FILE SIZE ITERS SYNC
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
	int prov, rank, size_p;
	MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &prov);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size_p);
	if (argc != 5) {
		fprintf(stderr, "usage: io-c FILE SIZE ITERS SYNC\n");
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	long size = atol(argv[2]);
	int iters = atoi(argv[3]), sync = atoi(argv[4]);
	char *buf = malloc(size > 0 ? size : 1);
	memset(buf, 'a' + rank % 26, size);
	MPI_File f;
	if (MPI_File_open(MPI_COMM_WORLD, argv[1], MPI_MODE_CREATE | MPI_MODE_RDWR | MPI_MODE_DELETE_ON_CLOSE, MPI_INFO_NULL, &f) != MPI_SUCCESS) {
		fprintf(stderr, "io-c: cannot open %s\n", argv[1]);
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	MPI_Offset off = (MPI_Offset)rank * size;
	MPI_File_write_at_all(f, off, buf, (int)size, MPI_BYTE, MPI_STATUS_IGNORE); // untimed
	double t = 0;
	for (int i = 0; i < iters; i++) {
		MPI_Barrier(MPI_COMM_WORLD);
		double t0 = MPI_Wtime();
		MPI_File_write_at_all(f, off, buf, (int)size, MPI_BYTE, MPI_STATUS_IGNORE);
		if (sync) MPI_File_sync(f);
		t += MPI_Wtime() - t0;
	}
	double slowest;
	MPI_Reduce(&t, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
	if (rank == 0) printf("c write-all %ld %.1f\n", size, (double)size * size_p * iters / slowest / 1e6);
	MPI_File_close(&f);
	free(buf);
	MPI_Finalize();
	return 0;
}
