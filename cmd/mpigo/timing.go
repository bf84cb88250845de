package main

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/mpigo/mpigo/mpi"
)

// algorithmList is the --algo flag's algorithms: the one named, or with
// "all" the native call followed by every algorithm of package collectives.
func algorithmList(flag string, all []string) []string {
	if flag == "all" {
		return append([]string{"native"}, all...)
	}
	return []string{flag}
}

// timeSlowest times op on every rank and returns the slowest rank's time in
// µs (a collective is done when its last rank is); name labels op's errors.
// Where every rank of world runs on one machine with a core of its own,
// they share its clock and all start op together: rank 0 names a moment
// 50 µs ahead, each rank waits for it on the clock and times op from it.
// Where the ranks outnumber its cores, some cannot be running at a common
// moment (4 ranks on 2 cores took 3–5× longer for a small broadcast timed
// from one): op runs after a barrier and is timed on the shared clock from
// the first rank's exit to the last rank's end, so that a rank that waits
// for a core counts. (Each rank timing op from its own exit let a rank that
// got its core late find its message already there: a flat broadcast
// looked 0.07–0.25× MPI_Bcast's time.) Across machines op runs after a
// barrier, each rank timing it from its own exit, which ranks leave up to a
// message time apart: a small collective then looks up to one α slower.
func timeSlowest(world *mpi.Comm, name string, op func() error) (float64, error) {
	clock, err := sharedClock(world)
	if err != nil {
		return 0, err
	}
	if err := world.Barrier(); err != nil {
		return 0, err
	}
	var t0 int64 // ns of the real-time clock (differences only: as float64 seconds, a Unix time keeps 0.4 µs)
	if clock.shared && !clock.crowded {
		start := []int64{time.Now().UnixNano() + int64(startLead)}
		if err := world.Bcast(mpi.Buf(start), 0); err != nil {
			return 0, err
		}
		for time.Now().UnixNano() < start[0] {
		}
		t0 = start[0]
	} else {
		t0 = time.Now().UnixNano()
	}
	if err := op(); err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	if clock.shared && clock.crowded { // from the first start to the last end
		span := []int64{-t0, time.Now().UnixNano()}
		whole := make([]int64, 2)
		if err := world.Allreduce(mpi.Buf(span), mpi.Buf(whole), mpi.Max); err != nil {
			return 0, err
		}
		return float64(whole[1]+whole[0]) / 1e3, nil
	}
	dt, slowest := float64(time.Now().UnixNano()-t0)/1e9, 0.0
	if err := world.Allreduce(mpi.One(&dt), mpi.One(&slowest), mpi.Max); err != nil {
		return 0, err
	}
	return slowest * 1e6, nil
}

// startLead is how far ahead timeSlowest's common start lies: past the
// broadcast of it, on a busy machine too.
const startLead = 50 * time.Microsecond

// clockUse is how timeSlowest can start the ranks of a communicator
// together: shared, they all run on one machine (one node of
// MPI_Comm_split_type SHARED) and read its real-time clock; crowded, they
// outnumber its cores (OpenMPI then binds none: each sees every core).
type clockUse struct{ shared, crowded bool }

// sharedClock tells how the ranks of world share a clock; it asks MPI once
// per communicator.
func sharedClock(world *mpi.Comm) (clockUse, error) {
	if v, ok := clocks.Load(world); ok {
		return v.(clockUse), nil
	}
	node, err := world.SplitShared(0)
	if err != nil {
		return clockUse{}, err
	}
	defer node.Free()
	cpus := runtime.NumCPU() // the cores this rank may run on: 1 where mpiexec bound it
	u := clockUse{shared: node.Size() == world.Size(), crowded: cpus > 1 && node.Size() > cpus}
	clocks.Store(world, u)
	return u, nil
}

var clocks sync.Map // *mpi.Comm → clockUse
