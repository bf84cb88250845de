package mpi

import (
	"fmt"
	"slices"
)

// Distrib is how Darray distributes one dimension over the process grid
// (MPI_DISTRIBUTE_*).
type Distrib int

const (
	DistributeBlock  Distrib = iota // contiguous blocks, one per process (HPF's BLOCK)
	DistributeCyclic                // blocks dealt out in turn (CYCLIC(k))
	DistributeNone                  // not distributed: every process has all of it
)

// DefaultDarg is Darray's default distribution argument
// (MPI_DISTRIBUTE_DFLT_DARG): blocks of ceil(size/procs) for
// DistributeBlock, 1 for DistributeCyclic.
const DefaultDarg = -1

// Darray returns the datatype of process rank's part of a row-major
// (C order) global array of gsizes elements of old, distributed over a
// grid of psizes processes, dimension i by distribs[i] with argument
// dargs[i] (MPI_Type_create_darray), as HPF and ScaLAPACK lay arrays out:
// with a File view of it, each rank reads and writes its blocks of the
// global array in one call. size is the number of processes, which the
// grid's must equal; its extent is the whole array's.
func Darray(size, rank int, gsizes []int, distribs []Distrib, dargs, psizes []int, old *Datatype) (*Datatype, error) {
	const op = "Darray"
	check := checkDarray(size, rank, gsizes, distribs, dargs, psizes)
	cd := make([]int, len(distribs))
	for i, d := range distribs {
		cd[i], _ = enumDistrib.toC(d) // checked above
	}
	cdargs := slices.Clone(dargs)
	for i := range cdargs {
		if cdargs[i] == DefaultDarg {
			cdargs[i] = libDfltDarg
		}
	}
	return derive(op, fmt.Sprintf("darray(rank %d of %v, %v, %s)", rank, psizes, gsizes, old), []*Datatype{old}, check,
		func() []span { return nil }, // its own elements, each once: nothing to check for overlap
		func() (dtypeHandle, int) {
			return newType(func(t *dtypeHandle) int {
				return mpiTypeCreateDarray(size, rank, len(gsizes), gsizes, cd, cdargs, psizes, old.h, t)
			})
		})
}

// checkDarray checks what MPI would abort on or misread: lengths, a grid
// that is not size processes, a rank outside it, sizes that are not
// positive, a block distribution whose blocks do not cover the dimension.
func checkDarray(size, rank int, gsizes []int, distribs []Distrib, dargs, psizes []int) error {
	const op = "Darray"
	n := len(gsizes)
	if n == 0 || len(distribs) != n || len(dargs) != n || len(psizes) != n {
		return errorf(ClassArg, op, "%d dimensions, %d distributions, %d arguments, %d grid sizes: want as many, at least 1",
			n, len(distribs), len(dargs), len(psizes))
	}
	procs := int64(1)
	elems := int64(1)
	for i := range n {
		if gsizes[i] <= 0 || psizes[i] <= 0 {
			return errorf(ClassArg, op, "dimension %d: %d elements over %d processes: want both positive", i, gsizes[i], psizes[i])
		}
		if distribs[i] < DistributeBlock || distribs[i] > DistributeNone {
			return errorf(ClassArg, op, "dimension %d: distribution %d", i, distribs[i])
		}
		if distribs[i] == DistributeNone && psizes[i] != 1 {
			return errorf(ClassArg, op, "dimension %d is not distributed but has %d processes: want 1", i, psizes[i])
		}
		if dargs[i] != DefaultDarg && dargs[i] <= 0 {
			return errorf(ClassArg, op, "dimension %d: distribution argument %d: want positive or DefaultDarg", i, dargs[i])
		}
		if distribs[i] == DistributeBlock && dargs[i] != DefaultDarg && int64(dargs[i])*int64(psizes[i]) < int64(gsizes[i]) {
			return errorf(ClassArg, op, "dimension %d: %d processes × blocks of %d do not cover %d elements", i, psizes[i], dargs[i], gsizes[i])
		}
		procs *= int64(psizes[i])
		elems *= int64(gsizes[i])
		if procs > maxCount || elems > maxCount {
			return errorf(ClassCount, op, "a grid of %v processes over %v elements: over 2^31-1", psizes, gsizes)
		}
	}
	if procs != int64(size) {
		return errorf(ClassArg, op, "a grid of %v is %d processes, not size %d", psizes, procs, size)
	}
	if rank < 0 || rank >= size {
		return errorf(ClassRank, op, "rank %d of %d processes", rank, size)
	}
	return nil
}
