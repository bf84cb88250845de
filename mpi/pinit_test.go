package mpi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// A persistent collective's case: in and out lengths at p ranks (k elements
// a part), its Init, and the blocking collective it must match.
type pinitCase struct {
	name      string
	neighbor  bool // over a periodic ring (two neighbours, one of them twice at 1 rank)
	nIn, nOut func(p int) int
	init      func(c *mpi.Comm, in, out []int64) (*mpi.Request, error)
	blocking  func(c *mpi.Comm, in, out []int64) error
}

const pk = 3 // elements a part

func uniformParts(n int) (counts, displs []int) {
	for i := range n {
		counts, displs = append(counts, pk), append(displs, i*pk)
	}
	return counts, displs
}

func bufs(s []int64, n int) []mpi.Buffer {
	var b []mpi.Buffer
	for i := range n {
		b = append(b, mpi.Buf(s[i*pk:(i+1)*pk]))
	}
	return b
}

func pinitCases() []pinitCase {
	part := func(int) int { return pk }
	all := func(p int) int { return p * pk }
	two := func(int) int { return 2 * pk }
	none := func(int) int { return 0 }
	b := mpi.Buf[int64]
	return []pinitCase{
		{"Barrier", false, none, none,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) { return c.BarrierInit() },
			func(c *mpi.Comm, in, out []int64) error { return c.Barrier() }},
		{"Bcast", false, part, none,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) { return c.BcastInit(b(in), c.Size()-1) },
			func(c *mpi.Comm, in, out []int64) error { return c.Bcast(b(in), c.Size()-1) }},
		{"Scatter", false, all, part,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) { return c.ScatterInit(b(in), b(out), 0) },
			func(c *mpi.Comm, in, out []int64) error { return c.Scatter(b(in), b(out), 0) }},
		{"Gather", false, part, all,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) { return c.GatherInit(b(in), b(out), 0) },
			func(c *mpi.Comm, in, out []int64) error { return c.Gather(b(in), b(out), 0) }},
		{"Scatterv", false, all, part,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) {
				n, d := uniformParts(c.Size())
				return c.ScattervInit(b(in), n, d, b(out), 0)
			},
			func(c *mpi.Comm, in, out []int64) error {
				n, d := uniformParts(c.Size())
				return c.Scatterv(b(in), n, d, b(out), 0)
			}},
		{"Gatherv", false, part, all,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) {
				n, d := uniformParts(c.Size())
				return c.GathervInit(b(in), b(out), n, d, 0)
			},
			func(c *mpi.Comm, in, out []int64) error {
				n, d := uniformParts(c.Size())
				return c.Gatherv(b(in), b(out), n, d, 0)
			}},
		{"Allgather", false, part, all,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) { return c.AllgatherInit(b(in), b(out)) },
			func(c *mpi.Comm, in, out []int64) error { return c.Allgather(b(in), b(out)) }},
		{"Allgatherv", false, part, all,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) {
				n, d := uniformParts(c.Size())
				return c.AllgathervInit(b(in), b(out), n, d)
			},
			func(c *mpi.Comm, in, out []int64) error {
				n, d := uniformParts(c.Size())
				return c.Allgatherv(b(in), b(out), n, d)
			}},
		{"Alltoall", false, all, all,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) { return c.AlltoallInit(b(in), b(out)) },
			func(c *mpi.Comm, in, out []int64) error { return c.Alltoall(b(in), b(out)) }},
		{"Alltoallv", false, all, all,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) {
				n, d := uniformParts(c.Size())
				return c.AlltoallvInit(b(in), n, d, b(out), n, d)
			},
			func(c *mpi.Comm, in, out []int64) error {
				n, d := uniformParts(c.Size())
				return c.Alltoallv(b(in), n, d, b(out), n, d)
			}},
		{"Alltoallw", false, all, all,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) {
				return c.AlltoallwInit(bufs(in, c.Size()), bufs(out, c.Size()))
			},
			func(c *mpi.Comm, in, out []int64) error { return c.Alltoallw(bufs(in, c.Size()), bufs(out, c.Size())) }},
		{"Reduce", false, part, part,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) {
				return c.ReduceInit(b(in), b(out), mpi.Sum, 0)
			},
			func(c *mpi.Comm, in, out []int64) error { return c.Reduce(b(in), b(out), mpi.Sum, 0) }},
		{"Allreduce", false, part, part,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) {
				return c.AllreduceInit(b(in), b(out), mpi.Sum)
			},
			func(c *mpi.Comm, in, out []int64) error { return c.Allreduce(b(in), b(out), mpi.Sum) }},
		{"Scan", false, part, part,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) { return c.ScanInit(b(in), b(out), mpi.Max) },
			func(c *mpi.Comm, in, out []int64) error { return c.Scan(b(in), b(out), mpi.Max) }},
		{"Exscan", false, part, part,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) { return c.ExscanInit(b(in), b(out), mpi.Sum) },
			func(c *mpi.Comm, in, out []int64) error { return c.Exscan(b(in), b(out), mpi.Sum) }},
		{"ReduceScatterBlock", false, all, part,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) {
				return c.ReduceScatterBlockInit(b(in), b(out), mpi.Sum)
			},
			func(c *mpi.Comm, in, out []int64) error { return c.ReduceScatterBlock(b(in), b(out), mpi.Sum) }},
		{"ReduceScatter", false, all, part,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) {
				n, _ := uniformParts(c.Size())
				return c.ReduceScatterInit(b(in), b(out), n, mpi.Sum)
			},
			func(c *mpi.Comm, in, out []int64) error {
				n, _ := uniformParts(c.Size())
				return c.ReduceScatter(b(in), b(out), n, mpi.Sum)
			}},
		{"NeighborAllgather", true, part, two,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) {
				return c.NeighborAllgatherInit(b(in), b(out))
			},
			func(c *mpi.Comm, in, out []int64) error { return c.NeighborAllgather(b(in), b(out)) }},
		{"NeighborAllgatherv", true, part, two,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) {
				n, d := uniformParts(2)
				return c.NeighborAllgathervInit(b(in), b(out), n, d)
			},
			func(c *mpi.Comm, in, out []int64) error {
				n, d := uniformParts(2)
				return c.NeighborAllgatherv(b(in), b(out), n, d)
			}},
		{"NeighborAlltoall", true, two, two,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) { return c.NeighborAlltoallInit(b(in), b(out)) },
			func(c *mpi.Comm, in, out []int64) error { return c.NeighborAlltoall(b(in), b(out)) }},
		{"NeighborAlltoallv", true, two, two,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) {
				n, d := uniformParts(2)
				return c.NeighborAlltoallvInit(b(in), n, d, b(out), n, d)
			},
			func(c *mpi.Comm, in, out []int64) error {
				n, d := uniformParts(2)
				return c.NeighborAlltoallv(b(in), n, d, b(out), n, d)
			}},
		{"NeighborAlltoallw", true, two, two,
			func(c *mpi.Comm, in, out []int64) (*mpi.Request, error) {
				return c.NeighborAlltoallwInit(bufs(in, 2), bufs(out, 2))
			},
			func(c *mpi.Comm, in, out []int64) error { return c.NeighborAlltoallw(bufs(in, 2), bufs(out, 2)) }},
	}
}

// Every persistent collective, started four times with new data each time
// (alternately by Start and StartAll), leaves in its buffers what the
// blocking collective leaves given the same data, at every thread level. An
// Allreduce's sums are also checked against their formula.
func TestPersistentCollectives(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		ring, err := w.CartCreate([]int{w.Size()}, []bool{true}, false)
		must(t, err)
		defer ring.Free()
		r, p := w.Rank(), w.Size()
		for _, tc := range pinitCases() {
			c := w
			if tc.neighbor {
				c = ring.Comm
			}
			in, out := make([]int64, tc.nIn(p)), make([]int64, tc.nOut(p))
			req, err := tc.init(c, in, out)
			if err != nil {
				t.Fatalf("%sInit: %v", tc.name, err)
			}
			for it := range 4 {
				fill := func(in, out []int64) {
					for i := range in {
						in[i] = int64(r*1000 + it*100 + i)
					}
					for i := range out {
						out[i] = -1
					}
				}
				fill(in, out)
				if it%2 == 0 {
					must(t, req.Start())
				} else {
					must(t, mpi.StartAll(req))
				}
				if _, err := req.Wait(); err != nil {
					t.Fatalf("%sInit, start %d: %v", tc.name, it, err)
				}
				wantIn, wantOut := make([]int64, len(in)), make([]int64, len(out))
				fill(wantIn, wantOut)
				must(t, tc.blocking(c, wantIn, wantOut))
				what := fmt.Sprintf("%sInit, start %d", tc.name, it)
				if tc.neighbor {
					want := ringNeighbors(tc.name, r, p, it)
					equal(t, tc.name+fmt.Sprintf(", call %d (out, against the ring's own arithmetic)", it), wantOut, want)
					equal(t, what+" (out, against the ring's own arithmetic)", out, want)
				}
				equal(t, what+" (in)", in, wantIn)
				equal(t, what+" (out)", out, wantOut)
				if tc.name == "Allreduce" {
					for i, v := range out {
						if want := int64(1000*p*(p-1)/2 + p*(it*100+i)); v != want {
							t.Errorf("%s: element %d is %d, want the sum %d", what, i, v, want)
						}
					}
				}
			}
			must(t, req.Free())
		}
	})
}

// A start and a completion of a persistent Allreduce allocate nothing, and
// misuse is an ErrRequest: starting an active one, freeing an active one,
// starting a freed one. Arguments wrong on one rank are an error on all
// (with AgreeOnArgErrors), the root's own class at the root.
func TestPersistentCollectiveUse(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		in, out := []float64{1, 2}, make([]float64, 2)
		req, err := w.AllreduceInit(mpi.Buf(in), mpi.Buf(out), mpi.Sum)
		must(t, err)
		allocs := testing.AllocsPerRun(50, func() {
			must(t, req.Start())
			_, err := req.Wait()
			must(t, err)
		})
		if allocs != 0 {
			t.Errorf("a Start and Wait of a persistent Allreduce allocated %.1f times; want 0", allocs)
		}
		if want := []float64{float64(w.Size()), 2 * float64(w.Size())}; !slices.Equal(out, want) {
			t.Errorf("Allreduce of [1 2]: %v, want %v", out, want)
		}
		must(t, req.Start())
		wantClass(t, "Start of an active persistent Allreduce", req.Start(), mpi.ErrRequest)
		wantClass(t, "Free of an active persistent Allreduce", req.Free(), mpi.ErrRequest)
		_, err = req.Wait()
		must(t, err)
		must(t, req.Free())
		wantClass(t, "Start of a freed persistent Allreduce", req.Start(), mpi.ErrRequest)

		defer mpi.SetCollectiveErrors(mpi.SetCollectiveErrors(mpi.AgreeOnArgErrors))
		root := 0
		if w.Rank() == w.Size()-1 {
			root = w.Size() // out of range on one rank only
		}
		_, err = w.BcastInit(mpi.Buf(in), root)
		wantClass(t, "BcastInit with a bad root on the last rank", err, mpi.ErrRoot)
		_, err = w.ReduceInit(mpi.Buf(in), mpi.Buf(make([]float64, 1)), mpi.Sum, 0)
		if w.Rank() == 0 {
			wantClass(t, "ReduceInit into too short a buffer at the root", err, mpi.ErrBuffer)
		} else if err == nil {
			t.Error("ReduceInit succeeded although the root's buffer is too short")
		}
	})
}

// ringNeighbors is what a neighbour collective named name leaves in out at
// rank r of a periodic ring of p ranks, start it: block 0 from the rank
// before, block 1 from the rank after; in an alltoall, what they sent
// towards r (the one before sends its block 1, the one after its block 0).
// At 1 and 2 ranks the two neighbours are one rank, and MPI still has block
// 2d of the sender land in block 2d+1 of the receiver (MPI 4.1 §8.6).
func ringNeighbors(name string, r, p, it int) []int64 {
	prev, next := (r+p-1)%p, (r+1)%p
	alltoall := strings.Contains(name, "Alltoall")
	out := make([]int64, 2*pk)
	for j := range pk {
		from0, from1 := j, j // the senders' element indices
		if alltoall {
			from0 += pk
		}
		out[j] = int64(prev*1000 + it*100 + from0)
		out[pk+j] = int64(next*1000 + it*100 + from1)
	}
	return out
}
