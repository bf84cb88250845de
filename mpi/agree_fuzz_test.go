package mpi

import (
	"testing"
)

// The agreement's arithmetic, fuzzed against a direct comparison written
// apart from it: the summed hashes say "agreed" exactly when every rank's
// shape is rank 0's and every pair's claims match (hash collisions aside,
// which a fuzzer does not find in 2^64).

// agreedBySums is what agreeShapes decides from each rank's shape.
func agreedBySums(shapes []shape) bool {
	var sum [5]uint64
	for r, s := range shapes {
		v := s.vector(r, len(shapes), nil)
		for i := range sum {
			sum[i] += v[i]
		}
	}
	return sumsAgree(sum)
}

func FuzzAgreement(f *testing.F) {
	f.Add(uint8(3), []byte{0, 0, 0, 0, 0, 0}, []byte{2, 2, 2, 2, 2, 2, 2, 2, 2})
	f.Add(uint8(2), []byte{0, 1}, []byte{1, 1, 1, 2})
	f.Add(uint8(4), []byte{5, 5, 5, 5}, []byte{})
	f.Fuzz(func(t *testing.T, ranks uint8, facts, matrix []byte) {
		p := int(ranks%6) + 1
		at := func(b []byte, i int) byte {
			if len(b) == 0 {
				return 0
			}
			return b[i%len(b)]
		}
		// Each rank's uniform facts, from the input.
		shapes := make([]shape, p)
		for r := range shapes {
			x := at(facts, r)
			shapes[r] = shape{call: []string{"Bcast", "Allreduce", "Ibcast"}[x%3], root: int64(x>>2) % 3, op: int64(x>>4) % 2, bytes: int64(x >> 5)}
		}
		// Alltoallv-like claims: rank i sends send[i][j] to j, and j expects recv[j][i] from i.
		send, recv := make([][]int64, p), make([][]int64, p)
		for i := range p {
			send[i], recv[i] = make([]int64, p), make([]int64, p)
			for j := range p {
				send[i][j] = int64(at(matrix, 2*(i*p+j)) % 4)
				recv[i][j] = int64(at(matrix, 2*(j*p+i)+1) % 4)
			}
		}
		for i := range p {
			for j := range p {
				shapes[i].claims = append(shapes[i].claims, claim{from: i, to: j, bytes: send[i][j], send: true}, claim{from: j, to: i, bytes: recv[i][j]})
			}
		}
		want := true // the oracle: compare directly
		for r := range p {
			a, b := shapes[r], shapes[0]
			want = want && a.call == b.call && a.root == b.root && a.op == b.op && a.bytes == b.bytes
		}
		for i := range p {
			for j := range p {
				want = want && send[i][j] == recv[j][i]
			}
		}
		if got := agreedBySums(shapes); got != want {
			t.Fatalf("%d ranks: sums say agreed=%v, direct comparison %v", p, got, want)
		}
	})
}
