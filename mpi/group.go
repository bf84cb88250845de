package mpi

import (
	"fmt"
	"sync/atomic"
)

// Group is an ordered set of processes (MPI_Group), without a message
// context: made from a communicator (Comm.Group), changed by set operations,
// and made into a communicator again (Comm.Create, Comm.CreateGroup). Group
// operations are local. Free releases a group; a freed one is ErrGroup. A
// Group is safe for use by several goroutines.
type Group struct {
	h          groupHandle
	rank, size int
	predefined bool
	freed      atomic.Bool
}

// Comparison is the result of comparing two groups or communicators
// (MPI_Group_compare, MPI_Comm_compare).
type Comparison int

const (
	Ident     Comparison = iota // MPI_IDENT: the same object (communicators) or members in the same order (groups)
	Congruent                   // MPI_CONGRUENT: communicators with the same members in the same order
	Similar                     // MPI_SIMILAR: the same members in another order
	Unequal                     // MPI_UNEQUAL
)

func (c Comparison) String() string {
	switch c {
	case Ident:
		return "ident"
	case Congruent:
		return "congruent"
	case Similar:
		return "similar"
	}
	return "unequal"
}

// GroupEmpty returns the group with no members (MPI_GROUP_EMPTY).
func GroupEmpty() *Group { return &Group{h: groupEmpty, rank: Undefined, predefined: true} }

// newGroup runs make, a call that makes a group, and wraps the group.
func newGroup(op string, make func(out *groupHandle) int) (*Group, error) {
	h := groupNull
	if err := mpiError(op, make(&h)); err != nil {
		return nil, err
	}
	if h == groupEmpty {
		return GroupEmpty(), nil
	}
	var r, s int
	rc := mpiGroupRank(h, &r)
	if rc == rcSuccess {
		rc = mpiGroupSize(h, &s)
	}
	if r == mpiUndefined {
		r = Undefined
	}
	if err := mpiError(op, rc); err != nil {
		return nil, err
	}
	return &Group{h: h, rank: r, size: s}, nil
}

// Group returns the group of c's ranks (MPI_Comm_group), the local group of
// an intercommunicator.
func (c *Comm) Group() (*Group, error) {
	if err := c.check("Group"); err != nil {
		return nil, err
	}
	return newGroup("Group", func(out *groupHandle) int { return mpiCommGroup(c.h, out) })
}

// RemoteGroup returns the remote group of intercommunicator c (MPI_Comm_remote_group).
func (c *Comm) RemoteGroup() (*Group, error) {
	if err := c.check("RemoteGroup"); err != nil {
		return nil, err
	}
	if !c.inter {
		return nil, errorf(ClassComm, "RemoteGroup", "not an intercommunicator")
	}
	return newGroup("RemoteGroup", func(out *groupHandle) int { return mpiCommRemoteGroup(c.h, out) })
}

// Rank returns the caller's rank in g, or Undefined if it is not a member (MPI_Group_rank).
func (g *Group) Rank() int { return g.rank }

// Size returns the number of members of g (MPI_Group_size).
func (g *Group) Size() int { return g.size }

func (g *Group) String() string { return fmt.Sprintf("group of %d", g.size) }

func (g *Group) check(op string) error {
	if err := checkState(op); err != nil {
		return err
	}
	if g == nil {
		return errorf(ClassGroup, op, "nil group")
	}
	if g.freed.Load() {
		return errorf(ClassGroup, op, "group has been freed")
	}
	return nil
}

// checkMembers checks that ranks are distinct ranks of g.
func (g *Group) checkMembers(op string, ranks []int) error {
	seen := make(map[int]bool, len(ranks))
	for _, r := range ranks {
		if r < 0 || r >= g.size {
			return errorf(ClassRank, op, "rank %d out of range [0, %d)", r, g.size)
		}
		if seen[r] {
			return errorf(ClassRank, op, "rank %d given twice", r)
		}
		seen[r] = true
	}
	return nil
}

// Incl returns the group of g's members ranks, in that order (MPI_Group_incl).
func (g *Group) Incl(ranks []int) (*Group, error) { return g.subset("Incl", mpiGroupIncl, ranks) }

// Excl returns g without its members ranks (MPI_Group_excl).
func (g *Group) Excl(ranks []int) (*Group, error) { return g.subset("Excl", mpiGroupExcl, ranks) }

func (g *Group) subset(op string, call func(groupHandle, int, []int, *groupHandle) int, ranks []int) (*Group, error) {
	if err := g.check(op); err != nil {
		return nil, err
	}
	if err := g.checkMembers(op, ranks); err != nil {
		return nil, err
	}
	return newGroup(op, func(out *groupHandle) int { return call(g.h, len(ranks), ranks, out) })
}

// Range is a range of ranks for RangeIncl and RangeExcl: First, First+Stride,
// … up to and including Last (MPI's triplets).
type Range struct{ First, Last, Stride int }

// RangeIncl returns the group of g's members in ranges, in order (MPI_Group_range_incl).
func (g *Group) RangeIncl(ranges []Range) (*Group, error) {
	return g.ranges("RangeIncl", mpiGroupRangeIncl, ranges)
}

// RangeExcl returns g without its members in ranges (MPI_Group_range_excl).
func (g *Group) RangeExcl(ranges []Range) (*Group, error) {
	return g.ranges("RangeExcl", mpiGroupRangeExcl, ranges)
}

func (g *Group) ranges(op string, call func(groupHandle, int, [][3]int, *groupHandle) int, ranges []Range) (*Group, error) {
	if err := g.check(op); err != nil {
		return nil, err
	}
	var all []int
	triples := make([][3]int, 0, len(ranges))
	for _, r := range ranges {
		if r.Stride == 0 || (r.Last-r.First)*r.Stride < 0 {
			return nil, errorf(ClassArg, op, "range %d…%d by %d is empty or endless", r.First, r.Last, r.Stride)
		}
		for x := r.First; r.Stride > 0 && x <= r.Last || r.Stride < 0 && x >= r.Last; x += r.Stride {
			all = append(all, x)
			if len(all) > g.size {
				break
			}
		}
		triples = append(triples, [3]int{r.First, r.Last, r.Stride})
	}
	if err := g.checkMembers(op, all); err != nil {
		return nil, err
	}
	return newGroup(op, func(out *groupHandle) int { return call(g.h, len(triples), triples, out) })
}

// Union returns the members of g, then those of h not in g (MPI_Group_union).
func (g *Group) Union(h *Group) (*Group, error) { return g.combine("Union", mpiGroupUnion, h) }

// Intersection returns the members of g that are in h, in g's order (MPI_Group_intersection).
func (g *Group) Intersection(h *Group) (*Group, error) {
	return g.combine("Intersection", mpiGroupIntersection, h)
}

// Difference returns the members of g that are not in h (MPI_Group_difference).
func (g *Group) Difference(h *Group) (*Group, error) {
	return g.combine("Difference", mpiGroupDifference, h)
}

func (g *Group) combine(op string, call func(a, b groupHandle, out *groupHandle) int, h *Group) (*Group, error) {
	if err := g.check(op); err != nil {
		return nil, err
	}
	if err := h.check(op); err != nil {
		return nil, err
	}
	return newGroup(op, func(out *groupHandle) int { return call(g.h, h.h, out) })
}

// TranslateRanks returns the ranks in to of g's members ranks, Undefined for
// those not in to (MPI_Group_translate_ranks).
func (g *Group) TranslateRanks(ranks []int, to *Group) ([]int, error) {
	const op = "TranslateRanks"
	if err := g.check(op); err != nil {
		return nil, err
	}
	if err := to.check(op); err != nil {
		return nil, err
	}
	for _, r := range ranks {
		if r < 0 || r >= g.size {
			return nil, errorf(ClassRank, op, "rank %d out of range [0, %d)", r, g.size)
		}
	}
	if len(ranks) == 0 {
		return []int{}, nil
	}
	got := make([]int, len(ranks))
	if err := mpiError(op, mpiGroupTranslateRanks(g.h, len(ranks), ranks, to.h, got)); err != nil {
		return nil, err
	}
	out := make([]int, len(got))
	for i, r := range got {
		out[i] = r
		if out[i] < 0 { // MPI_UNDEFINED
			out[i] = Undefined
		}
	}
	return out, nil
}

// Compare compares g and h (MPI_Group_compare): Ident if they have the same
// members in the same order, Similar in another order, else Unequal.
func (g *Group) Compare(h *Group) (Comparison, error) {
	if err := g.check("Group.Compare"); err != nil {
		return Unequal, err
	}
	if err := h.check("Group.Compare"); err != nil {
		return Unequal, err
	}
	var r int
	rc := mpiGroupCompare(g.h, h.h, &r)
	k, _ := enumComparison.fromC(r)
	return k, mpiError("Group.Compare", rc)
}

// Free releases g (MPI_Group_free); communicators made from it are not
// affected. An empty group (GroupEmpty, or the result of a set operation) is
// MPI's own and only marked freed.
func (g *Group) Free() error {
	if err := g.check("Group.Free"); err != nil {
		return err
	}
	if g.freed.Swap(true) {
		return errorf(ClassGroup, "Group.Free", "group has been freed")
	}
	if g.predefined {
		return nil
	}
	h := g.h
	return mpiError("Group.Free", mpiGroupFree(&h))
}

// Create returns the communicator of the members of g, a subgroup of c's
// group (MPI_Comm_create): collective over c, every rank passing the same
// group; ranks outside g get a nil *Comm.
func (c *Comm) Create(g *Group) (*Comm, error) { return c.create("Create", g, false, 0) }

// CreateGroup is Create collective over the members of g only, which all
// call it with the same tag (MPI_Comm_create_group); a rank outside g gets
// ErrGroup without calling MPI.
func (c *Comm) CreateGroup(g *Group, tag int) (*Comm, error) {
	return c.create("CreateGroup", g, true, tag)
}

func (c *Comm) create(op string, g *Group, byGroup bool, tag int) (*Comm, error) {
	err := c.check(op)
	if err == nil {
		err = g.check(op)
	}
	if err == nil && byGroup {
		if g.rank == Undefined { // no member waits for it
			return nil, errorf(ClassGroup, op, "this rank is not a member of the group")
		}
		err = checkTag(op, tag, false)
	}
	if byGroup && err != nil && !seenByAll(err) {
		// Only the group's members call CreateGroup, and no communicator
		// holds just them yet to agree over.
		abortOnArgError(c, op, err)
	}
	if err := c.enter(op, err); err != nil {
		return nil, err
	}
	return c.split(op, func(h *commHandle) int {
		if byGroup {
			return mpiCommCreateGroup(c.h, g.h, tag, h)
		}
		return mpiCommCreate(c.h, g.h, h)
	})
}
