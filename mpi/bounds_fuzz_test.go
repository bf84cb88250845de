package mpi

import (
	"math"
	"math/big"
	"testing"
)

// The bounds checks against an oracle in arbitrary-precision arithmetic,
// written apart from them: count elements of a datatype (true lower bound,
// true extent, extent) laid at byte base of a region of size bytes stay
// inside it exactly when every byte they reach does. Run longer with
// `go test -run ^$ -fuzz FuzzTypedReach ./mpi/` (make fuzz).

// reachOracle reports whether the bytes reached lie inside [0, size).
func reachOracle(base, count, trueLB, trueExtent, extent, size int64) bool {
	if count <= 0 {
		return true
	}
	b := func(x int64) *big.Int { return big.NewInt(x) }
	step := new(big.Int).Mul(b(count-1), b(extent))
	lo := new(big.Int).Add(b(base), b(trueLB))
	hi := new(big.Int).Add(lo, b(trueExtent))
	if step.Sign() < 0 {
		lo.Add(lo, step)
	} else {
		hi.Add(hi, step)
	}
	return lo.Cmp(hi) == 0 || lo.Sign() >= 0 && hi.Cmp(b(size)) <= 0
}

func FuzzTypedReach(f *testing.F) {
	f.Add(int64(0), int64(4), int64(0), int64(8), int64(8), int64(32))
	f.Add(int64(0), int64(2), int64(0), int64(8), int64(math.MinInt64/2), int64(64)) // Resized, huge negative extent
	f.Add(int64(0), int64(3), int64(0), int64(8), int64(math.MinInt64+7), int64(64))
	f.Add(int64(1<<62), int64(1), int64(1<<62), int64(8), int64(8), int64(math.MaxInt64))
	f.Add(int64(0), int64(math.MaxInt32), int64(math.MaxInt64-4), int64(8), int64(1), int64(math.MaxInt64))
	f.Add(int64(40), int64(2), int64(-40), int64(8), int64(-8), int64(64))
	f.Fuzz(func(t *testing.T, base, count, trueLB, trueExtent, extent, size int64) {
		if trueExtent < 0 || size < 0 || base < 0 { // MPI's true extents, and sizes, are never negative
			return
		}
		count &= math.MaxInt32 // counts are C ints
		want := reachOracle(base, count, trueLB, trueExtent, extent, size)
		lo, hi, ok := typedReach(count, trueLB, trueExtent, extent)
		got := ok && rangeInside(base, lo, hi, size)
		if got != want {
			t.Fatalf("base %d, %d elements (true lb %d, true extent %d, extent %d), size %d: check says inside=%v (lo %d hi %d ok %v), oracle %v",
				base, count, trueLB, trueExtent, extent, size, got, lo, hi, ok, want)
		}
	})
}

func FuzzCheckedArithmetic(f *testing.F) {
	f.Add(int64(math.MaxInt64), int64(1))
	f.Add(int64(math.MinInt64), int64(-1))
	f.Add(int64(1<<32), int64(1<<31))
	f.Add(int64(-1<<32), int64(1<<31))
	f.Fuzz(func(t *testing.T, a, b int64) {
		big64 := func(x *big.Int) (int64, bool) { return x.Int64(), x.IsInt64() }
		ws, wok := big64(new(big.Int).Add(big.NewInt(a), big.NewInt(b)))
		if s, ok := addInt64(a, b); ok != wok || ok && s != ws {
			t.Fatalf("addInt64(%d, %d) = %d, %v; want %d, %v", a, b, s, ok, ws, wok)
		}
		wp, wok := big64(new(big.Int).Mul(big.NewInt(a), big.NewInt(b)))
		if p, ok := mulInt64(a, b); ok != wok || ok && p != wp {
			t.Fatalf("mulInt64(%d, %d) = %d, %v; want %d, %v", a, b, p, ok, wp, wok)
		}
	})
}

// The v-collectives' parts: accepted exactly when every part lies inside
// the buffer and every count and displacement is one a C int holds.
func FuzzPartList(f *testing.F) {
	f.Add(int64(10), int64(3), int64(2), int64(8), int64(0))
	f.Add(int64(10), int64(math.MaxInt32), int64(math.MaxInt32), int64(-1), int64(0))
	f.Add(int64(math.MaxInt64), int64(math.MaxInt32), int64(math.MaxInt32+1), int64(1), int64(1))
	f.Add(int64(4), int64(math.MinInt64), int64(0), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, n, c0, d0, c1, d1 int64) {
		counts, displs := []int{int(c0), int(c1)}, []int{int(d0), int(d1)}
		want := n >= 0
		for i := range counts {
			c, d := big.NewInt(int64(counts[i])), big.NewInt(int64(displs[i]))
			inC := func(x *big.Int) bool { return x.Sign() >= 0 && x.Cmp(big.NewInt(math.MaxInt32)) <= 0 }
			want = want && inC(c) && inC(d) && new(big.Int).Add(c, d).Cmp(big.NewInt(n)) <= 0
		}
		if n < 0 {
			return // buffers have no negative length
		}
		err := checkPartList("fuzz", 2, counts, displs, int(n))
		if (err == nil) != want {
			t.Fatalf("n %d, counts %v, displs %v: error %v, want ok=%v", n, counts, displs, err, want)
		}
	})
}
