package collectives_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mpigo/mpigo/collectives"
	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

func TestScatterGatherLocal(t *testing.T) {
	for _, algo := range []string{"linear", "binomial"} {
		for p := 1; p <= 17; p++ {
			for root := range p {
				for _, n := range []int{0, 1, 13} {
					t.Run(fmt.Sprintf("%s/p=%d/root=%d/n=%d", algo, p, root, n), func(t *testing.T) {
						whole := payload(p*n, root)
						parts := make([][]byte, p)
						gathered := make([]byte, p*n)
						runLocal(t, p, func(tr collectives.Transport) (collectives.Report, error) {
							part := make([]byte, n)
							var data []byte
							if tr.Rank() == root {
								data = whole
							}
							if _, err := collectives.Scatter(tr, data, part, root, algo); err != nil {
								return collectives.Report{}, err
							}
							parts[tr.Rank()] = part
							var into []byte
							if tr.Rank() == root {
								into = gathered
							}
							return collectives.Gather(tr, part, into, root, algo)
						})
						for r := range p {
							if !bytes.Equal(parts[r], whole[r*n:(r+1)*n]) {
								t.Fatalf("Scatter: rank %d got %v, want %v", r, parts[r], whole[r*n:(r+1)*n])
							}
						}
						if !bytes.Equal(gathered, whole) {
							t.Fatalf("Gather: %v, want %v", gathered, whole)
						}
					})
				}
			}
		}
	}
}

// matmul multiplies 2×2 matrices (row-major): not commutative.
func matmul(a, b [4]int64) [4]int64 {
	return [4]int64{a[0]*b[0] + a[1]*b[2], a[0]*b[1] + a[1]*b[3], a[2]*b[0] + a[3]*b[2], a[2]*b[1] + a[3]*b[3]}
}

func TestAllreduceLocal(t *testing.T) {
	sum := collectives.NewReduction(func(a, b int64) int64 { return a + b }, true)
	for _, algo := range collectives.AllreduceAlgorithms() {
		for p := 1; p <= 17; p++ {
			for _, n := range []int{0, 1, 7, 100} {
				reps := make([][]int64, p)
				runLocal(t, p, func(tr collectives.Transport) (collectives.Report, error) {
					data := make([]int64, n)
					for i := range data {
						data[i] = int64(tr.Rank()*1000 + i)
					}
					reps[tr.Rank()] = data
					return collectives.Allreduce(tr, data, sum, algo)
				})
				for r := range p {
					for i := range n {
						want := int64(1000*p*(p-1)/2 + p*i)
						if reps[r][i] != want {
							t.Fatalf("%s p=%d n=%d: rank %d element %d is %d, want %d", algo, p, n, r, i, reps[r][i], want)
						}
					}
				}
			}
		}
	}
	// float64 sums through gonum's kernel, exact on integers.
	for _, algo := range []string{"recursive-doubling", "ring"} {
		got := make([][]float64, 5)
		runLocal(t, 5, func(tr collectives.Transport) (collectives.Report, error) {
			got[tr.Rank()] = []float64{float64(tr.Rank()), 0.5, 1e6}
			return collectives.Allreduce(tr, got[tr.Rank()], collectives.SumFloat64, algo)
		})
		for r := range 5 {
			if got[r][0] != 10 || got[r][1] != 2.5 || got[r][2] != 5e6 {
				t.Fatalf("%s float64 sum: rank %d got %v", algo, r, got[r])
			}
		}
	}
	// Non-commutative: the product of the ranks' matrices in rank order.
	mul := collectives.NewReduction(matmul, false)
	for p := 1; p <= 9; p++ {
		mat := func(r int) [4]int64 { return [4]int64{1, int64(r + 1), int64(r % 3), 1} }
		want := mat(0)
		for r := 1; r < p; r++ {
			want = matmul(want, mat(r))
		}
		got := make([][4]int64, p)
		runLocal(t, p, func(tr collectives.Transport) (collectives.Report, error) {
			d := []([4]int64){mat(tr.Rank())}
			rep, err := collectives.Allreduce(tr, d, mul, "ordered")
			got[tr.Rank()] = d[0]
			return rep, err
		})
		for r := range p {
			if got[r] != want {
				t.Fatalf("ordered matrix product p=%d: rank %d got %v, want %v", p, r, got[r], want)
			}
		}
	}
}

func TestBarrierLocal(t *testing.T) {
	for p := 1; p <= 17; p++ {
		reps := runLocal(t, p, func(tr collectives.Transport) (collectives.Report, error) { return collectives.Barrier(tr) })
		rounds := 0
		for k := 1; k < p; k <<= 1 {
			rounds++
		}
		if reps[0].Depth != rounds || reps[0].Messages != rounds {
			t.Fatalf("p=%d: depth %d, %d messages; want ⌈lg p⌉ = %d of each", p, reps[0].Depth, reps[0].Messages, rounds)
		}
	}
}

func TestCollectiveMetrics(t *testing.T) {
	// Ring allreduce on 4 ranks, 8 int64 (64 bytes): 2(p-1) = 6 messages of n/p = 16 bytes per rank.
	reps := runLocal(t, 4, func(tr collectives.Transport) (collectives.Report, error) {
		return collectives.Allreduce(tr, make([]int64, 8), collectives.NewReduction(func(a, b int64) int64 { return a + b }, true), "ring")
	})
	for r, rep := range reps {
		if rep.Messages != 6 || rep.Bytes != 96 || rep.Depth != 6 {
			t.Errorf("ring allreduce rank %d: %+v; want 6 messages, 96 bytes, depth 6", r, rep)
		}
	}
	// Recursive doubling on 8: 3 exchanges of everything per rank.
	reps = runLocal(t, 8, func(tr collectives.Transport) (collectives.Report, error) {
		return collectives.Allreduce(tr, make([]int64, 8), collectives.NewReduction(func(a, b int64) int64 { return a + b }, true), "recursive-doubling")
	})
	if reps[0].Messages != 3 || reps[0].Bytes != 192 || reps[0].Depth != 3 {
		t.Errorf("recursive doubling rank 0: %+v; want 3 messages, 192 bytes, depth 3", reps[0])
	}
	// Binomial scatter on 8 of 1-byte parts: the root sends 4+2+1 bytes in 3 messages.
	reps = runLocal(t, 8, func(tr collectives.Transport) (collectives.Report, error) {
		var data []byte
		if tr.Rank() == 0 {
			data = make([]byte, 8)
		}
		return collectives.Scatter(tr, data, make([]byte, 1), 0, "binomial")
	})
	if reps[0].Messages != 3 || reps[0].Bytes != 7 || reps[0].Depth != 3 {
		t.Errorf("binomial scatter root: %+v; want 3 messages, 7 bytes, depth 3", reps[0])
	}
}

func TestReduceBadInput(t *testing.T) {
	tr := collectives.NewLocal(2)[0]
	sum := collectives.NewReduction(func(a, b int) int { return a + b }, true)
	mul := collectives.NewReduction(func(a, b int) int { return a * b }, false)
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"unknown allreduce", second(collectives.Allreduce(tr, []int{1}, sum, "bogus")), "unknown allreduce algorithm"},
		{"non-commutative ring", second(collectives.Allreduce(tr, []int{1}, mul, "ring")), "needs a commutative reduction"},
		{"nil function", second(collectives.Allreduce(tr, []int{1}, collectives.Reduction[int]{}, "ring")), "nil reduction"},
		{"pointers", second(collectives.Allreduce(tr, []*int{nil}, collectives.NewReduction(func(a, b *int) *int { return a }, true), "ring")), "holds pointers"},
		{"unknown scatter", second(collectives.Scatter(tr, make([]byte, 2), make([]byte, 1), 0, "bogus")), "unknown scatter algorithm"},
		{"scatter root", second(collectives.Scatter(tr, nil, make([]byte, 1), 2, "linear")), "root 2 out of range"},
		{"scatter sizes", second(collectives.Scatter(tr, make([]byte, 3), make([]byte, 1), 0, "linear")), "want 2 ranks × 1"},
		{"gather sizes", second(collectives.Gather(tr, make([]byte, 2), make([]byte, 3), 0, "binomial")), "want 2 ranks × 2"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, c.err, c.want)
		}
	}
}

func second(_ collectives.Report, err error) error { return err }

// Under mpiexec: the same results as the native calls.
func TestScatterGatherAllreduceMatchNative(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		tr := collectives.FromComm(w)
		p, r := w.Size(), w.Rank()
		for _, n := range []int{0, 1, 5000} {
			for root := range p {
				whole := payload(p*n, root+n)
				for _, algo := range []string{"linear", "binomial"} {
					native, ours := make([]byte, n), make([]byte, n)
					must(t, w.Scatter(mpi.Buf(whole), mpi.Buf(native), root))
					_, err := collectives.Scatter(tr, whole, ours, root, algo)
					must(t, err)
					if !bytes.Equal(native, ours) {
						t.Fatalf("Scatter %s differs from MPI_Scatter", algo)
					}
					gn, gours := make([]byte, p*n), make([]byte, p*n)
					must(t, w.Gather(mpi.Buf(ours), mpi.Buf(gn), root))
					_, err = collectives.Gather(tr, ours, gours, root, algo)
					must(t, err)
					if r == root && !bytes.Equal(gn, gours) {
						t.Fatalf("Gather %s differs from MPI_Gather", algo)
					}
				}
			}
			for _, algo := range collectives.AllreduceAlgorithms() {
				mine := make([]int64, n)
				for i := range mine {
					mine[i] = int64(r*7919 + i*3)
				}
				native := make([]int64, n)
				must(t, w.Allreduce(mpi.Buf(mine), mpi.Buf(native), mpi.Sum))
				_, err := collectives.Allreduce(tr, mine, collectives.NewReduction(func(a, b int64) int64 { return a + b }, true), algo)
				must(t, err)
				for i := range native {
					if native[i] != mine[i] {
						t.Fatalf("Allreduce %s element %d: %d, MPI_Allreduce %d", algo, i, mine[i], native[i])
					}
				}
			}
		}
		_, err := collectives.Barrier(tr)
		must(t, err)
	}, mpitest.Ranks(2, 3, 4))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
