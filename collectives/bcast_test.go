package collectives_test

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/mpigo/mpigo/collectives"
	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

func TestMain(m *testing.M) { mpitest.Main(m) }

func payload(n, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seed*31 + i*7 + i>>8)
	}
	return b
}

// runLocal runs f on p in-process ranks at once and returns their reports.
func runLocal(t *testing.T, p int, f func(tr collectives.Transport) (collectives.Report, error)) []collectives.Report {
	t.Helper()
	ts := collectives.NewLocal(p)
	reps := make([]collectives.Report, p)
	errs := make([]error, p)
	var wg sync.WaitGroup
	for r := range p {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[r], errs[r] = f(ts[r])
		}()
	}
	wg.Wait()
	for r, err := range errs {
		if err != nil {
			t.Fatalf("rank %d: %v", r, err)
		}
	}
	return reps
}

func TestBcastEveryAlgorithmLocal(t *testing.T) {
	for _, algo := range collectives.BcastAlgorithms() {
		for p := 1; p <= 17; p++ {
			for root := range p {
				for _, n := range []int{0, 1, 37, 3*64 + 5} {
					t.Run(fmt.Sprintf("%s/p=%d/root=%d/n=%d", algo, p, root, n), func(t *testing.T) {
						want := payload(n, root)
						got := make([][]byte, p)
						runLocal(t, p, func(tr collectives.Transport) (collectives.Report, error) {
							buf := make([]byte, n)
							if tr.Rank() == root {
								copy(buf, want)
							}
							got[tr.Rank()] = buf
							return collectives.Bcast(tr, buf, root, algo, collectives.Segment(64), collectives.Fanout(3), collectives.Hosts(roundRobin(p, 3)))
						})
						for r := range p {
							if !bytes.Equal(got[r], want) {
								t.Fatalf("rank %d got %v, want %v", r, got[r], want)
							}
						}
					})
				}
			}
		}
	}
}

// roundRobin places p ranks on h hosts: rank r on host r mod h.
func roundRobin(p, h int) []int {
	hosts := make([]int, p)
	for r := range hosts {
		hosts[r] = r % h
	}
	return hosts
}

// Overlay metrics against hand-derived values: 6 ranks on 3 hosts, round
// robin (hosts 0 1 2 0 1 2), root 0, 100 bytes.
//   - flat: 0 sends to all 5, 4 of them on other hosts: host 0 sends 4 copies.
//   - binomial: 0→4, 0→2, 0→1, 2→3, 4→5, every edge between hosts; host 0
//     sends 3 copies; rank 5 is 2 inter-host hops away (0→4→5).
//   - hierarchical: leaders 0, 1, 2 (0→2, 0→1), then 0→3, 1→4, 2→5 inside
//     hosts: host 0 sends 2 copies, every rank is 1 inter-host hop away.
func TestOverlayMetrics(t *testing.T) {
	hosts := roundRobin(6, 3)
	cases := []struct {
		algo              string
		edges, inter      int
		maxStress         float64
		maxRDP, meanRDP   float64
		host0Out, host1In float64
	}{
		{"flat", 5, 4, 4, 1, 1, 4, 2},
		{"binomial", 5, 5, 3, 2, 1.25, 3, 2},
		{"hierarchical", 5, 2, 2, 1, 1, 2, 1},
	}
	for _, c := range cases {
		reps := runLocal(t, 6, func(tr collectives.Transport) (collectives.Report, error) {
			return collectives.Bcast(tr, make([]byte, 100), 0, c.algo, collectives.Hosts(hosts))
		})
		o := collectives.OverlayMetrics(reps, hosts, 0, 100)
		if o.Edges != c.edges || o.InterHostEdges != c.inter || o.MaxLinkStress != c.maxStress ||
			o.MaxRDP != c.maxRDP || o.MeanRDP != c.meanRDP || o.LinkStress[0][0] != c.host0Out || o.LinkStress[1][1] != c.host1In {
			t.Errorf("%s: %+v; want edges %d, inter-host %d, max stress %v, RDP max %v mean %v, host 0 out %v, host 1 in %v",
				c.algo, o, c.edges, c.inter, c.maxStress, c.maxRDP, c.meanRDP, c.host0Out, c.host1In)
		}
	}
}

func TestGossip(t *testing.T) {
	for _, p := range []int{2, 5, 16, 17} {
		for _, f := range []int{1, 2, 3} {
			reps := runLocal(t, p, func(tr collectives.Transport) (collectives.Report, error) {
				buf := make([]byte, 10)
				if tr.Rank() == 0 {
					copy(buf, "gossip-msg")
				}
				rep, err := collectives.Bcast(tr, buf, 0, "gossip", collectives.Fanout(f), collectives.Seed(42))
				if err == nil && string(buf) != "gossip-msg" {
					err = fmt.Errorf("rank %d got %q", tr.Rank(), buf)
				}
				return rep, err
			})
			total := 0
			if reps[0].From != -1 {
				t.Fatalf("p=%d f=%d: the root's parent is %d, want none (-1)", p, f, reps[0].From)
			}
			for _, r := range reps {
				total += r.Messages
				if r.Depth != reps[0].Depth || r.Redundant != reps[0].Redundant {
					t.Fatalf("p=%d f=%d: ranks disagree on the schedule", p, f)
				}
			}
			cov := reps[0].Coverage
			if len(cov) != reps[0].Depth || cov[len(cov)-1] != p {
				t.Fatalf("p=%d f=%d: coverage %v over %d rounds, want it to end at %d", p, f, cov, reps[0].Depth, p)
			}
			// Every message either informs a rank or is redundant: p-1 inform.
			if total-reps[0].Redundant != p-1 {
				t.Fatalf("p=%d f=%d: %d messages, %d redundant; want %d informing", p, f, total, reps[0].Redundant, p-1)
			}
		}
	}
}

// Metrics against hand-derived values.
func TestBcastMetrics(t *testing.T) {
	cases := []struct {
		algo            string
		p, n            int
		opts            []collectives.Option
		messages, bytes int // totals over all ranks
		depth           int
		rootMessages    int
	}{
		{"binomial", 8, 100, nil, 7, 700, 3, 3},
		{"binomial", 5, 10, nil, 4, 40, 3, 3},
		{"flat", 8, 100, nil, 7, 700, 7, 7},
		// 0→1,2; 1→3,4; 2→5,6; 3→7: rank 6 gets it in round 4.
		{"kary", 8, 100, []collectives.Option{collectives.Fanout(2)}, 7, 700, 4, 2},
		// 4 segments down 7 links: p-2+s = 10 rounds.
		{"chain", 8, 100, []collectives.Option{collectives.Segment(25)}, 28, 700, 10, 4},
		// Van de Geijn on 4 ranks, 8 bytes: scatter 2+... pieces of 2 bytes:
		// root sends 4 bytes to 2, 2 bytes to 1; 2 sends 2 bytes to 3; then 3 ring steps of 2 bytes by each of 4 ranks.
		{"scatter-allgather", 4, 8, nil, 3 + 12, 8 + 24, 2 + 3, 2 + 3},
	}
	for _, c := range cases {
		reps := runLocal(t, c.p, func(tr collectives.Transport) (collectives.Report, error) {
			return collectives.Bcast(tr, make([]byte, c.n), 0, c.algo, c.opts...)
		})
		msgs, byts := 0, 0
		for _, r := range reps {
			msgs += r.Messages
			byts += r.Bytes
		}
		if msgs != c.messages || byts != c.bytes || reps[0].Depth != c.depth || reps[0].Messages != c.rootMessages {
			t.Errorf("%s p=%d n=%d: %d messages, %d bytes, depth %d, root sent %d; want %d, %d, %d, %d",
				c.algo, c.p, c.n, msgs, byts, reps[0].Depth, reps[0].Messages, c.messages, c.bytes, c.depth, c.rootMessages)
		}
	}
}

func TestBcastBadInput(t *testing.T) {
	tr := collectives.NewLocal(3)[0]
	buf := make([]byte, 4)
	for _, c := range []struct {
		name string
		err  func() error
		want string
	}{
		{"unknown algorithm", func() error { _, err := collectives.Bcast(tr, buf, 0, "bogus"); return err }, "unknown broadcast algorithm"},
		{"root 3 of 3", func() error { _, err := collectives.Bcast(tr, buf, 3, "binomial"); return err }, "root 3 out of range"},
		{"root -1", func() error { _, err := collectives.Bcast(tr, buf, -1, "flat"); return err }, "root -1 out of range"},
		{"segment 0", func() error { _, err := collectives.Bcast(tr, buf, 0, "chain", collectives.Segment(0)); return err }, "segment size 0"},
		{"fan-out 0", func() error { _, err := collectives.Bcast(tr, buf, 0, "kary", collectives.Fanout(0)); return err }, "fan-out 0"},
		{"hierarchical without hosts", func() error { _, err := collectives.Bcast(tr, buf, 0, "hierarchical"); return err }, "needs the host of each"},
	} {
		if err := c.err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
	// Mismatched lengths: an error on the receiving ranks, no hang.
	ts := collectives.NewLocal(2)
	done := make(chan error, 1)
	go func() { _, err := collectives.Bcast(ts[0], make([]byte, 10), 0, "binomial"); done <- err }()
	if _, err := collectives.Bcast(ts[1], make([]byte, 4), 0, "binomial"); err == nil {
		t.Error("receiving 10 bytes into 4: no error")
	}
	<-done
}

// Under mpiexec every algorithm gives what the native MPI_Bcast gives.
func TestBcastMatchesNative(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		tr := collectives.FromComm(w)
		for _, algo := range collectives.BcastAlgorithms() {
			for root := range w.Size() {
				for _, n := range []int{0, 1, 1001, 200 << 10} {
					native, ours := make([]byte, n), make([]byte, n)
					if w.Rank() == root {
						copy(native, payload(n, root+n))
						copy(ours, native)
					}
					if err := w.Bcast(mpi.Buf(native), root); err != nil {
						t.Fatal(err)
					}
					if _, err := collectives.Bcast(tr, ours, root, algo, collectives.Segment(16<<10), collectives.Hosts(roundRobin(w.Size(), 2))); err != nil {
						t.Fatalf("%s: %v", algo, err)
					}
					if !bytes.Equal(native, ours) {
						t.Fatalf("%s root %d n %d: differs from MPI_Bcast", algo, root, n)
					}
				}
			}
		}
	}, mpitest.Ranks(2, 3, 4))
}

// nullTransport delivers nothing and takes no time: what an algorithm costs
// in Go on top of its messages.
type nullTransport struct{ rank, size int }

func (n nullTransport) Rank() int                            { return n.rank }
func (n nullTransport) Size() int                            { return n.size }
func (nullTransport) Send([]byte, int, int) error            { return nil }
func (nullTransport) Recv(buf []byte, _, _ int) (int, error) { return len(buf), nil }
func (nullTransport) Sendrecv(_ []byte, _ int, in []byte, _, _ int) (int, error) {
	return len(in), nil
}

// BenchmarkBcastOverhead is the Go side of one 8-byte broadcast at a middle
// rank of 4, per algorithm (the messages cost nothing here).
func BenchmarkBcastOverhead(b *testing.B) {
	data := make([]byte, 8)
	for _, algo := range collectives.BcastAlgorithms() {
		b.Run(algo, func(b *testing.B) {
			b.ReportAllocs()
			tr := nullTransport{rank: 1, size: 4}
			opt := collectives.Hosts([]int{0, 0, 0, 0})
			for b.Loop() {
				if _, err := collectives.Bcast(tr, data, 0, algo, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestBcastModel checks the α-β predictions against the formulas, with a β
// that differs by message size so that using the wrong size shows.
func TestBcastModel(t *testing.T) {
	const alpha = 1e-6
	beta := func(m int) float64 { return 1e-9 * float64(1+m%7) } // distinct per size
	cost := func(m int) float64 { return alpha + float64(m)*beta(m) }
	for _, c := range []struct {
		rep       collectives.Report
		p, n, seg int
		want      float64
	}{
		{collectives.Report{Algorithm: "binomial", Depth: 3}, 8, 1000, 0, 3 * cost(1000)},
		{collectives.Report{Algorithm: "flat", Depth: 7}, 8, 1000, 0, 7 * cost(1000)},
		{collectives.Report{Algorithm: "chain", Depth: 2 + 4}, 4, 4096, 1024, 6 * cost(1024)},
		{collectives.Report{Algorithm: "chain", Depth: 3}, 4, 512, 1024, 3 * cost(512)}, // one segment
		{collectives.Report{Algorithm: "scatter-allgather", Depth: 5}, 4, 4000, 0, 5*alpha + 1.5*4000*beta(1000)},
		{collectives.Report{Algorithm: "gossip", Depth: 1, Fanout: 2}, 2, 100, 0, cost(100)},     // one other rank
		{collectives.Report{Algorithm: "gossip", Depth: 3, Fanout: 2}, 8, 100, 0, 6 * cost(100)}, // 2 pushes a round
	} {
		got := collectives.BcastModel(c.rep, c.p, c.n, c.seg, alpha, beta)
		if math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%s, p=%d, n=%d, segment %d: model %.4g s, want %.4g", c.rep.Algorithm, c.p, c.n, c.seg, got, c.want)
		}
	}
}
