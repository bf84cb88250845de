package mpi

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
)

// The Go runtime sizes GOMAXPROCS to the cores a process may run on. A rank
// that mpiexec binds to one core gets 1. Ranks that are not bound — OpenMPI
// binds none when they outnumber the cores, nor with --bind-to none — each
// get every core of the node, so 4 ranks on 2 cores run 8 Ps on 2 cores.
// Then every runtime.Gosched of a polling wait finds an idle P and wakes a
// thread to look for work on it (a futex call, and a thread spinning on a
// core a peer rank needs). Measured with perf, 2,000 broadcasts of 8 B by
// the binomial tree of package collectives, 4 ranks on 2 cores: 80,759
// context switches, 7,667 futex and 4,382 nanosleep calls, 13.3 µs a
// broadcast with GOMAXPROCS 2; 14,571, 1,060 and 420 and 2.1 µs with 1.
//
// So Init lowers GOMAXPROCS to the rank's share of the node's cores (its
// CPUs over the ranks that mpiexec started on the node), never raising it,
// unless the environment sets GOMAXPROCS (the Go runtime's own knob wins).
// The node's rank count comes from the launcher's environment (OpenMPI:
// OMPI_COMM_WORLD_LOCAL_SIZE; MPICH's Hydra: MPI_LOCALNRANKS); without it
// nothing changes.
//
// A share of one core leaves one P more: 2. With a single P, the runtime's
// sysmon takes the P from any call that stays in C over one of its ticks
// (20 µs and up; it does not while a P is idle) and wakes a thread to look
// for work, which takes a core from a peer rank. Unbound ranks wait long in
// C: a blocking collective until the last rank arrives, OpenMPI yielding
// the core inside its calls. Each such call cost a futex wake and a context
// switch, and sysmon, having retaken, kept polling every 20 µs: the heat
// demo (4 ranks, 2 cores, 2,000 steps) made 11,298 futex and 20,779
// nanosleep calls and 2,567 steps/s with one P, 4,261, 1,011 and 4,432 with
// the spare one; 65,536-byte MPI_Allreduce took 155 µs against 47 (C: ~54).
// But goroutines of one rank that use MPI at the same time then run on two
// threads, each spinning on a core the peers need: 16 goroutines ping-
// ponging 1 KiB took 11–51 µs a message with two Ps, 2.1–2.8 with one. So
// the spare P goes (GOMAXPROCS 1, once, for good) as soon as two goroutines
// wait in MPI at once, or a call finds another in C (dropSpareP).

// spareP is set while Init's fit left the rank its one core's P and a spare.
var spareP atomic.Bool

// fitProcs applies the rule above and returns GOMAXPROCS as it now is.
func fitProcs() int {
	procs := runtime.GOMAXPROCS(0)
	if _, set := os.LookupEnv("GOMAXPROCS"); set {
		return procs
	}
	share := rankShare(localRanks(), onlineCPUs())
	if share <= 0 || share >= procs {
		return procs
	}
	if share == 1 {
		share = 2 // never above procs: it is larger than share
		spareP.Store(true)
	}
	runtime.GOMAXPROCS(share)
	return share
}

// dropSpareP gives up the spare P (see above) when goroutines of the rank
// use MPI concurrently. It stops the world once, the first time.
func dropSpareP() {
	if spareP.Load() && spareP.CompareAndSwap(true, false) {
		runtime.GOMAXPROCS(1)
	}
}

// rankShare is one rank's whole share of cpus among ranks (at least 1), or 0
// if ranks is unknown.
func rankShare(ranks, cpus int) int {
	if ranks <= 0 || cpus <= 0 {
		return 0
	}
	return max(1, cpus/ranks)
}

// localRanks is the number of ranks on this node as the launcher set it, or
// 0 if it did not.
func localRanks() int {
	for _, v := range []string{"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"} {
		if n, err := strconv.Atoi(os.Getenv(v)); err == nil && n > 0 {
			return n
		}
	}
	return 0
}

// onlineCPUs counts the node's online CPUs (runtime.NumCPU counts those
// this process may use).
func onlineCPUs() int {
	b, err := os.ReadFile("/sys/devices/system/cpu/online")
	if n, ok := countCPUs(string(b)); err == nil && ok {
		return n
	}
	return runtime.NumCPU()
}

// countCPUs counts the CPUs of a Linux CPU list such as "0-3,6\n".
func countCPUs(list string) (int, bool) {
	n := 0
	for _, r := range strings.Split(strings.TrimSpace(list), ",") {
		lo, hi, isRange := strings.Cut(r, "-")
		if !isRange {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 0 || b < a {
			return 0, false
		}
		n += b - a + 1
	}
	return n, true
}
