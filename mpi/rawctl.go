package mpi

// The raw layer, part two: every MPI call added after the first forty, one
// Go function each, calling libmpi straight from Go with the library's own
// handle types (mpigo_to_X and mpigo_of_X in raw.h convert). An MPI call
// needs nothing else here: no number in raw.go, no case in its switch and no
// C wrapper. Each runs as the callFunc raw call (raw.go), so the thread level's
// rules apply to it as to every other call (exec.go):
//   - control calls (datatypes, groups, topologies, names): ctl, with the
//     operands captured by a closure; a call that may wait on other ranks
//     (CartCreate) is one blocking call, as Comm.Dup is;
//   - data calls (neighbour collectives, Alltoallw, buffered sends): a
//     function of the args record, set as a.fn, so that they go through
//     collective, start and postAndPoll as the calls of raw.go do. Their
//     arrays travel in a.parts, which start pins for nonblocking ones.
// Closures cost an allocation a call, which only the per-message calls of
// raw.go cannot afford.

/*
#include "raw.h"
*/
import "C"

import (
	"strings"
	"unsafe"
)

type (
	groupHandle = C.mpigo_h
	aint        = C.MPI_Aint // byte displacements (MPI_Aint)
)

// rawFunc is a raw call of this file: it takes its operands from a and
// returns MPI's return code.
type rawFunc func(a *args) C.int

var (
	groupNull  = C.mpigo_of_group(C.MPI_GROUP_NULL)
	groupEmpty = C.mpigo_of_group(C.MPI_GROUP_EMPTY)
	dtypeNull  = C.mpigo_of_dtype(C.MPI_DATATYPE_NULL)
	packedType = C.mpigo_of_dtype(C.MPI_PACKED)
)

// ctl runs f, a control call, as one raw call that may wait on other ranks
// (runLong), and returns its return code.
func ctl(f func() C.int) int {
	a := args{fn: func(*args) C.int { return f() }}
	return runLong(callFunc, &a)
}

func toComm(h commHandle) C.MPI_Comm      { return C.mpigo_to_comm(h) }
func toType(h dtypeHandle) C.MPI_Datatype { return C.mpigo_to_dtype(h) }
func toGroup(h groupHandle) C.MPI_Group   { return C.mpigo_to_group(h) }

// ---- datatypes ----

// committed commits t, just made by a constructor that returned rc.
func committed(rc C.int, t *C.MPI_Datatype) C.int {
	if rc != C.MPI_SUCCESS {
		return rc
	}
	return C.MPI_Type_commit(t)
}

// rawTypeMake runs constructor make, which fills in a new type, and commits it.
func rawTypeMake(make func(out *C.MPI_Datatype) C.int) (dtypeHandle, int) {
	var h dtypeHandle
	rc := ctl(func() C.int {
		var t C.MPI_Datatype
		rc := committed(make(&t), &t)
		h = C.mpigo_of_dtype(t)
		return rc
	})
	return h, rc
}

func rawTypeContiguous(n int, old dtypeHandle) (dtypeHandle, int) {
	return rawTypeMake(func(t *C.MPI_Datatype) C.int { return C.MPI_Type_contiguous(C.int(n), toType(old), t) })
}

func rawTypeVector(count, blocklen, stride int, old dtypeHandle) (dtypeHandle, int) {
	return rawTypeMake(func(t *C.MPI_Datatype) C.int {
		return C.MPI_Type_vector(C.int(count), C.int(blocklen), C.int(stride), toType(old), t)
	})
}

func rawTypeHvector(count, blocklen int, stride int64, old dtypeHandle) (dtypeHandle, int) {
	return rawTypeMake(func(t *C.MPI_Datatype) C.int {
		return C.MPI_Type_create_hvector(C.int(count), C.int(blocklen), aint(stride), toType(old), t)
	})
}

func rawTypeIndexed(blocklens, displs []cint, old dtypeHandle) (dtypeHandle, int) {
	return rawTypeMake(func(t *C.MPI_Datatype) C.int {
		return C.MPI_Type_indexed(C.int(len(blocklens)), cptr(blocklens), cptr(displs), toType(old), t)
	})
}

func rawTypeHindexed(blocklens []cint, displs []aint, old dtypeHandle) (dtypeHandle, int) {
	return rawTypeMake(func(t *C.MPI_Datatype) C.int {
		return C.MPI_Type_create_hindexed(C.int(len(blocklens)), cptr(blocklens), aptr(displs), toType(old), t)
	})
}

func rawTypeIndexedBlock(blocklen int, displs []cint, old dtypeHandle) (dtypeHandle, int) {
	return rawTypeMake(func(t *C.MPI_Datatype) C.int {
		return C.MPI_Type_create_indexed_block(C.int(len(displs)), C.int(blocklen), cptr(displs), toType(old), t)
	})
}

func rawTypeHindexedBlock(blocklen int, displs []aint, old dtypeHandle) (dtypeHandle, int) {
	return rawTypeMake(func(t *C.MPI_Datatype) C.int {
		return C.MPI_Type_create_hindexed_block(C.int(len(displs)), C.int(blocklen), aptr(displs), toType(old), t)
	})
}

func rawTypeSubarray(sizes, subsizes, starts []cint, old dtypeHandle) (dtypeHandle, int) {
	return rawTypeMake(func(t *C.MPI_Datatype) C.int {
		return C.MPI_Type_create_subarray(C.int(len(sizes)), cptr(sizes), cptr(subsizes), cptr(starts), C.MPI_ORDER_C, toType(old), t)
	})
}

func rawTypeResized(old dtypeHandle, lb, extent int64) (dtypeHandle, int) {
	return rawTypeMake(func(t *C.MPI_Datatype) C.int {
		return C.MPI_Type_create_resized(toType(old), aint(lb), aint(extent), t)
	})
}

func rawTypeStruct(blocklens []cint, displs []aint, types []dtypeHandle) (dtypeHandle, int) {
	return rawTypeMake(func(t *C.MPI_Datatype) C.int {
		ts := make([]C.MPI_Datatype, len(types))
		for i, h := range types {
			ts[i] = toType(h)
		}
		var tp *C.MPI_Datatype
		if len(ts) > 0 {
			tp = &ts[0]
		}
		return C.MPI_Type_create_struct(C.int(len(blocklens)), cptr(blocklens), aptr(displs), tp, t)
	})
}

func rawTypeDup(old dtypeHandle) (dtypeHandle, int) {
	return rawTypeMake(func(t *C.MPI_Datatype) C.int { return C.MPI_Type_dup(toType(old), t) })
}

// rawTypeShape returns t's size, lower bound, extent, true lower bound and
// true extent in bytes.
func rawTypeShape(h dtypeHandle) (shape [5]int64, rc int) {
	rc = ctl(func() C.int {
		var size, lb, ext, tlb, text C.MPI_Count
		t := toType(h)
		if rc := C.MPI_Type_size_x(t, &size); rc != C.MPI_SUCCESS {
			return rc
		}
		if rc := C.MPI_Type_get_extent_x(t, &lb, &ext); rc != C.MPI_SUCCESS {
			return rc
		}
		rc := C.MPI_Type_get_true_extent_x(t, &tlb, &text)
		shape = [5]int64{int64(size), int64(lb), int64(ext), int64(tlb), int64(text)}
		return rc
	})
	return shape, rc
}

// rawPack packs n items of dt at in into out[*pos:], advancing *pos
// (MPI_Pack); with unpack, the reverse (MPI_Unpack).
func rawPack(unpack bool, in unsafe.Pointer, n int, dt dtypeHandle, out []byte, pos *int, comm commHandle) int {
	return ctl(func() C.int {
		p := C.int(*pos)
		var rc C.int
		o := unsafe.Pointer(unsafe.SliceData(out))
		if unpack {
			rc = C.MPI_Unpack(o, C.int(len(out)), &p, in, C.int(n), toType(dt), toComm(comm))
		} else {
			rc = C.MPI_Pack(in, C.int(n), toType(dt), o, C.int(len(out)), &p, toComm(comm))
		}
		*pos = int(p)
		return rc
	})
}

func rawPackSize(n int, dt dtypeHandle, comm commHandle) (int, int) {
	var size C.int
	rc := ctl(func() C.int { return C.MPI_Pack_size(C.int(n), toType(dt), toComm(comm), &size) })
	return int(size), rc
}

// ---- groups ----

func rawCommGroup(c commHandle, remote bool) (groupHandle, int) {
	var h groupHandle
	rc := ctl(func() C.int {
		var g C.MPI_Group
		var rc C.int
		if remote {
			rc = C.MPI_Comm_remote_group(toComm(c), &g)
		} else {
			rc = C.MPI_Comm_group(toComm(c), &g)
		}
		h = C.mpigo_of_group(g)
		return rc
	})
	return h, rc
}

// rawGroupInfo returns the caller's rank in g (Undefined if not a member) and g's size.
func rawGroupInfo(g groupHandle) (rank, size int, rc int) {
	rc = ctl(func() C.int {
		var r, s C.int
		if rc := C.MPI_Group_rank(toGroup(g), &r); rc != C.MPI_SUCCESS {
			return rc
		}
		rc := C.MPI_Group_size(toGroup(g), &s)
		rank, size = int(r), int(s)
		if r == C.MPI_UNDEFINED {
			rank = Undefined
		}
		return rc
	})
	return rank, size, rc
}

// Group constructors, in the order of rawGroupMake's kinds.
const (
	groupIncl = iota
	groupExcl
	groupRangeIncl
	groupRangeExcl
	groupUnion
	groupIntersection
	groupDifference
)

// rawGroupMake makes a group from g (and h for the set operations) and
// ranks (triples for the range kinds).
func rawGroupMake(kind int, g, h groupHandle, ranks []cint) (groupHandle, int) {
	var out groupHandle
	rc := ctl(func() C.int {
		var n C.MPI_Group
		var rc C.int
		a, b := toGroup(g), toGroup(h)
		switch kind {
		case groupIncl:
			rc = C.MPI_Group_incl(a, C.int(len(ranks)), cptr(ranks), &n)
		case groupExcl:
			rc = C.MPI_Group_excl(a, C.int(len(ranks)), cptr(ranks), &n)
		case groupRangeIncl, groupRangeExcl:
			var r *[3]C.int
			if len(ranks) > 0 {
				r = (*[3]C.int)(unsafe.Pointer(&ranks[0]))
			}
			if kind == groupRangeIncl {
				rc = C.MPI_Group_range_incl(a, C.int(len(ranks)/3), r, &n)
			} else {
				rc = C.MPI_Group_range_excl(a, C.int(len(ranks)/3), r, &n)
			}
		case groupUnion:
			rc = C.MPI_Group_union(a, b, &n)
		case groupIntersection:
			rc = C.MPI_Group_intersection(a, b, &n)
		case groupDifference:
			rc = C.MPI_Group_difference(a, b, &n)
		}
		out = C.mpigo_of_group(n)
		return rc
	})
	return out, rc
}

func rawGroupTranslate(g, h groupHandle, ranks []cint) ([]cint, int) {
	out := make([]cint, len(ranks))
	rc := ctl(func() C.int {
		return C.MPI_Group_translate_ranks(toGroup(g), C.int(len(ranks)), cptr(ranks), toGroup(h), cptr(out))
	})
	return out, rc
}

// rawGroupCompare compares two groups (compareComms says true: two communicators).
func rawCompare(a, b C.mpigo_h, comms bool) (Comparison, int) {
	var r C.int
	rc := ctl(func() C.int {
		if comms {
			return C.MPI_Comm_compare(toComm(a), toComm(b), &r)
		}
		return C.MPI_Group_compare(toGroup(a), toGroup(b), &r)
	})
	return comparisonOf(r), rc
}

func comparisonOf(r C.int) Comparison {
	switch r {
	case C.MPI_IDENT:
		return Ident
	case C.MPI_CONGRUENT:
		return Congruent
	case C.MPI_SIMILAR:
		return Similar
	}
	return Unequal
}

func rawGroupFree(g groupHandle) int {
	return ctl(func() C.int {
		x := toGroup(g)
		return C.MPI_Group_free(&x)
	})
}

// ---- communicators ----

// rawCommCreate makes the communicator of group g (MPI_Comm_create over
// c, collective; or, with byGroup, MPI_Comm_create_group, collective over
// g's members only, with tag).
func rawCommCreate(c commHandle, g groupHandle, byGroup bool, tag int) (commHandle, int) {
	var out commHandle
	rc := ctl(func() C.int {
		var n C.MPI_Comm
		var rc C.int
		if byGroup {
			rc = C.MPI_Comm_create_group(toComm(c), toGroup(g), C.int(tag), &n)
		} else {
			rc = C.MPI_Comm_create(toComm(c), toGroup(g), &n)
		}
		out = C.mpigo_of_comm(n)
		return rc
	})
	return out, rc
}

// rawCommSplitType is MPI_Comm_split_type with split type kind (SplitType),
// ErrUnsupported's return code where the library has no such kind.
func rawCommSplitType(c commHandle, kind SplitKind, key int) (commHandle, int) {
	var out commHandle
	rc := ctl(func() C.int {
		t := C.mpigo_split_type(C.int(kind))
		if t == C.MPI_UNDEFINED-1 {
			return C.MPI_ERR_UNSUPPORTED_OPERATION
		}
		var n C.MPI_Comm
		rc := C.MPI_Comm_split_type(toComm(c), t, C.int(key), C.MPI_INFO_NULL, &n)
		out = C.mpigo_of_comm(n)
		return rc
	})
	return out, rc
}

// rawCommIdup posts MPI_Comm_idup; the new handle is valid once the request completes.
func rawCommIdup(c commHandle) (out commHandle, req reqHandle, rc int) {
	rc = ctl(func() C.int {
		var n C.MPI_Comm
		var q C.MPI_Request
		rc := C.MPI_Comm_idup(toComm(c), &n, &q)
		out, req = C.mpigo_of_comm(n), C.mpigo_of_req(q)
		return rc
	})
	return out, req, rc
}

func rawCommSetName(c commHandle, name string) int {
	s := C.CString(name)
	defer C.free(unsafe.Pointer(s))
	return ctl(func() C.int { return C.MPI_Comm_set_name(toComm(c), s) })
}

func rawCommName(c commHandle) (string, int) {
	buf := make([]C.char, C.MPI_MAX_OBJECT_NAME+1)
	var n C.int
	rc := ctl(func() C.int { return C.MPI_Comm_get_name(toComm(c), &buf[0], &n) })
	return C.GoStringN(&buf[0], n), rc
}

// rawCommRemote reports whether c is an intercommunicator, and its remote group's size.
func rawCommRemote(c commHandle) (inter bool, remoteSize int, rc int) {
	rc = ctl(func() C.int {
		var f, s C.int
		if rc := C.MPI_Comm_test_inter(toComm(c), &f); rc != C.MPI_SUCCESS || f == 0 {
			return rc
		}
		rc := C.MPI_Comm_remote_size(toComm(c), &s)
		inter, remoteSize = true, int(s)
		return rc
	})
	return inter, remoteSize, rc
}

func rawIntercommCreate(local commHandle, localLeader int, bridge commHandle, remoteLeader, tag int) (commHandle, int) {
	var out commHandle
	rc := ctl(func() C.int {
		var n C.MPI_Comm
		rc := C.MPI_Intercomm_create(toComm(local), C.int(localLeader), toComm(bridge), C.int(remoteLeader), C.int(tag), &n)
		out = C.mpigo_of_comm(n)
		return rc
	})
	return out, rc
}

func rawIntercommMerge(c commHandle, high bool) (commHandle, int) {
	var out commHandle
	rc := ctl(func() C.int {
		var n C.MPI_Comm
		rc := C.MPI_Intercomm_merge(toComm(c), cbool(high), &n)
		out = C.mpigo_of_comm(n)
		return rc
	})
	return out, rc
}

// ---- topologies ----

// rawDimsCreate fills the zeros of dims (MPI_Dims_create).
func rawDimsCreate(nodes int, dims []cint) int {
	return ctl(func() C.int { return C.MPI_Dims_create(C.int(nodes), C.int(len(dims)), cptr(dims)) })
}

func rawCartCreate(c commHandle, dims, periods []cint, reorder bool) (commHandle, int) {
	var out commHandle
	rc := ctl(func() C.int {
		var n C.MPI_Comm
		rc := C.MPI_Cart_create(toComm(c), C.int(len(dims)), cptr(dims), cptr(periods), cbool(reorder), &n)
		out = C.mpigo_of_comm(n)
		return rc
	})
	return out, rc
}

// rawCartGet fills dims, periods and coords (MPI_Cart_get), each of the topology's length.
func rawCartGet(c commHandle, dims, periods, coords []cint) int {
	return ctl(func() C.int {
		return C.MPI_Cart_get(toComm(c), C.int(len(dims)), cptr(dims), cptr(periods), cptr(coords))
	})
}

func rawCartdim(c commHandle) (int, int) {
	var n C.int
	rc := ctl(func() C.int { return C.MPI_Cartdim_get(toComm(c), &n) })
	return int(n), rc
}

func rawCartRank(c commHandle, coords []cint) (int, int) {
	var r C.int
	rc := ctl(func() C.int { return C.MPI_Cart_rank(toComm(c), cptr(coords), &r) })
	return int(r), rc
}

func rawCartCoords(c commHandle, rank int, coords []cint) int {
	return ctl(func() C.int { return C.MPI_Cart_coords(toComm(c), C.int(rank), C.int(len(coords)), cptr(coords)) })
}

func rawCartShift(c commHandle, dir, disp int) (src, dst int, rc int) {
	rc = ctl(func() C.int {
		var s, d C.int
		rc := C.MPI_Cart_shift(toComm(c), C.int(dir), C.int(disp), &s, &d)
		src, dst = int(C.mpigo_go_peer(s)), int(C.mpigo_go_peer(d))
		return rc
	})
	return src, dst, rc
}

func rawCartSub(c commHandle, remain []cint) (commHandle, int) {
	var out commHandle
	rc := ctl(func() C.int {
		var n C.MPI_Comm
		rc := C.MPI_Cart_sub(toComm(c), cptr(remain), &n)
		out = C.mpigo_of_comm(n)
		return rc
	})
	return out, rc
}

// rawTopology returns c's topology kind (MPI_Topo_test).
func rawTopology(c commHandle) (Topology, int) {
	var t C.int
	rc := ctl(func() C.int { return C.MPI_Topo_test(toComm(c), &t) })
	switch t {
	case C.MPI_CART:
		return TopoCart, rc
	case C.MPI_GRAPH:
		return TopoGraph, rc
	case C.MPI_DIST_GRAPH:
		return TopoDistGraph, rc
	}
	return TopoNone, rc
}

// rawDistGraphCreateAdjacent: weights nil means unweighted.
func rawDistGraphCreateAdjacent(c commHandle, sources, sweights, dests, dweights []cint, weighted, reorder bool) (commHandle, int) {
	var out commHandle
	rc := ctl(func() C.int {
		sw, dw := weightsPtr(sweights, weighted), weightsPtr(dweights, weighted)
		var n C.MPI_Comm
		rc := C.MPI_Dist_graph_create_adjacent(toComm(c), C.int(len(sources)), cptr(sources), sw,
			C.int(len(dests)), cptr(dests), dw, C.MPI_INFO_NULL, cbool(reorder), &n)
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

// rawNeighbors returns a graph topology's in- and out-neighbours and their
// weights (nil if unweighted).
func rawNeighbors(c commHandle) (srcs, sw, dsts, dw []cint, rc int) {
	rc = ctl(func() C.int {
		var in, out, weighted C.int
		if rc := C.MPI_Dist_graph_neighbors_count(toComm(c), &in, &out, &weighted); rc != C.MPI_SUCCESS {
			return rc
		}
		// One spare element each: MPI takes no pointer to an empty array.
		srcs, sw, dsts, dw = make([]cint, in+1), make([]cint, in+1), make([]cint, out+1), make([]cint, out+1)
		rc := C.MPI_Dist_graph_neighbors(toComm(c), in, &srcs[0], &sw[0], out, &dsts[0], &dw[0])
		srcs, sw, dsts, dw = srcs[:in], sw[:in], dsts[:out], dw[:out]
		if weighted == 0 {
			sw, dw = nil, nil
		}
		return rc
	})
	return srcs, sw, dsts, dw, rc
}

// ---- data calls (functions of args) ----

// Neighbour collectives: a.buf, a.n (per neighbour) and a.rbuf, a.rn (per
// neighbour) with a.dt; the v forms take a.parts; a.nonblocking posts.
func rawNeighborAllgather(a *args) C.int {
	c, dt := toComm(a.comm), toType(a.dt)
	if a.nonblocking {
		return a.posted(func(q *C.MPI_Request) C.int {
			return C.MPI_Ineighbor_allgather(a.buf, C.int(a.n), dt, a.rbuf, C.int(a.rn), dt, c, q)
		})
	}
	return C.MPI_Neighbor_allgather(a.buf, C.int(a.n), dt, a.rbuf, C.int(a.rn), dt, c)
}

func rawNeighborAllgatherv(a *args) C.int {
	c, dt, v := toComm(a.comm), toType(a.dt), a.parts
	if a.nonblocking {
		return a.posted(func(q *C.MPI_Request) C.int {
			return C.MPI_Ineighbor_allgatherv(a.buf, C.int(a.n), dt, a.rbuf, cptr(v.rcounts), cptr(v.rdisp), dt, c, q)
		})
	}
	return C.MPI_Neighbor_allgatherv(a.buf, C.int(a.n), dt, a.rbuf, cptr(v.rcounts), cptr(v.rdisp), dt, c)
}

func rawNeighborAlltoall(a *args) C.int {
	c, dt := toComm(a.comm), toType(a.dt)
	if a.nonblocking {
		return a.posted(func(q *C.MPI_Request) C.int {
			return C.MPI_Ineighbor_alltoall(a.buf, C.int(a.n), dt, a.rbuf, C.int(a.rn), dt, c, q)
		})
	}
	return C.MPI_Neighbor_alltoall(a.buf, C.int(a.n), dt, a.rbuf, C.int(a.rn), dt, c)
}

func rawNeighborAlltoallv(a *args) C.int {
	c, dt, v := toComm(a.comm), toType(a.dt), a.parts
	if a.nonblocking {
		return a.posted(func(q *C.MPI_Request) C.int {
			return C.MPI_Ineighbor_alltoallv(a.buf, cptr(v.counts), cptr(v.displs), dt, a.rbuf, cptr(v.rcounts), cptr(v.rdisp), dt, c, q)
		})
	}
	return C.MPI_Neighbor_alltoallv(a.buf, cptr(v.counts), cptr(v.displs), dt, a.rbuf, cptr(v.rcounts), cptr(v.rdisp), dt, c)
}

// rawNeighborAlltoallw and rawAlltoallw: per-part datatypes and byte
// displacements in a.parts (a.sync: the neighbour form).
func rawAlltoallw(a *args) C.int {
	c, v := toComm(a.comm), a.parts
	sb := a.buf
	if a.inPlace {
		sb = C.mpigo_in_place()
	}
	st, rt := typesPtr(v.stypes), typesPtr(v.rtypes)
	sd, rd := aptr(v.sbdispl), aptr(v.rbdispl)
	switch {
	case a.sync && a.nonblocking:
		return a.posted(func(q *C.MPI_Request) C.int {
			return C.MPI_Ineighbor_alltoallw(sb, cptr(v.counts), sd, st, a.rbuf, cptr(v.rcounts), rd, rt, c, q)
		})
	case a.sync:
		return C.MPI_Neighbor_alltoallw(sb, cptr(v.counts), sd, st, a.rbuf, cptr(v.rcounts), rd, rt, c)
	}
	sdi, rdi := cptr(v.displs), cptr(v.rdisp) // MPI_Alltoallw takes int displacements
	if a.nonblocking {
		return a.posted(func(q *C.MPI_Request) C.int {
			return C.MPI_Ialltoallw(sb, cptr(v.counts), sdi, st, a.rbuf, cptr(v.rcounts), rdi, rt, c, q)
		})
	}
	return C.MPI_Alltoallw(sb, cptr(v.counts), sdi, st, a.rbuf, cptr(v.rcounts), rdi, rt, c)
}

// rawReduceScatter: MPI_Reduce_scatter with recvcounts in a.parts.counts.
func rawReduceScatter(a *args) C.int {
	c, dt, op := toComm(a.comm), toType(a.dt), C.mpigo_to_op(a.op)
	sb := a.buf
	if a.inPlace {
		sb = C.mpigo_in_place()
	}
	if a.nonblocking {
		return a.posted(func(q *C.MPI_Request) C.int {
			return C.MPI_Ireduce_scatter(sb, a.rbuf, cptr(a.parts.counts), dt, op, c, q)
		})
	}
	return C.MPI_Reduce_scatter(sb, a.rbuf, cptr(a.parts.counts), dt, op, c)
}

// rawReduceLocal: inout (a.rbuf) = in (a.buf) op inout, a.n elements.
func rawReduceLocal(a *args) C.int {
	return C.MPI_Reduce_local(a.buf, a.rbuf, C.int(a.n), toType(a.dt), C.mpigo_to_op(a.op))
}

// rawSendMode sends in buffered (a.reduce 1) or ready (2) mode: blocking,
// or with a.nonblocking posted.
func rawSendMode(a *args) C.int {
	b, n, dt, to, tag, c := a.buf, C.int(a.n), toType(a.dt), C.mpigo_peer(C.int(a.peer)), C.int(a.tag), toComm(a.comm)
	switch {
	case a.reduce == sendBuffered && a.nonblocking:
		return a.posted(func(q *C.MPI_Request) C.int { return C.MPI_Ibsend(b, n, dt, to, tag, c, q) })
	case a.reduce == sendBuffered:
		return C.MPI_Bsend(b, n, dt, to, tag, c)
	case a.nonblocking:
		return a.posted(func(q *C.MPI_Request) C.int { return C.MPI_Irsend(b, n, dt, to, tag, c, q) })
	}
	return C.MPI_Rsend(b, n, dt, to, tag, c)
}

// rawImrecv posts the receive of matched message a.msg into a.rbuf.
func rawImrecv(a *args) C.int {
	return a.posted(func(q *C.MPI_Request) C.int {
		m := C.mpigo_to_msg(a.msg)
		return C.MPI_Imrecv(a.rbuf, C.int(a.rn), toType(a.dt), &m, q)
	})
}

// rawBufferAttach gives MPI the C memory p of n bytes for buffered sends;
// with detach, takes it back (MPI_Buffer_detach).
func rawBufferAttach(p unsafe.Pointer, n int, detach bool) int {
	return ctl(func() C.int {
		if detach {
			var q unsafe.Pointer
			var size C.int
			return C.MPI_Buffer_detach(unsafe.Pointer(&q), &size)
		}
		return C.MPI_Buffer_attach(p, C.int(n))
	})
}

func rawBsendOverhead() int { return int(C.MPI_BSEND_OVERHEAD) }

// rawMalloc and rawFree manage C memory (MPI holds an attached buffer past the call).
func rawMalloc(n int) unsafe.Pointer { return C.malloc(C.size_t(n)) }
func rawFree(p unsafe.Pointer)       { C.free(p) }

// posted runs post, a nonblocking MPI call, and keeps its request in a.req.
func (a *args) posted(post func(q *C.MPI_Request) C.int) C.int {
	var q C.MPI_Request
	rc := post(&q)
	a.req = C.mpigo_of_req(q)
	return rc
}

func aptr(v []aint) *aint {
	if len(v) == 0 {
		return nil
	}
	return &v[0]
}

// ctype is the library's datatype handle, for arrays of them that MPI reads
// in place (Alltoallw), which a nonblocking call's start pins.
type ctype = C.MPI_Datatype

func ctypes(v []dtypeHandle) []ctype {
	out := make([]ctype, len(v))
	for i, h := range v {
		out[i] = toType(h)
	}
	return out
}

func typesPtr(v []ctype) *C.MPI_Datatype {
	if len(v) == 0 {
		return nil
	}
	return &v[0]
}

func aints(v []int64) []aint {
	out := make([]aint, len(v))
	for i, x := range v {
		out[i] = aint(x)
	}
	return out
}

// ---- handles for the user's own cgo code ----

// rawHandleOf and rawHandleFrom convert between the binding's handles and
// the MPI library's (MPI_Comm etc.) as a uintptr: a pointer in OpenMPI, an
// int in MPICH.
func rawHandleOf(h C.mpigo_h) uintptr   { return uintptr(h) }
func rawHandleFrom(u uintptr) C.mpigo_h { return C.mpigo_h(u) }

// rawTypeCommit commits h (MPI_Type_commit; a committed type stays so).
func rawTypeCommit(h dtypeHandle) int {
	return ctl(func() C.int {
		t := toType(h)
		return C.MPI_Type_commit(&t)
	})
}

func rawTypeFree(h dtypeHandle) int {
	return ctl(func() C.int {
		t := toType(h)
		return C.MPI_Type_free(&t)
	})
}

// rawLocType returns the predefined pair type of a Loc whose Value is of
// kind k (MPI_FLOAT_INT and the like), or the null type.
func rawLocType(k kind) dtypeHandle {
	switch k {
	case kFloat32:
		return C.mpigo_of_dtype(C.MPI_FLOAT_INT)
	case kFloat64:
		return C.mpigo_of_dtype(C.MPI_DOUBLE_INT)
	case kInt16:
		return C.mpigo_of_dtype(C.MPI_SHORT_INT)
	case kInt32:
		return C.mpigo_of_dtype(C.MPI_2INT)
	case kInt64:
		return C.mpigo_of_dtype(C.MPI_LONG_INT)
	}
	return dtypeNull
}

// ---- one-sided communication (win.go) ----

type winHandle = C.mpigo_h

var winNull = C.mpigo_of_win(C.MPI_WIN_NULL)

func toWin(h winHandle) C.MPI_Win { return C.mpigo_to_win(h) }

// The ways to make a window (rawWinMake).
const (
	winCreate   = iota // over the caller's memory (MPI_Win_create)
	winAllocate        // over memory MPI allocates (MPI_Win_allocate)
	winShared          // over shared memory MPI allocates (MPI_Win_allocate_shared)
	winDynamic         // with no memory yet (MPI_Win_create_dynamic)
)

// rawWinMake makes a window of kind over c, sets it to return errors, and
// returns it with its local memory (base, or what MPI allocated).
func rawWinMake(kind int, base unsafe.Pointer, size int64, unit int, c commHandle) (winHandle, unsafe.Pointer, int) {
	h := winNull
	rc := ctl(func() C.int {
		var w C.MPI_Win
		var rc C.int
		var out unsafe.Pointer
		switch kind {
		case winCreate:
			rc, out = C.MPI_Win_create(base, aint(size), C.int(unit), C.MPI_INFO_NULL, toComm(c), &w), base
		case winAllocate:
			rc = C.MPI_Win_allocate(aint(size), C.int(unit), C.MPI_INFO_NULL, toComm(c), unsafe.Pointer(&out), &w)
		case winShared:
			rc = C.MPI_Win_allocate_shared(aint(size), C.int(unit), C.MPI_INFO_NULL, toComm(c), unsafe.Pointer(&out), &w)
		default:
			rc = C.MPI_Win_create_dynamic(C.MPI_INFO_NULL, toComm(c), &w)
		}
		if rc == C.MPI_SUCCESS {
			rc = C.MPI_Win_set_errhandler(w, C.MPI_ERRORS_RETURN)
		}
		h, base = C.mpigo_of_win(w), out
		return rc
	})
	return h, base, rc
}

// rawWinSharedQuery returns the memory of rank's part of a shared window.
func rawWinSharedQuery(w winHandle, rank int) (base unsafe.Pointer, size int64, unit int, rc int) {
	rc = ctl(func() C.int {
		var sz aint
		var u C.int
		var p unsafe.Pointer
		rc := C.MPI_Win_shared_query(toWin(w), C.int(rank), &sz, &u, unsafe.Pointer(&p))
		base, size, unit = p, int64(sz), int(u)
		return rc
	})
	return base, size, unit, rc
}

// rawWinAttach attaches (or with detach, detaches) memory to a dynamic
// window, and returns its address as the targets' displacement (MPI_Get_address).
func rawWinAttach(w winHandle, base unsafe.Pointer, size int64, detach bool) (addr int64, rc int) {
	rc = ctl(func() C.int {
		if detach {
			return C.MPI_Win_detach(toWin(w), base)
		}
		var a aint
		if rc := C.MPI_Get_address(base, &a); rc != C.MPI_SUCCESS {
			return rc
		}
		addr = int64(a)
		return C.MPI_Win_attach(toWin(w), base, aint(size))
	})
	return addr, rc
}

// rawWinSync runs a synchronization call of w (winFence … winFree).
func rawWinSync(w winHandle, call, rank int, g groupHandle) int {
	return ctl(func() C.int {
		win := toWin(w)
		switch call {
		case winFence:
			return C.MPI_Win_fence(0, win)
		case winLockShared:
			return C.MPI_Win_lock(C.MPI_LOCK_SHARED, C.int(rank), 0, win)
		case winLockExclusive:
			return C.MPI_Win_lock(C.MPI_LOCK_EXCLUSIVE, C.int(rank), 0, win)
		case winUnlock:
			return C.MPI_Win_unlock(C.int(rank), win)
		case winLockAll:
			return C.MPI_Win_lock_all(0, win)
		case winUnlockAll:
			return C.MPI_Win_unlock_all(win)
		case winFlush:
			return C.MPI_Win_flush(C.int(rank), win)
		case winFlushAll:
			return C.MPI_Win_flush_all(win)
		case winFlushLocal:
			return C.MPI_Win_flush_local(C.int(rank), win)
		case winFlushLocalAll:
			return C.MPI_Win_flush_local_all(win)
		case winSync:
			return C.MPI_Win_sync(win)
		case winPost:
			return C.MPI_Win_post(toGroup(g), 0, win)
		case winStart:
			return C.MPI_Win_start(toGroup(g), 0, win)
		case winComplete:
			return C.MPI_Win_complete(win)
		case winWait:
			return C.MPI_Win_wait(win)
		}
		return C.MPI_Win_free(&win)
	})
}

// rmaOp is one one-sided operation: the origin (and result, compare)
// buffers, the target's rank and displacement, and the datatype and count
// of the origin, used at the target too.
type rmaOp struct {
	origin, result, compare unsafe.Pointer
	n                       int
	dt                      dtypeHandle
	target                  int
	disp                    int64
	op                      opHandle
}

// rawCompareAndSwap runs MPI_Compare_and_swap on w: the one one-sided
// operation with three buffers, which raw.go's per-message path (callRMA,
// the others) has no room for.
func rawCompareAndSwap(w winHandle, o rmaOp) int {
	return ctl(func() C.int {
		return C.MPI_Compare_and_swap(o.origin, o.compare, o.result, toType(o.dt), C.int(o.target), aint(o.disp), toWin(w))
	})
}

// ---- Info objects (info.go) ----

type infoHandle = C.mpigo_h

var infoNull = C.mpigo_of_info(C.MPI_INFO_NULL)

func toInfo(h infoHandle) C.MPI_Info { return C.mpigo_to_info(h) }

// rawInfoNew makes an empty info object, or with dup a copy of h.
func rawInfoNew(h infoHandle, dup bool) (infoHandle, int) {
	out := infoNull
	rc := ctl(func() C.int {
		var i C.MPI_Info
		var rc C.int
		if dup {
			rc = C.MPI_Info_dup(toInfo(h), &i)
		} else {
			rc = C.MPI_Info_create(&i)
		}
		out = C.mpigo_of_info(i)
		return rc
	})
	return out, rc
}

// rawInfoSet sets key to value, or with del deletes key.
func rawInfoSet(h infoHandle, key, value string, del bool) int {
	k, v := C.CString(key), C.CString(value)
	defer C.free(unsafe.Pointer(k))
	defer C.free(unsafe.Pointer(v))
	return ctl(func() C.int {
		if del {
			return C.MPI_Info_delete(toInfo(h), k)
		}
		return C.MPI_Info_set(toInfo(h), k, v)
	})
}

// rawInfoGet returns key's value and whether it is set.
func rawInfoGet(h infoHandle, key string) (string, bool, int) {
	k := C.CString(key)
	defer C.free(unsafe.Pointer(k))
	buf := make([]byte, C.MPI_MAX_INFO_VAL+1)
	var flag C.int
	rc := ctl(func() C.int {
		return C.MPI_Info_get(toInfo(h), k, C.MPI_MAX_INFO_VAL, (*C.char)(unsafe.Pointer(&buf[0])), &flag)
	})
	s, _, _ := strings.Cut(string(buf), "\x00")
	return s, flag != 0, rc
}

// rawInfoKeys returns the keys of h, in order.
func rawInfoKeys(h infoHandle) ([]string, int) {
	var keys []string
	rc := ctl(func() C.int {
		var n C.int
		if rc := C.MPI_Info_get_nkeys(toInfo(h), &n); rc != C.MPI_SUCCESS {
			return rc
		}
		buf := make([]byte, C.MPI_MAX_INFO_KEY+1)
		for i := range int(n) {
			if rc := C.MPI_Info_get_nthkey(toInfo(h), C.int(i), (*C.char)(unsafe.Pointer(&buf[0]))); rc != C.MPI_SUCCESS {
				return rc
			}
			k, _, _ := strings.Cut(string(buf), "\x00")
			keys = append(keys, k)
		}
		return C.MPI_SUCCESS
	})
	return keys, rc
}

func rawInfoFree(h infoHandle) int {
	return ctl(func() C.int {
		i := toInfo(h)
		return C.MPI_Info_free(&i)
	})
}

// ---- MPI-IO (file.go) ----

type fileHandle = C.mpigo_h

var fileNull = C.mpigo_of_file(C.MPI_FILE_NULL)

func toFile(h fileHandle) C.MPI_File { return C.mpigo_to_file(h) }

// The access modes of MPI_File_open, as fileModes (file.go) lists them.
var fileModeBits = [...]C.int{C.MPI_MODE_RDONLY, C.MPI_MODE_WRONLY, C.MPI_MODE_RDWR, C.MPI_MODE_CREATE,
	C.MPI_MODE_EXCL, C.MPI_MODE_APPEND, C.MPI_MODE_DELETE_ON_CLOSE, C.MPI_MODE_UNIQUE_OPEN, C.MPI_MODE_SEQUENTIAL}

// rawFileOpen opens name over c (MPI_File_open) with the modes of bits
// (indexes into fileModeBits).
func rawFileOpen(c commHandle, name string, bits []int, info infoHandle) (fileHandle, int) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var amode C.int
	for _, b := range bits {
		amode |= fileModeBits[b]
	}
	out := fileNull
	rc := ctl(func() C.int {
		var f C.MPI_File
		rc := C.MPI_File_open(toComm(c), cname, amode, toInfo(info), &f)
		out = C.mpigo_of_file(f)
		return rc
	})
	return out, rc
}

func rawFileDelete(name string, info infoHandle) int {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return ctl(func() C.int { return C.MPI_File_delete(cname, toInfo(info)) })
}

// The file calls of rawFileCtl.
const (
	fileClose = iota
	fileGetSize
	fileSetSize
	filePreallocate
	fileSync
	fileSeek
	fileSeekShared
	filePosition
)

// rawFileCtl runs a control call of f with argument n (a size or an
// offset; whence for the seeks) and returns its result (size, position).
func rawFileCtl(f fileHandle, call int, n int64, whence int) (int64, int) {
	var out int64
	rc := ctl(func() C.int {
		h := toFile(f)
		var off C.MPI_Offset
		var rc C.int
		switch call {
		case fileClose:
			rc = C.MPI_File_close(&h)
		case fileGetSize:
			rc = C.MPI_File_get_size(h, &off)
		case fileSetSize:
			rc = C.MPI_File_set_size(h, C.MPI_Offset(n))
		case filePreallocate:
			rc = C.MPI_File_preallocate(h, C.MPI_Offset(n))
		case fileSync:
			rc = C.MPI_File_sync(h)
		case fileSeek, fileSeekShared:
			w := [...]C.int{C.MPI_SEEK_SET, C.MPI_SEEK_CUR, C.MPI_SEEK_END}[whence]
			if call == fileSeek {
				rc = C.MPI_File_seek(h, C.MPI_Offset(n), w)
			} else {
				rc = C.MPI_File_seek_shared(h, C.MPI_Offset(n), w)
			}
		case filePosition:
			rc = C.MPI_File_get_position(h, &off)
		}
		out = int64(off)
		return rc
	})
	return out, rc
}

// rawFileView sets f's view: displacement, elementary and file types ("native").
func rawFileView(f fileHandle, disp int64, etype, ftype dtypeHandle) int {
	rep := C.CString("native")
	defer C.free(unsafe.Pointer(rep))
	return ctl(func() C.int {
		return C.MPI_File_set_view(toFile(f), C.MPI_Offset(disp), toType(etype), toType(ftype), rep, C.MPI_INFO_NULL)
	})
}

// The reads and writes of rawFileIO (a.reduce).
const (
	ioReadAt = iota
	ioWriteAt
	ioReadAtAll
	ioWriteAtAll
	ioRead
	ioWrite
	ioReadAll
	ioWriteAll
	ioReadShared
	ioWriteShared
	ioReadOrdered
	ioWriteOrdered
)

// rawFileIO reads or writes a.n elements of a.dt at a.buf in file a.comm
// (a.off for the explicit-offset calls), filling a.st; with a.nonblocking
// posts MPI_File_iread_at or MPI_File_iwrite_at instead.
func rawFileIO(a *args) C.int {
	f, off, b, n, dt := toFile(a.comm), C.MPI_Offset(a.off), a.buf, C.int(a.n), toType(a.dt)
	if a.nonblocking {
		return a.posted(func(q *C.MPI_Request) C.int {
			if a.reduce == ioReadAt {
				return C.MPI_File_iread_at(f, off, b, n, dt, q)
			}
			return C.MPI_File_iwrite_at(f, off, b, n, dt, q)
		})
	}
	var st C.MPI_Status
	var rc C.int
	switch a.reduce {
	case ioReadAt:
		rc = C.MPI_File_read_at(f, off, b, n, dt, &st)
	case ioWriteAt:
		rc = C.MPI_File_write_at(f, off, b, n, dt, &st)
	case ioReadAtAll:
		rc = C.MPI_File_read_at_all(f, off, b, n, dt, &st)
	case ioWriteAtAll:
		rc = C.MPI_File_write_at_all(f, off, b, n, dt, &st)
	case ioRead:
		rc = C.MPI_File_read(f, b, n, dt, &st)
	case ioWrite:
		rc = C.MPI_File_write(f, b, n, dt, &st)
	case ioReadAll:
		rc = C.MPI_File_read_all(f, b, n, dt, &st)
	case ioWriteAll:
		rc = C.MPI_File_write_all(f, b, n, dt, &st)
	case ioReadShared:
		rc = C.MPI_File_read_shared(f, b, n, dt, &st)
	case ioWriteShared:
		rc = C.MPI_File_write_shared(f, b, n, dt, &st)
	case ioReadOrdered:
		rc = C.MPI_File_read_ordered(f, b, n, dt, &st)
	default:
		rc = C.MPI_File_write_ordered(f, b, n, dt, &st)
	}
	if rc == C.MPI_SUCCESS {
		C.mpigo_fill(&st, &a.st)
	}
	return rc
}

// rawRRMA posts a request-based one-sided operation (a.reduce: rmaPut,
// rmaGet, rmaAccumulate, rmaGetAccumulate) on window a.comm: the target
// a.peer at displacement a.off, a.n elements of a.dt from a.buf (result
// into a.rbuf).
func rawRRMA(a *args) C.int {
	win, n, dt, to, disp := toWin(a.comm), C.int(a.n), toType(a.dt), C.int(a.peer), aint(a.off)
	return a.posted(func(q *C.MPI_Request) C.int {
		switch a.reduce {
		case rmaPut:
			return C.MPI_Rput(a.buf, n, dt, to, disp, n, dt, win, q)
		case rmaGet:
			return C.MPI_Rget(a.buf, n, dt, to, disp, n, dt, win, q)
		case rmaAccumulate:
			return C.MPI_Raccumulate(a.buf, n, dt, to, disp, n, dt, C.mpigo_to_op(a.op), win, q)
		}
		return C.MPI_Rget_accumulate(a.buf, n, dt, a.rbuf, n, dt, to, disp, n, dt, C.mpigo_to_op(a.op), win, q)
	})
}

// ---- dynamic processes (dynamic.go) ----

// cstrings copies ss into C memory as a NULL-terminated array (for argv);
// free releases it.
func cstrings(ss []string) (arr **C.char, free func()) {
	p := (**C.char)(C.malloc(C.size_t(len(ss)+1) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	v := unsafe.Slice(p, len(ss)+1)
	for i, s := range ss {
		v[i] = C.CString(s)
	}
	v[len(ss)] = nil
	return p, func() {
		for _, c := range v[:len(ss)] {
			C.free(unsafe.Pointer(c))
		}
		C.free(unsafe.Pointer(p))
	}
}

// rawSpawn starts the programs of cmds (MPI_Comm_spawn_multiple, or
// MPI_Comm_spawn for one), from root of c, and returns the intercommunicator
// and each process's error code.
func rawSpawn(c commHandle, cmds []spawnSpec, root int) (commHandle, []int, int) {
	n := len(cmds)
	total := 0
	for _, s := range cmds {
		total += s.procs
	}
	commands := make([]string, n)
	for i, s := range cmds {
		commands[i] = s.command
	}
	names, freeNames := cstrings(commands)
	defer freeNames()
	argvs := make([]**C.char, n)
	for i, s := range cmds {
		a, free := cstrings(s.args) // no arguments: an empty array, not MPI_ARGV_NULL
		defer free()
		argvs[i] = a
	}
	// The arrays go to C in C memory (cgo forbids passing Go memory that
	// holds pointers, even to C memory).
	argvArr := (***C.char)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof((**C.char)(nil)))))
	defer C.free(unsafe.Pointer(argvArr))
	copy(unsafe.Slice(argvArr, n), argvs)
	procs := (*C.int)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(C.int(0)))))
	defer C.free(unsafe.Pointer(procs))
	var anInfo C.MPI_Info // a pointer in OpenMPI, an int in MPICH
	infos := (*C.MPI_Info)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(anInfo))))
	defer C.free(unsafe.Pointer(infos))
	for i, s := range cmds {
		unsafe.Slice(procs, n)[i] = C.int(s.procs)
		unsafe.Slice(infos, n)[i] = toInfo(s.info)
	}
	codes := (*C.int)(C.malloc(C.size_t(max(total, 1)) * C.size_t(unsafe.Sizeof(C.int(0)))))
	defer C.free(unsafe.Pointer(codes))
	var out commHandle
	rc := ctl(func() C.int {
		var ic C.MPI_Comm
		rc := C.MPI_Comm_spawn_multiple(C.int(n), names, argvArr, procs, infos, C.int(root), toComm(c), &ic, codes)
		out = C.mpigo_of_comm(ic)
		return rc
	})
	errs := make([]int, total)
	for i, e := range unsafe.Slice(codes, max(total, 1))[:total] {
		errs[i] = int(e)
	}
	return out, errs, rc
}

// rawParent returns the intercommunicator to the parent job, or commNull.
func rawParent() (commHandle, int) {
	var out commHandle
	rc := ctl(func() C.int {
		var p C.MPI_Comm
		rc := C.MPI_Comm_get_parent(&p)
		out = C.mpigo_of_comm(p)
		return rc
	})
	return out, rc
}

func rawDisconnect(c commHandle) int {
	return ctl(func() C.int {
		comm := toComm(c)
		return C.MPI_Comm_disconnect(&comm)
	})
}

// rawOpenPort returns a new port name (MPI_Open_port).
func rawOpenPort(info infoHandle) (string, int) {
	buf := (*C.char)(C.malloc(C.MPI_MAX_PORT_NAME + 1))
	defer C.free(unsafe.Pointer(buf))
	rc := ctl(func() C.int { return C.MPI_Open_port(toInfo(info), buf) })
	return C.GoString(buf), rc
}

func rawClosePort(port string) int {
	p := C.CString(port)
	defer C.free(unsafe.Pointer(p))
	return ctl(func() C.int { return C.MPI_Close_port(p) })
}

// rawConnect is MPI_Comm_accept, or with connect MPI_Comm_connect.
func rawConnect(port string, info infoHandle, root int, c commHandle, connect bool) (commHandle, int) {
	p := C.CString(port)
	defer C.free(unsafe.Pointer(p))
	var out commHandle
	rc := ctl(func() C.int {
		var ic C.MPI_Comm
		var rc C.int
		if connect {
			rc = C.MPI_Comm_connect(p, toInfo(info), C.int(root), toComm(c), &ic)
		} else {
			rc = C.MPI_Comm_accept(p, toInfo(info), C.int(root), toComm(c), &ic)
		}
		out = C.mpigo_of_comm(ic)
		return rc
	})
	return out, rc
}

// rawNameService publishes (op 0), unpublishes (1) or looks up (2) service.
func rawNameService(op int, service, port string, info infoHandle) (string, int) {
	s, p := C.CString(service), C.CString(port)
	defer C.free(unsafe.Pointer(s))
	defer C.free(unsafe.Pointer(p))
	buf := (*C.char)(C.malloc(C.MPI_MAX_PORT_NAME + 1))
	defer C.free(unsafe.Pointer(buf))
	*buf = 0
	rc := ctl(func() C.int {
		switch op {
		case 0:
			return C.MPI_Publish_name(s, toInfo(info), p)
		case 1:
			return C.MPI_Unpublish_name(s, toInfo(info), p)
		}
		return C.MPI_Lookup_name(s, toInfo(info), buf)
	})
	return C.GoString(buf), rc
}
