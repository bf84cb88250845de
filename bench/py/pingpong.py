"""mpi4py baseline of mpigo's ping-pong benchmarks (buffer mode, numpy arrays).

Usage: mpiexec -n 2 /usr/bin/python3 pingpong.py [-bw] SIZE...
Prints "size=N oneway_us=X" (or "size=N mbps=X" with -bw) per size, as the
C and Go versions do: OSU method, separate send and receive buffers written
before timing, warm-up excluded.
"""
import sys

import numpy as np
from mpi4py import MPI


def main():
    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    args = sys.argv[1:]
    bw = "-bw" in args
    sizes = [int(a) for a in args if a != "-bw"]
    for size in sizes:
        send = np.full(size, ord("a"), dtype=np.uint8)
        recv = np.full(size, ord("b"), dtype=np.uint8)
        iters = 10000 if size <= 8192 else 1000
        if bw:
            window, iters = 64, iters // 10 + 10
            ack = np.zeros(4, dtype=np.uint8)
            t0 = 0.0
            for k in range(iters + 2):
                if k == 2:
                    t0 = MPI.Wtime()
                if rank == 0:
                    reqs = [comm.Isend([send, MPI.BYTE], 1, 100) for _ in range(window)]
                    MPI.Request.Waitall(reqs)
                    comm.Recv([ack, MPI.BYTE], 1, 101)
                elif rank == 1:
                    reqs = [comm.Irecv([recv, MPI.BYTE], 0, 100) for _ in range(window)]
                    MPI.Request.Waitall(reqs)
                    comm.Send([ack, MPI.BYTE], 0, 101)
            if rank == 0:
                print("size=%d mbps=%.2f" % (size, size * window * iters / (MPI.Wtime() - t0) / 1e6))
            continue
        warm = iters // 10 + 1
        t0 = 0.0
        for k in range(iters + warm):
            if k == warm:
                comm.Barrier()
                t0 = MPI.Wtime()
            if rank == 0:
                comm.Send([send, MPI.BYTE], 1, 1)
                comm.Recv([recv, MPI.BYTE], 1, 1)
            elif rank == 1:
                comm.Recv([recv, MPI.BYTE], 0, 1)
                comm.Send([send, MPI.BYTE], 0, 1)
        if rank == 0:
            print("size=%d oneway_us=%.4f" % (size, (MPI.Wtime() - t0) * 1e6 / (2 * iters)))
        sys.stdout.flush()


main()
