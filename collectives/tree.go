package collectives

import (
	"slices"
	"sync"
	"sync/atomic"
)

// tree is a broadcast tree over ranks relative to the root (vrank 0 is the
// root): parent[v] (-1 for the root) and children[v] in sending order.
// Trees are read-only once built, and each is built once per shape and
// kept (see cached): building one per call, with its height and rounds,
// cost 0.4 µs, as much as the 8-byte broadcast it served.
type tree struct {
	parent   []int
	children [][]int
	// Kept with the tree: height() and rounds(1).
	hops, rounds1 int
}

type treeKey struct {
	kind string
	p, k int
}

var (
	treesMu sync.RWMutex
	trees   = map[treeKey]tree{}
)

// cached returns the tree of key, built by build the first time.
func cached(key treeKey, build func() tree) tree {
	treesMu.RLock()
	t, ok := trees[key]
	treesMu.RUnlock()
	if !ok {
		t = build().measured()
		treesMu.Lock()
		trees[key] = t
		treesMu.Unlock()
	}
	return t
}

// measured returns t with its height and one-segment rounds kept.
func (t tree) measured() tree {
	t.hops, t.rounds1 = t.height(), t.rounds(1)
	return t
}

func newTree(p int) tree { return tree{parent: make([]int, p), children: make([][]int, p)} }

func (t tree) link(parent, child int) {
	t.parent[child] = parent
	t.children[parent] = append(t.children[parent], child)
}

// height is the number of hops from the root to the farthest rank.
func (t tree) height() int {
	if t.hops > 0 {
		return t.hops
	}
	h := 0
	for v := range t.parent {
		d := 0
		for u := v; t.parent[u] >= 0; u = t.parent[u] {
			d++
		}
		h = max(h, d)
	}
	return h
}

// flatTree: the root sends to every other rank. Cost (p-1)(α + nβ).
func flatTree(p int) tree { return cached(treeKey{"flat", p, 0}, func() tree { return buildFlat(p) }) }

func buildFlat(p int) tree {
	t := newTree(p)
	t.parent[0] = -1
	for v := 1; v < p; v++ {
		t.link(0, v)
	}
	return t
}

// binomialTree: in round k every rank that has the data sends it 2^k ranks
// on; the largest subtree is served first. Cost ⌈lg p⌉(α + nβ).
func binomialTree(p int) tree {
	return cached(treeKey{"binomial", p, 0}, func() tree { return buildBinomial(p) })
}

func buildBinomial(p int) tree {
	t := newTree(p)
	t.parent[0] = -1
	top := 1
	for top < p {
		top <<= 1
	}
	for v := range p {
		// v's children are v+2^k for 2^k below v's lowest set bit (or below top for the root).
		limit := top
		if v > 0 {
			limit = v & -v
		}
		for k := limit >> 1; k > 0; k >>= 1 {
			if v+k < p {
				t.link(v, v+k)
			}
		}
	}
	return t
}

// karyTree: rank v's children are kv+1 … kv+k. Cost ⌈log_k((k-1)p+1)⌉-1 levels of k(α + nβ).
func karyTree(p, k int) tree {
	return cached(treeKey{"kary", p, k}, func() tree { return buildKary(p, k) })
}

func buildKary(p, k int) tree {
	t := newTree(p)
	t.parent[0] = -1
	for v := 1; v < p; v++ {
		t.link((v-1)/k, v)
	}
	return t
}

// chainTree: rank v sends to v+1. Pipelined in s segments: (p-2+s)(α + nβ/s).
func chainTree(p int) tree {
	return cached(treeKey{"chain", p, 0}, func() tree { return buildChain(p) })
}

func buildChain(p int) tree {
	t := newTree(p)
	t.parent[0] = -1
	for v := 1; v < p; v++ {
		t.link(v-1, v)
	}
	return t
}

// rounds is the number of steps until every rank has all s segments, if each
// message takes one step and a rank sends one message at a time: segment j
// goes to a rank's children in order, once the rank has it and has sent
// segment j-1 to all of them.
func (t tree) rounds(segments int) int {
	if segments <= 1 && t.rounds1 > 0 {
		return t.rounds1
	}
	p := len(t.parent)
	order := []int{0} // breadth-first, so parents come before children
	for i := 0; i < len(order); i++ {
		order = append(order, t.children[order[i]]...)
	}
	arrive, free := make([]int, p), make([]int, p)
	last := 0
	for range max(segments, 1) {
		for _, v := range order {
			step := max(arrive[v], free[v])
			for _, c := range t.children[v] {
				step++
				arrive[c] = step
				last = max(last, step)
			}
			free[v] = step
		}
	}
	return last
}

// hierarchicalTree: the root's host first, a binomial tree over one leader
// per host (the root, or the host's lowest rank), then a binomial tree inside
// each host from its leader. Vertices are relative ranks, as in every tree here.
// The last one built is kept, for the same hosts and root.
func hierarchicalTree(hosts []int, root int) tree {
	if h := lastHierarchical.Load(); h != nil && h.root == root && slices.Equal(h.hosts, hosts) {
		return h.tree
	}
	t := buildHierarchical(hosts, root).measured()
	lastHierarchical.Store(&hierarchical{slices.Clone(hosts), root, t})
	return t
}

type hierarchical struct {
	hosts []int
	root  int
	tree  tree
}

var lastHierarchical atomic.Pointer[hierarchical]

func buildHierarchical(hosts []int, root int) tree {
	p := len(hosts)
	// Members of each host in rank order from the root (the leader first).
	var order []int // hosts by first appearance from the root
	members := map[int][]int{}
	for v := range p {
		h := hosts[(v+root)%p]
		if _, ok := members[h]; !ok {
			order = append(order, h)
		}
		members[h] = append(members[h], v)
	}
	t := newTree(p)
	t.parent[0] = -1
	leaders := make([]int, len(order))
	for i, h := range order {
		leaders[i] = members[h][0]
	}
	attach := func(group []int) { // a binomial tree over group, rooted at group[0]
		sub := binomialTree(len(group))
		for i := 1; i < len(group); i++ {
			t.link(group[sub.parent[i]], group[i])
		}
	}
	attach(leaders)
	for _, h := range order {
		attach(members[h])
	}
	return t
}
