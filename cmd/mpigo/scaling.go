package main

import (
	"time"

	"github.com/mpigo/mpigo/mpi"
)

// Strong scaling within one job (the heat and counter demos): the same work
// on the first 1, 2, 4, … ranks of the job, one size after another.

// scalingSizes are the sub-communicator sizes to run on: 1, 2, 4, … up to
// p, and p; without scaling, p alone.
func scalingSizes(p int, scaling bool) []int {
	if !scaling {
		return []int{p}
	}
	var sizes []int
	for k := 1; k < p; k *= 2 {
		sizes = append(sizes, k)
	}
	return append(sizes, p)
}

// onFirst runs body over a communicator of the first k ranks of world; the
// others wait, asleep rather than spinning (so that they leave the cores to
// body), until all are done. in says whether this rank took part.
func onFirst(world *mpi.Comm, k int, body func(sub *mpi.Comm) error) (in bool, err error) {
	color := mpi.Undefined
	if world.Rank() < k {
		color = 0
	}
	sub, err := world.Split(color, world.Rank())
	if err != nil {
		return false, err
	}
	if sub != nil {
		err = body(sub)
		if ferr := sub.Free(); err == nil {
			err = ferr
		}
		if err != nil {
			return true, err
		}
	}
	return sub != nil, sleepyBarrier(world)
}

// sleepyBarrier is a barrier whose waiting sleeps between tests.
func sleepyBarrier(world *mpi.Comm) error {
	req, err := world.Ibarrier()
	if err != nil {
		return err
	}
	for {
		done, _, err := req.Test()
		if done || err != nil {
			return err
		}
		time.Sleep(200 * time.Microsecond)
	}
}
