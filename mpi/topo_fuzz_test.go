package mpi

import "testing"

// The argument checks of GraphCreate and Darray against oracles written
// apart from them, which walk what MPI would do with the arguments: the
// graph's neighbour lists are cut from the edges by index (a cut that
// does not fit is a panic, caught), and every element of each dimension of
// a darray must have an owner on the process grid.

// graphOracle reports whether index and edges describe a graph of
// len(index) nodes (at most size) as MPI_Graph_create reads them.
func graphOracle(size int, index, edges []int) (ok bool) {
	nodes := len(index)
	if nodes < 1 || nodes > size {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	total, lo := 0, 0
	for i := range nodes {
		list := edges[lo:index[i]] // panics if index[i] < lo or past the edges
		for _, e := range list {
			if e < 0 || e >= nodes {
				return false
			}
		}
		total += len(list)
		lo = index[i]
	}
	return total == len(edges)
}

func FuzzGraphCheck(f *testing.F) {
	f.Add(3, []byte{2, 4, 6}, []byte{1, 2, 0, 2, 0, 1})
	f.Add(2, []byte{1, 1}, []byte{0})
	f.Add(2, []byte{2, 1}, []byte{0, 0})
	f.Add(1, []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, size int, ib, eb []byte) {
		size = 1 + (size&0xff)%8
		index, edges := make([]int, len(ib)%9), make([]int, len(eb)%17)
		for i := range index {
			index[i] = int(int8(ib[i]))
		}
		for i := range edges {
			edges[i] = int(int8(eb[i])) % 10
		}
		err := checkGraph("GraphCreate", len(index), size, index, edges)
		if want := graphOracle(size, index, edges); (err == nil) != want {
			t.Fatalf("size %d, index %v, edges %v: check says %v, oracle %v", size, index, edges, err, want)
		}
	})
}

// darrayOracle reports whether MPI_Type_create_darray can lay out rank's
// part: the grid is size processes, and in each dimension every element
// has an owner on it (block i/b for blocks of b, dealt cyclically in any
// case), the element and process counts within MPI's int.
func darrayOracle(size, rank int, gsizes []int, distribs []Distrib, dargs, psizes []int) bool {
	n := len(gsizes)
	if n == 0 || len(distribs) != n || len(dargs) != n || len(psizes) != n || rank < 0 || rank >= size {
		return false
	}
	procs, elems := 1.0, 1.0 // floats: the products cannot wrap
	for d := range n {
		g, p, k := gsizes[d], psizes[d], dargs[d]
		procs *= float64(p)
		elems *= float64(g)
		if g < 1 || p < 1 || k < 1 && k != DefaultDarg {
			return false
		}
		switch distribs[d] {
		case DistributeNone:
			if p != 1 {
				return false
			}
		case DistributeBlock:
			b := k
			if k == DefaultDarg {
				b = (g + p - 1) / p
			}
			for i := range g { // the owner of element i is process i/b of the dimension
				if i/b >= p {
					return false
				}
			}
		case DistributeCyclic:
		default:
			return false
		}
	}
	return procs == float64(size) && procs <= maxCount && elems <= maxCount
}

func FuzzDarrayCheck(f *testing.F) {
	f.Add(4, 1, []byte{7, 5}, []byte{1, 0}, []byte{2, 0xff}, []byte{2, 2})
	f.Add(1, 0, []byte{8, 4}, []byte{0, 0}, []byte{2, 0xff}, []byte{1, 1})
	f.Add(2, 0, []byte{6}, []byte{2}, []byte{0xff}, []byte{2})
	f.Fuzz(func(t *testing.T, size, rank int, gb, db, kb, pb []byte) {
		size, rank = 1+(size&0xff)%16, rank%20
		n := len(gb) % 4
		gsizes, distribs, dargs, psizes := make([]int, n), make([]Distrib, min(n, len(db))), make([]int, min(n, len(kb))), make([]int, min(n, len(pb)))
		for i := range gsizes {
			gsizes[i] = int(int8(gb[i])) % 40
		}
		for i := range distribs {
			distribs[i] = Distrib(int(db[i]) % 4)
		}
		for i := range dargs {
			dargs[i] = int(int8(kb[i])) % 12
		}
		for i := range psizes {
			psizes[i] = int(int8(pb[i])) % 9
		}
		err := checkDarray(size, rank, gsizes, distribs, dargs, psizes)
		if want := darrayOracle(size, rank, gsizes, distribs, dargs, psizes); (err == nil) != want {
			t.Fatalf("size %d rank %d gsizes %v distribs %v dargs %v psizes %v: check says %v, oracle %v",
				size, rank, gsizes, distribs, dargs, psizes, err, want)
		}
	})
}
