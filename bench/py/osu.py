"""mpi4py baseline of mpigo's benchmark suite (package bench): the same
benchmarks measured the same way, in buffer mode (numpy arrays, the
uppercase API) or, with --object, in object mode (pickled Python objects,
the lowercase API: what mpigo's Go-value calls compete with).

Usage: mpiexec -n 2 /usr/bin/python3 osu.py [--object] -b BENCH,... -s SIZES -c COLLSIZES -x SCALE [-v] [-n] [-H]

Method and iteration counts as bench.Iterations (10000/1000 latency, 100/20
windows of 64, 1000/100 collectives, above 8 KiB the smaller; times SCALE);
a collective sample is the slowest rank's time of one iteration (a barrier
before each, MAX-reduced after the loop). -v and -n are accepted for the
common command line (validation is the Go suite's; no other algorithms
here). Rank 0 writes the raw lines of bench/raw.go.
"""
import argparse
import sys

import numpy as np
from mpi4py import MPI

WINDOW, LARGE = 64, 8192
P2P = ("latency", "bw", "bibw", "bw-persistent", "value", "put-latency", "get-bw")
RMA = ("put-latency", "get-bw")
OBJECT = ("latency", "value", "bcast", "scatter", "gather", "allgather", "alltoall")  # what object mode has


def iterations(bench, size, scale):
    large = size > LARGE
    if bench in ("latency", "put-latency"):
        n, w = (1000, 100) if large else (10000, 1000)
    elif bench in P2P:
        n, w = (20, 2) if large else (100, 10)
    else:
        n, w = (100, 10) if large else (1000, 100)
    return max(2, int(n * scale + 0.5)), max(1, int(w * scale + 0.5))


class Suite:
    def __init__(self, comm, obj, largest):
        """Buffers are allocated once for the largest size and written (as
        OSU does; fresh ones per size would measure the allocator too)."""
        self.comm, self.obj = comm, obj
        self.rank, self.p = comm.Get_rank(), comm.Get_size()
        n = max(8, largest)
        self.sbuf = np.full(n, ord("a"), dtype=np.uint8)
        self.rbuf = np.full(n, ord("b"), dtype=np.uint8)
        self.xbuf = ((np.arange(n // 8) % 11 + 1) * (self.rank + 1)).astype(np.float64)
        self.ybuf = np.zeros(n // 8)

    def latency(self, size, iters, warm):
        c, peer = self.comm, 1 - self.rank
        v = np.zeros(iters)
        send, recv = self.sbuf[:size], self.rbuf[:size]
        obj = bytes(send)
        last = 0.0
        for k in range(-warm, iters):
            if self.obj:
                if self.rank == 0:
                    c.send(obj, peer, 1)
                    c.recv(source=peer, tag=1)
                else:
                    c.send(c.recv(source=peer, tag=1), peer, 1)
            elif self.rank == 0:
                c.Send([send, MPI.BYTE], peer, 1)
                c.Recv([recv, MPI.BYTE], peer, 1)
            else:
                c.Recv([recv, MPI.BYTE], peer, 1)
                c.Send([send, MPI.BYTE], peer, 1)
            now = MPI.Wtime()
            if k >= 0:
                v[k] = (now - last) * 1e6 / 2
            last = now
        return v

    def one_sided(self, size, iters, warm, get):
        """osu_put_latency (a sample: Put + Flush, us) or osu_get_bw (a sample:
        64 Gets + Flush, MB/s) from rank 0 into rank 1's part of a
        Win.Allocate window, locked once (shared); every rank makes it."""
        span = size * WINDOW if get else size
        win = MPI.Win.Allocate(span, 1, comm=self.comm)
        v = None
        if self.rank == 0:
            local = np.full(span, ord("a"), dtype=np.uint8)
            v = np.zeros(iters)
            win.Lock(1, MPI.LOCK_SHARED)
            last = 0.0
            for k in range(-warm, iters):
                if get:
                    for i in range(WINDOW):
                        win.Get([local[i * size:(i + 1) * size], MPI.BYTE], 1, [i * size, size, MPI.BYTE])
                else:
                    win.Put([local[:size], MPI.BYTE], 1, [0, size, MPI.BYTE])
                win.Flush(1)
                now = MPI.Wtime()
                if k >= 0:
                    v[k] = span / (now - last) / 1e6 if get else (now - last) * 1e6
                last = now
            win.Unlock(1)
        win.Free()
        return v

    def bandwidth(self, size, iters, warm, bidirectional, persistent=False):
        c, peer = self.comm, 1 - self.rank
        v = np.zeros(iters)
        send, recv = self.sbuf[:size], self.rbuf[:size]
        ack = np.zeros(4, dtype=np.uint8)
        sending, receiving = self.rank == 0 or bidirectional, self.rank == 1 or bidirectional
        nbytes = size * WINDOW * (2 if bidirectional else 1)
        last = 0.0
        if persistent:  # bw-persistent: made once, started each window
            made = [c.Recv_init([recv, MPI.BYTE], peer, 100) for _ in range(WINDOW)] if receiving else []
            made += [c.Send_init([send, MPI.BYTE], peer, 100) for _ in range(WINDOW)] if sending else []
        for k in range(-warm, iters):
            if persistent:
                reqs = made
                MPI.Prequest.Startall(reqs)
            else:
                reqs = []
                if receiving:
                    reqs += [c.Irecv([recv, MPI.BYTE], peer, 100) for _ in range(WINDOW)]
                if sending:
                    reqs += [c.Isend([send, MPI.BYTE], peer, 100) for _ in range(WINDOW)]
            MPI.Request.Waitall(reqs)
            if not bidirectional:
                if self.rank == 0:
                    c.Recv([ack, MPI.BYTE], peer, 101)
                else:
                    c.Send([ack, MPI.BYTE], peer, 101)
            now = MPI.Wtime()
            if k >= 0:
                v[k] = nbytes / (now - last) / 1e6
            last = now
        for r in made if persistent else []:
            r.Free()
        return v

    def values(self, size, iters, warm):
        """Python objects like the Go suite's value record: encode (pickle),
        send, receive, decode; a window of 64 then an acknowledgement."""
        c = self.comm
        v = np.zeros(iters)
        msg = {"seq": 0, "name": "mpigo", "data": [i + 0.5 for i in range(size // 8)]}
        last = 0.0
        for k in range(-warm, iters):
            for i in range(WINDOW):
                if self.rank == 0:
                    msg["seq"] = k * WINDOW + i
                    c.send(msg, 1, 200)
                else:
                    c.recv(source=0, tag=200)
            if self.rank == 0:
                c.recv(source=1, tag=201)
            else:
                c.send(b"ack", 0, 201)
            now = MPI.Wtime()
            if k >= 0:
                v[k] = WINDOW / (now - last)
            last = now
        return v

    def collective(self, bench, size, iters, warm):
        c, p = self.comm, self.p
        a, b = self.sbuf[:p * size], self.rbuf[:p * size]
        part = a[:size]
        n = size // 8
        x, y = self.xbuf[:n], self.ybuf[:n]
        blob, blobs = bytes(part), [bytes(part)] * p
        calls = {
            "bcast": lambda: c.Bcast([a[:size], MPI.BYTE], 0),
            "scatter": lambda: c.Scatter([a, MPI.BYTE], [b[:size], MPI.BYTE], 0),
            "gather": lambda: c.Gather([part, MPI.BYTE], [b, MPI.BYTE], 0),
            "allgather": lambda: c.Allgather([part, MPI.BYTE], [b, MPI.BYTE]),
            "alltoall": lambda: c.Alltoall([a, MPI.BYTE], [b, MPI.BYTE]),
            "reduce": lambda: c.Reduce([x, MPI.DOUBLE], [y, MPI.DOUBLE], MPI.SUM, 0),
            "allreduce": lambda: c.Allreduce([x, MPI.DOUBLE], [y, MPI.DOUBLE], MPI.SUM),
            "barrier": c.Barrier,
        }
        if self.obj:
            calls = {
                "bcast": lambda: c.bcast(blob, 0),
                "scatter": lambda: c.scatter(blobs, 0),
                "gather": lambda: c.gather(blob, 0),
                "allgather": lambda: c.allgather(blob),
                "alltoall": lambda: c.alltoall(blobs),
            }
        call = calls[bench]
        t = np.zeros(iters)
        for k in range(-warm, iters):
            c.Barrier()
            t0 = MPI.Wtime()
            call()
            dt = MPI.Wtime() - t0
            if k >= 0:
                t[k] = dt * 1e6
        v = np.zeros(iters)
        c.Allreduce([t, MPI.DOUBLE], [v, MPI.DOUBLE], MPI.MAX)
        return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--object", action="store_true")
    ap.add_argument("-b", required=True)
    ap.add_argument("-s", default="1")
    ap.add_argument("-c", default="1")
    ap.add_argument("-x", type=float, default=1.0)
    ap.add_argument("-v", action="store_true")
    ap.add_argument("-n", action="store_true")
    ap.add_argument("-H", action="store_true", help="buffers on huge pages (numpy's default; off otherwise)")
    ap.add_argument("-l", default="", help="the sizes each benchmark runs at: name:min:max,... (bench.Limits)")
    opt = ap.parse_args()
    # The driver's catalog says which sizes each benchmark runs at.
    limits = {n: (int(lo), int(hi)) for n, lo, hi in (t.split(":") for t in opt.l.split(",") if t)}
    np.core.multiarray._set_madvise_hugepage(opt.H)
    comm = MPI.COMM_WORLD
    sizes = [int(s) for s in opt.s.split(",")]
    csizes = [int(s) for s in opt.c.split(",")]
    suite = Suite(comm, opt.object, max(sizes + [s * comm.Get_size() for s in csizes]))
    impl = "mpi4py-obj" if opt.object else "mpi4py"
    hosts = comm.gather(MPI.Get_processor_name(), 0)
    out = sys.stdout
    if suite.rank == 0:
        out.write("meta library %s\n" % MPI.Get_library_version().replace("\x00", "").splitlines()[0].strip())
        out.write("meta version mpi4py %s, numpy %s, Python %s, %s mode, %s pages\n" % (
            __import__("mpi4py").__version__, np.__version__, sys.version.split()[0],
            "object" if opt.object else "buffer", "huge" if opt.H else "ordinary"))
        for r, h in enumerate(hosts):
            out.write("meta host.%d %s\n" % (r, h))
    for bench in opt.b.split(","):
        p2p = bench in P2P
        if (p2p and suite.p < 2) or (opt.object and bench not in OBJECT) or (bench == "value" and not opt.object):
            continue
        lo, hi = limits.get(bench, (0, 0))
        if bench == "barrier":
            todo = [0]
        else:
            todo = [s for s in (sizes if p2p else csizes) if s >= lo and (hi == 0 or s <= hi)]
        unit = "us" if bench in ("latency", "put-latency") or not p2p else ("msg/s" if bench == "value" else "MB/s")
        for size in todo:
            iters, warm = iterations(bench, size, opt.x)
            comm.Barrier()
            if not p2p:
                v = suite.collective(bench, size, iters, warm)
            elif bench in RMA:
                v = suite.one_sided(size, iters, warm, bench == "get-bw")
            elif suite.rank > 1:
                v = None
            elif bench == "latency":
                v = suite.latency(size, iters, warm)
            elif bench == "value":
                v = suite.values(size, iters, warm)
            else:
                v = suite.bandwidth(size, iters, warm, bench == "bibw", bench == "bw-persistent")
            if suite.rank == 0:
                out.write("sample %s - %s %d %s %s\n" % (impl, bench, size, unit, " ".join("%.7g" % x for x in v)))
                out.flush()
            comm.Barrier()


main()
