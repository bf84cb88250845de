package collectives

import "fmt"

const scatterTag, gatherTag = 0x7363, 0x6761

// ScatterAlgorithms lists the names Scatter and Gather accept.
func ScatterAlgorithms() []string { return []string{"binomial", "linear"} }

// Scatter sends part i of data at rank root (p equal parts) to rank i,
// which receives it into part (len(part) bytes; data is ignored elsewhere).
// Algorithms: "linear" — the root sends each part, (p-1)(α + nβ/p); and
// "binomial" — each subtree gets its parts in one message, ⌈lg p⌉α + (p-1)/p·nβ.
func Scatter(t Transport, data, part []byte, root int, algorithm string) (Report, error) {
	return rooted(t, "scatter", data, part, root, algorithm, scatterTree)
}

// Gather collects part from every rank into data at rank root, rank i's at
// part i (data is ignored elsewhere). Algorithms as for Scatter, reversed.
func Gather(t Transport, part, data []byte, root int, algorithm string) (Report, error) {
	return rooted(t, "gather", data, part, root, algorithm,
		func(t Transport, tr tree, data, part []byte, root int) error {
			return gatherTree(t, tr, part, data, root)
		})
}

// rooted checks a scatter or gather and runs it over the algorithm's tree.
func rooted(t Transport, name string, data, part []byte, root int, algorithm string,
	run func(t Transport, tr tree, data, part []byte, root int) error) (Report, error) {
	rep := Report{Algorithm: algorithm}
	p := t.Size()
	if root < 0 || root >= p {
		return rep, fmt.Errorf("collectives: root %d out of range [0, %d)", root, p)
	}
	if t.Rank() == root && len(data) != p*len(part) {
		return rep, fmt.Errorf("collectives: %s: root buffer has %d bytes, want %d ranks × %d", name, len(data), p, len(part))
	}
	var tr tree
	switch algorithm {
	case "linear":
		tr = flatTree(p)
	case "binomial":
		tr = binomialTree(p)
	default:
		return rep, fmt.Errorf("collectives: unknown %s algorithm %q (have %v)", name, algorithm, ScatterAlgorithms())
	}
	rep.Depth, rep.Height = tr.rounds(1), tr.height()
	ct := newCounting(t)
	err := run(ct, tr, data, part, root)
	ct.fill(&rep)
	return rep, err
}

// scatterTree: each rank receives its subtree's parts from its parent and
// forwards each child's subtree its parts.
func scatterTree(t Transport, tr tree, data, part []byte, root int) error {
	p, n := t.Size(), len(part)
	v := (t.Rank() - root + p) % p
	real := func(u int) int { return (u + root) % p }
	sizes := subtreeSizes(tr)
	var mine []byte // parts of relative ranks v … v+sizes[v]-1
	if v == 0 {
		// Rotate the root's buffer into relative order.
		mine = make([]byte, p*n)
		for u := range p {
			copy(mine[u*n:(u+1)*n], data[real(u)*n:(real(u)+1)*n])
		}
	} else {
		mine = make([]byte, sizes[v]*n)
		if err := recvExactly(t, mine, real(tr.parent[v]), scatterTag); err != nil {
			return err
		}
	}
	for _, c := range tr.children[v] {
		off := (c - v) * n
		if err := t.Send(mine[off:off+sizes[c]*n], real(c), scatterTag); err != nil {
			return err
		}
	}
	copy(part, mine[:n])
	return nil
}

// gatherTree: each rank collects its children's subtrees, then sends its
// whole subtree to its parent.
func gatherTree(t Transport, tr tree, part, data []byte, root int) error {
	p, n := t.Size(), len(part)
	v := (t.Rank() - root + p) % p
	real := func(u int) int { return (u + root) % p }
	sizes := subtreeSizes(tr)
	mine := make([]byte, sizes[v]*n)
	copy(mine, part)
	for _, c := range tr.children[v] {
		off := (c - v) * n
		if err := recvExactly(t, mine[off:off+sizes[c]*n], real(c), gatherTag); err != nil {
			return err
		}
	}
	if v != 0 {
		return t.Send(mine, real(tr.parent[v]), gatherTag)
	}
	for u := range p {
		copy(data[real(u)*n:(real(u)+1)*n], mine[u*n:(u+1)*n])
	}
	return nil
}
