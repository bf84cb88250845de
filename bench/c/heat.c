// heat.c: the C baseline of `mpigo heat` (internal/heat), the same loop in
// C: an N×N grid with fixed edges, ranks on a balanced MPI_Dims_create
// grid (MPI_Cart_create, no reorder), a one-point halo refreshed before
// each Jacobi step by four MPI_Sendrecv calls (rows contiguous, columns an
// MPI_Type_vector), then an 8-byte MPI_Allreduce (MAX) of the largest
// change. MPI_THREAD_MULTIPLE, as mpigo asks for. Rank 0 prints one line:
//   c-heat n=N steps=S ranks=P steps_per_s=R halo_us=H residual=X
//
// Usage: heat-c N STEPS
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double boundary(int n, int y, int x) {
	if (y == 0) return 1;
	if (x == 0) return 0.5 * (double)(n - 1 - y) / (double)(n - 1);
	return 0;
}

static int on_edge(int n, int y, int x) { return y == 0 || x == 0 || y == n - 1 || x == n - 1; }

int main(int argc, char **argv) {
	int provided;
	MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
	if (argc != 3) {
		fprintf(stderr, "usage: heat-c N STEPS\n");
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	int n = atoi(argv[1]), steps = atoi(argv[2]), p;
	MPI_Comm_size(MPI_COMM_WORLD, &p);
	int dims[2] = {0, 0}, periods[2] = {0, 0}, coords[2];
	MPI_Dims_create(p, 2, dims);
	MPI_Comm cart;
	MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &cart);
	int rank;
	MPI_Comm_rank(cart, &rank);
	MPI_Cart_coords(cart, rank, 2, coords);
	int y0 = coords[0] * n / dims[0], ny = (coords[0] + 1) * n / dims[0] - y0;
	int x0 = coords[1] * n / dims[1], nx = (coords[1] + 1) * n / dims[1] - x0;
	int s = nx + 2;
	double *cur = calloc((size_t)(ny + 2) * s, sizeof(double));
	double *next = calloc((size_t)(ny + 2) * s, sizeof(double));
	for (int i = 1; i <= ny; i++)
		for (int j = 1; j <= nx; j++)
			if (on_edge(n, y0 + i - 1, x0 + j - 1)) cur[i * s + j] = next[i * s + j] = boundary(n, y0 + i - 1, x0 + j - 1);
	int up, down, left, right;
	MPI_Cart_shift(cart, 0, 1, &up, &down);
	MPI_Cart_shift(cart, 1, 1, &left, &right);
	MPI_Datatype col;
	MPI_Type_vector(ny, 1, s, MPI_DOUBLE, &col);
	MPI_Type_commit(&col);

	double residual = 0, halo = 0;
	MPI_Barrier(cart);
	double t0 = MPI_Wtime();
	for (int step = 0; step < steps; step++) {
		double h0 = MPI_Wtime();
		MPI_Sendrecv(&cur[ny * s + 1], nx, MPI_DOUBLE, down, 0, &cur[1], nx, MPI_DOUBLE, up, 0, cart, MPI_STATUS_IGNORE);
		MPI_Sendrecv(&cur[s + 1], nx, MPI_DOUBLE, up, 1, &cur[(ny + 1) * s + 1], nx, MPI_DOUBLE, down, 1, cart, MPI_STATUS_IGNORE);
		MPI_Sendrecv(&cur[s + nx], 1, col, right, 2, &cur[s], 1, col, left, 2, cart, MPI_STATUS_IGNORE);
		MPI_Sendrecv(&cur[s + 1], 1, col, left, 3, &cur[s + nx + 1], 1, col, right, 3, cart, MPI_STATUS_IGNORE);
		halo += MPI_Wtime() - h0;
		double change = 0;
		int jlo = x0 == 0 ? 2 : 1, jhi = x0 + nx == n ? nx - 1 : nx; // columns not on the grid's edge
		for (int i = 1; i <= ny; i++) {
			int y = y0 + i - 1;
			if (y == 0 || y == n - 1) continue;
			for (int j = jlo; j <= jhi; j++) {
				int k = i * s + j;
				double v = 0.25 * (cur[k - s] + cur[k + s] + cur[k - 1] + cur[k + 1]);
				double d = v - cur[k]; // the branches of mpigo's loop, not fmax/fabs (libm calls)
				if (d < 0) d = -d;
				if (d > change) change = d;
				next[k] = v;
			}
		}
		double *t = cur;
		cur = next;
		next = t;
		MPI_Allreduce(&change, &residual, 1, MPI_DOUBLE, MPI_MAX, cart);
	}
	double times[2] = {MPI_Wtime() - t0, halo};
	MPI_Allreduce(MPI_IN_PLACE, times, 2, MPI_DOUBLE, MPI_MAX, cart);
	if (rank == 0)
		printf("c-heat n=%d steps=%d ranks=%d steps_per_s=%.1f halo_us=%.2f residual=%.6g\n", n, steps, p,
		       steps / times[0], times[1] / steps * 1e6, residual);
	MPI_Type_free(&col);
	MPI_Comm_free(&cart);
	free(cur);
	free(next);
	MPI_Finalize();
	return 0;
}
