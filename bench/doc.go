// Package bench is mpigo's benchmark suite: OSU-method point-to-point and
// collective benchmarks of package mpi and of package collectives, and what
// turns measurements into numbers people can trust and compare.
//
// The pieces, one a file:
//   - catalog.go is the one description of the suite: each benchmark's
//     name, unit, sizes and iteration counts. The driver passes the sizes to
//     the baselines (-l), and refuses a series whose size, unit or number of
//     samples the catalog does not give, so a baseline that drifts fails
//     make test-bench. A new benchmark is a catalog row, its code in the Go
//     suite, and its code in each baseline that has it.
//   - suite.go runs the Go benchmarks inside an MPI job (mpigo bench).
//   - raw.go is the line format in which every implementation — this one and
//     the C, gompi and mpi4py baselines under bench/c, bench/gompi and
//     bench/py — reports its per-iteration samples, so all of them are
//     summarized by one piece of code (stats.go, gonum/stat). The C
//     baseline runs at MPI_THREAD_MULTIPLE, as mpigo does by default, and as
//     c-single at MPI_THREAD_SINGLE, where OpenMPI takes no locks: gompi's
//     level, and mpigo-single's (mpigo bench --thread single).
//   - result.go aggregates samples over alternating rounds into results with
//     ratios to a reference, C at the implementation's thread level, and
//     reads and writes them as JSON and CSV.
//   - table.go prints OSU-style tables; plot.go draws them (gonum/plot);
//     compare.go compares two result files.
//   - driver.go runs the implementations as alternating mpiexec jobs
//     (mpigo bench all, make bench, make bench-cluster).
//
// # Method
//
// As the OSU micro-benchmarks: warm-up iterations excluded; buffers
// allocated once per size, written before timing (an untouched buffer maps
// the zero page and measures nothing real) and reused; iteration counts that
// shrink above 8 KiB (see Iterations). Every implementation follows the same
// rules: the iteration counts are restated in bench/c/osu.c, bench/py/osu.py
// and bench/gompi, and checked by the driver; the sizes come from the catalog.
//
//   - latency: ranks 0 and 1 ping-pong; a sample is half a round trip.
//   - bw: rank 0 posts a window of 64 nonblocking sends, rank 1 as many
//     receives, then a 4-byte acknowledgement (osu_bw); a sample is one
//     window, in MB/s (10^6 bytes).
//   - bibw: both ranks post 64 receives and 64 sends and wait (osu_bibw);
//     bytes of both directions over the window's time.
//   - bw-persistent: bw with 64 persistent requests made once (SendInit,
//     RecvInit; MPI_Send_init, MPI_Recv_init) and started each window
//     (StartAll): the same transfer without a request's making per message.
//   - put-latency: rank 0 locks rank 1's part of a window (WinAllocate) once,
//     then puts and flushes (Put, Win.Flush; osu_put_latency); a sample is
//     one put, in µs.
//   - get-bw: the same window, a sample is 64 gets and one flush
//     (osu_get_bw), in MB/s.
//   - value: Go values (a record with size/8 float64s) encoded, sent,
//     received and decoded; a window of 64 then an acknowledgement; msgs/s.
//   - collectives: a barrier before every iteration, each rank times its own
//     call, and after the loop the per-iteration times are MAX-reduced over
//     the ranks: a sample is the slowest rank's time, not the root's early
//     return. Sizes are the per-rank block for scatter, gather, allgather and
//     alltoall, and the whole vector (float64 sum) for reduce and allreduce.
//
// Buffers are ordinary memory (Go's make, C's posix_memalign, numpy with
// its huge pages turned off); with Config.HugePages (-H) every implementation
// uses transparent huge pages instead (mpi.Alloc, madvise, numpy's default),
// which doubles large-message speed over shared memory.
//
// Time is read once per iteration (a timestamp after each), so a series'
// mean is exactly OSU's "loop time over iterations", and its median and p99
// come from the same run.
package bench
