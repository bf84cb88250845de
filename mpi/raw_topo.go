package mpi

// The topology chapter's raw calls that take more than one MPI call or
// translate what MPI returns; MPI_Dist_graph_create_adjacent is written by
// hand for its weights, which may be MPI's own pointer constants.

/*
#include "zraw.h"
*/
import "C"

func rawTopology(c commHandle) (Topology, int) {
	var t int
	rc := mpiTopoTest(c, &t)
	k, ok := enumTopology.fromC(t)
	if !ok {
		k = TopoNone
	}
	return k, rc
}

func rawCartShift(c commHandle, dir, disp int) (src, dst int, rc int) {
	rc = mpiCartShift(c, dir, disp, &src, &dst)
	return goPeer(src), goPeer(dst), rc
}

// rawDistGraphCreateAdjacent: without weighted the graph is unweighted.
func rawDistGraphCreateAdjacent(c commHandle, sources, sweights, dests, dweights []int, weighted, reorder bool) (commHandle, int) {
	src, dst, sw, dw := cints(sources), cints(dests), cints(sweights), cints(dweights)
	out := commNull
	rc := ctl(callDistGraphCreateAdjacent, func() C.int {
		var n C.MPI_Comm
		rc := C.MPI_Dist_graph_create_adjacent(C.mpigo_to_comm(c), C.int(len(src)), cptr(src), weightsPtr(sw, weighted),
			C.int(len(dst)), cptr(dst), weightsPtr(dw, weighted), C.MPI_INFO_NULL, cbool(reorder), &n)
		out = C.mpigo_of_comm(n)
		return rc
	})
	return out, rc
}

// rawDistGraphCreate: the edges sources[i] → destinations (degrees[i] of
// them, in order); without weighted the graph is unweighted.
func rawDistGraphCreate(c commHandle, sources, degrees, dests, weights []int, weighted, reorder bool) (commHandle, int) {
	src, deg, dst, w := cints(sources), cints(degrees), cints(dests), cints(weights)
	out := commNull
	rc := ctl(callDistGraphCreate, func() C.int {
		var n C.MPI_Comm
		rc := C.MPI_Dist_graph_create(C.mpigo_to_comm(c), C.int(len(src)), cptr(src), cptr(deg), cptr(dst),
			weightsPtr(w, weighted), C.MPI_INFO_NULL, cbool(reorder), &n)
		out = C.mpigo_of_comm(n)
		return rc
	})
	return out, rc
}

func weightsPtr(w []cint, weighted bool) *C.int {
	switch {
	case !weighted:
		return C.mpigo_unweighted()
	case len(w) == 0:
		return C.mpigo_weights_empty()
	}
	return &w[0]
}

// rawGraphNeighbors returns rank's neighbours in a (non-distributed) graph topology.
func rawGraphNeighbors(c commHandle, rank int) ([]int, int) {
	var n int
	if rc := mpiGraphNeighborsCount(c, rank, &n); rc != rcSuccess {
		return nil, rc
	}
	nbrs := make([]int, n+1) // one spare: MPI takes no pointer to an empty array
	rc := mpiGraphNeighbors(c, rank, n, nbrs)
	return nbrs[:n], rc
}

// rawNeighbors returns a graph topology's in- and out-neighbours and their
// weights (nil if unweighted).
func rawNeighbors(c commHandle) (srcs, sw, dsts, dw []int, rc int) {
	var in, out int
	var weighted bool
	if rc = mpiDistGraphNeighborsCount(c, &in, &out, &weighted); rc != rcSuccess {
		return nil, nil, nil, nil, rc
	}
	// One spare element each: MPI takes no pointer to an empty array.
	srcs, sw, dsts, dw = make([]int, in+1), make([]int, in+1), make([]int, out+1), make([]int, out+1)
	rc = mpiDistGraphNeighbors(c, in, srcs, sw, out, dsts, dw)
	srcs, sw, dsts, dw = srcs[:in], sw[:in], dsts[:out], dw[:out]
	if !weighted {
		sw, dw = nil, nil
	}
	return srcs, sw, dsts, dw, rc
}
