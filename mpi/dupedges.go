package mpi

// #include "raw.h"
import "C"

import (
	"sync"
	"unsafe"
)

// Duplicate edges. Where two edges join the same two ranks, MPI (3.1's
// errata, 4.1 §8.6) says which block goes where: in a periodic dimension d
// of a Cart with 1 or 2 ranks, whose neighbour before and after is one rank,
// block 2d of the sender lands in block 2d+1 of the receiver and the
// reverse; in a dist graph the k-th edge from a rank in one's destinations
// is the k-th edge to it in the other's sources. The libraries differ from
// the standard, each in its own places (measured with C, 1-rank topologies
// over MPI_COMM_SELF; "list order" delivers block i into block i):
//
//	                       Cart                      dist graph
//	OpenMPI 4.1.4, 5.0.7   nonblocking: list order   right
//	MPICH 4.0.2            v and w: list order        alltoall: swapped
//	MPICH 4.2.1            right                      all: swapped
//
// (OpenMPI's is coll/libnbc's, fixed upstream in 2026, ompi#14416.) So the
// binding asks the library once for each topology kind, call and form (a
// 1-rank topology over Self), and where the blocks of such a pair come
// swapped, posts the receives of the pair swapped, so that the blocks land
// where the standard says. A NeighborAlltoall, whose receives cannot be
// moved, is made the equivalent NeighborAlltoallv on a Cart (all its ranks
// have the same pairs), and refused (ErrUnsupported) on a dist graph, whose
// ranks may differ: use NeighborAlltoallv there.

// placeDuplicateEdges returns the call to make in place of neighbour
// alltoall call over c with a (of MPI form form), a's receive blocks moved
// where the library misplaces them (see above).
func (c *Comm) placeDuplicateEdges(op string, call rawCall, a *args, form C.int) (rawCall, error) {
	n, err := c.neighborInfo(op)
	if err != nil || len(n.pairs) == 0 || !swapsDuplicates(n.graph, call, form) {
		return call, err
	}
	if n.repeated >= 0 {
		return call, errorf(ClassUnsupported, op, "source %d repeats a rank listed twice before it, "+
			"and this library misplaces the blocks of repeated edges (see dupedges.go)", n.repeated)
	}
	if call == callNeighborAlltoall {
		if n.graph {
			return call, errorf(ClassUnsupported, op, "this library misplaces the blocks of a dist graph's repeated "+
				"edges in MPI_Neighbor_alltoall (see dupedges.go): use NeighborAlltoallv")
		}
		*a, call = asAlltoallv(*a, n.in, n.out), callNeighborAlltoallv
		if !swapsDuplicates(n.graph, call, form) {
			return call, nil
		}
	}
	p := a.parts
	for _, pair := range n.pairs {
		i, j := pair[0], pair[1]
		p.rcounts[i], p.rcounts[j] = p.rcounts[j], p.rcounts[i]
		if p.rdisp != nil {
			p.rdisp[i], p.rdisp[j] = p.rdisp[j], p.rdisp[i]
		}
		if p.rbdispl != nil {
			p.rbdispl[i], p.rbdispl[j] = p.rbdispl[j], p.rbdispl[i]
			p.rtypes[i], p.rtypes[j] = p.rtypes[j], p.rtypes[i]
		}
	}
	return call, nil
}

// The library's answers, by topology (Cart, dist graph), call (alltoall,
// v, w) and form (blocking, nonblocking, persistent): 0 not asked yet, 1
// right, 2 swapped.
var duplicates struct {
	sync.Mutex
	swapped [2][3][3]uint8
}

// swapsDuplicates reports whether the library swaps the blocks of a
// duplicate pair in neighbour alltoall call of form form, asking it the
// first time.
func swapsDuplicates(graph bool, call rawCall, form C.int) bool {
	g, k := 0, 0
	if graph {
		g = 1
	}
	switch call {
	case callNeighborAlltoallv:
		k = 1
	case callNeighborAlltoallw:
		k = 2
	}
	duplicates.Lock()
	defer duplicates.Unlock()
	ans := &duplicates.swapped[g][k][form]
	if *ans == 0 {
		*ans = 1
		if probeDuplicates(graph, call, form) {
			*ans = 2
		}
	}
	return *ans == 2
}

// probeDuplicates runs call in form over a 1-rank topology over Self with
// two edges to itself, sending blocks 0 and 1, and reports whether they
// arrive swapped from where the standard puts them.
func probeDuplicates(graph bool, call rawCall, form C.int) bool {
	var topo *Comm
	var err error
	if graph {
		topo, err = Self().DistGraphCreateAdjacent(Neighborhood{Sources: []int{0, 0}, Dests: []int{0, 0}}, false)
	} else {
		var k *Cart
		if k, err = Self().CartCreate([]int{1}, []bool{true}, false); err == nil {
			topo = k.Comm
		}
	}
	if err != nil || topo == nil {
		return false
	}
	defer topo.Free()
	send, recv := []int32{0, 1}, []int32{-1, -1}
	i32 := typeOf[int32]().h
	a := args{buf: unsafe.Pointer(&send[0]), rbuf: unsafe.Pointer(&recv[0]), n: 1, rn: 1, dt: i32, comm: topo.h}
	switch call {
	case callNeighborAlltoallv:
		a.parts = &parts{counts: []cint{1, 1}, displs: []cint{0, 1}, rcounts: []cint{1, 1}, rdisp: []cint{0, 1}}
	case callNeighborAlltoallw:
		t := ctypes([]dtypeHandle{i32, i32})
		a.parts = &parts{counts: []cint{1, 1}, sbdispl: []aint{0, 4}, stypes: t, rcounts: []cint{1, 1}, rbdispl: []aint{0, 4}, rtypes: t}
	}
	switch form {
	case C.MPIGO_BLOCKING:
		err = mpiError("probe", runLong(call, &a))
	default:
		a.persistent = form == C.MPIGO_PERSISTENT_FORM
		var r *Request
		if r, err = start("probe", call, &a, reqCollective, Buffer{}); err == nil && a.persistent {
			r.persistent, r.done = true, true
			if err = r.Start(); err == nil {
				_, err = r.Wait()
			}
			r.Free()
		} else if err == nil {
			_, err = r.Wait()
		}
	}
	want := []int32{1, 0} // a Cart's: block 2d to 2d+1 and the reverse
	if graph {
		want = []int32{0, 1} // a dist graph's: the k-th edge to the k-th
	}
	return err == nil && (recv[0] != want[0] || recv[1] != want[1])
}
