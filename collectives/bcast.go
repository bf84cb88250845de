package collectives

import (
	"fmt"
	"github.com/mpigo/mpigo/mpi"
	"sort"
)

// Report describes one run of an algorithm on this rank: what this rank sent
// (counted as it happened, not estimated), and the shape of the algorithm.
type Report struct {
	Algorithm string
	Messages  int         // messages this rank sent
	Bytes     int         // bytes this rank sent
	Sent      map[int]int // bytes this rank sent to each destination rank
	From      int         // the rank this rank first received from (-1: none); its parent in a tree
	Depth     int         // rounds until every rank has everything, one message per rank and round
	Height    int         // hops on the longest path from the root
	// Gossip only, the same on every rank: informed ranks after each round,
	// and messages (of all ranks) to ranks that already had the data.
	Coverage  []int
	Redundant int
	Fanout    int // kary and gossip: children per rank, pushes per informed rank and round
	Attempts  int // BcastSurvivors: broadcasts run (more than 1 after a rank died)
}

// Option tunes an algorithm.
type Option func(*options) error

type options struct {
	segment int // bytes per pipeline segment; 0: the whole message
	fanout  int
	hosts   []int
	seed    uint64
}

// Seed sets the seed of the gossip schedule (default 1); every rank must use the same.
func Seed(s uint64) Option {
	return func(o *options) error {
		o.seed = s
		return nil
	}
}

// Hosts gives the host of each rank (any ids: ranks with equal ids share a
// host), for the hierarchical broadcast.
func Hosts(ids []int) Option {
	return func(o *options) error {
		o.hosts = ids
		return nil
	}
}

// Segment sets the segment size of pipelined algorithms, in bytes (default:
// 32 KiB for the chain, the whole message for trees). It must be positive.
// Segments above the transport's eager limit (64 KiB over TCP) cost a
// handshake each: 64 KiB segments made the chain 9× slower than 32 KiB ones
// across rate-limited hosts.
func Segment(bytes int) Option {
	return func(o *options) error {
		if bytes <= 0 {
			return fmt.Errorf("collectives: segment size %d, want > 0", bytes)
		}
		o.segment = bytes
		return nil
	}
}

// Fanout sets k of the k-ary tree (default 4). It must be at least 1.
func Fanout(k int) Option {
	return func(o *options) error {
		if k < 1 {
			return fmt.Errorf("collectives: fan-out %d, want ≥ 1", k)
		}
		o.fanout = k
		return nil
	}
}

const bcastTag = 0x6263 // "bc"

// bcastAlgorithms maps the broadcast algorithms' names to their trees; the
// scatter+allgather algorithm is separate.
var bcastAlgorithms = map[string]func(p int, o options) tree{
	"flat":     func(p int, _ options) tree { return flatTree(p) },
	"binomial": func(p int, _ options) tree { return binomialTree(p) },
	"kary":     func(p int, o options) tree { return karyTree(p, o.fanout) },
	"chain":    func(p int, _ options) tree { return chainTree(p) },
}

// BcastAlgorithms lists the names Bcast accepts.
func BcastAlgorithms() []string {
	names := []string{"scatter-allgather", "hierarchical", "gossip"}
	for n := range bcastAlgorithms {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Bcast copies data at rank root into data at every rank of t, with the
// named algorithm (see BcastAlgorithms). Costs in the α-β model (α per
// message, β per byte, n bytes, p ranks):
//   - flat: the root sends to each rank, (p-1)(α + nβ);
//   - binomial: ⌈lg p⌉(α + nβ);
//   - kary: a tree of fan-out k, about ⌈log_k p⌉·k(α + nβ);
//   - chain: rank v sends to v+1 in s segments (Segment), (p-2+s)(α + nβ/s):
//     pipelining makes it best for large n;
//   - hierarchical (node-aware, given Hosts): a binomial tree over one leader
//     per host (h hosts), then one inside each host (at most m ranks):
//     (⌈lg h⌉ + ⌈lg m⌉)(α + nβ), and the payload crosses each host's link once;
//   - scatter-allgather (van de Geijn): a binomial scatter of p pieces, then a
//     ring allgather, (⌈lg p⌉ + p-1)α + 2(p-1)/p·nβ;
//   - gossip (epidemic push): each round every informed rank pushes the whole
//     message to f = Fanout random others (default 2), from a schedule every
//     rank derives from the shared Seed: about log_(1+f) p rounds of f(α + nβ),
//     and redundant messages are the price of needing no tree.
//
// Trees send the message in segments down the tree (whole, unless Segment).
// Every rank must pass data of the same length and the same algorithm and options.
func Bcast(t Transport, data []byte, root int, algorithm string, opts ...Option) (Report, error) {
	if mpi.Tracing() { // a span over the algorithm's messages in the trace
		defer mpi.TraceSpan("collectives.Bcast " + algorithm)()
	}
	rep := Report{Algorithm: algorithm}
	p := t.Size()
	if root < 0 || root >= p {
		return rep, fmt.Errorf("collectives: root %d out of range [0, %d)", root, p)
	}
	o := options{fanout: 4, seed: 1}
	switch algorithm {
	case "chain":
		o.segment = 32 << 10 // below TCP's 64 KiB eager limit: no handshake per segment
	case "gossip":
		o.fanout = 2
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return rep, err
		}
	}
	ct := newCounting(t)
	var err error
	if algorithm == "gossip" || algorithm == "kary" {
		rep.Fanout = o.fanout
	}
	if algorithm == "gossip" {
		rep.Depth, rep.Coverage, rep.Redundant, err = gossipBcast(ct, data, root, o.fanout, o.seed)
		rep.Height = rep.Depth
	} else if algorithm == "hierarchical" {
		if len(o.hosts) != p {
			return rep, fmt.Errorf("collectives: hierarchical broadcast needs the host of each of the %d ranks (Hosts option), have %d", p, len(o.hosts))
		}
		tr := hierarchicalTree(o.hosts, root)
		rep.Depth, rep.Height = tr.rounds(1), tr.height()
		err = treeBcast(ct, tr, data, root, o.segment)
	} else if algorithm == "scatter-allgather" {
		err = scatterAllgather(ct, data, root)
		tr := binomialTree(p)
		rep.Depth, rep.Height = tr.rounds(1)+p-1, tr.height()+p-1
	} else if build, ok := bcastAlgorithms[algorithm]; ok {
		tr := build(p, o)
		segments := 1
		if o.segment > 0 && len(data) > 0 {
			segments = (len(data) + o.segment - 1) / o.segment
		}
		rep.Depth, rep.Height = tr.rounds(segments), tr.height()
		err = treeBcast(ct, tr, data, root, o.segment)
	} else {
		return rep, fmt.Errorf("collectives: unknown broadcast algorithm %q (have %v)", algorithm, BcastAlgorithms())
	}
	ct.fill(&rep)
	if t.Rank() == root {
		rep.From = -1 // it had the data: what reached it later (gossip) came redundantly
	}
	return rep, err
}

// counting counts what a rank sends, and to whom, and notes whom it first
// received from.
type counting struct {
	Transport
	messages, bytes int
	sent            map[int]int
	from            int
	received        bool
}

func newCounting(t Transport) *counting {
	return &counting{Transport: t, from: -1}
}

func (c *counting) Send(data []byte, dest, tag int) error {
	c.count(len(data), dest)
	return c.Transport.Send(data, dest, tag)
}

func (c *counting) Sendrecv(out []byte, dest int, in []byte, src, tag int) (int, error) {
	c.count(len(out), dest)
	c.noteFrom(src)
	return c.Transport.Sendrecv(out, dest, in, src, tag)
}

func (c *counting) count(bytes, dest int) {
	c.messages++
	c.bytes += bytes
	if c.sent == nil { // made on a rank's first send: a leaf sends nothing
		c.sent = map[int]int{}
	}
	c.sent[dest] += bytes
}

func (c *counting) noteFrom(src int) {
	if !c.received {
		c.received, c.from = true, src
	}
}

func (c *counting) Recv(buf []byte, src, tag int) (int, error) {
	c.noteFrom(src)
	return c.Transport.Recv(buf, src, tag)
}

// fill copies the counts into rep.
func (c *counting) fill(rep *Report) {
	rep.Messages, rep.Bytes, rep.Sent, rep.From = c.messages, c.bytes, c.sent, c.from
}

// treeBcast passes the message down the tree in segments: a goroutine
// receives segment k+1 from the parent while segment k is being sent to the
// children, so segments overlap along the path (the pipelining that makes
// the chain fast for large messages). A message of one segment is received
// and passed on without one: a goroutine and a channel cost more than an
// 8-byte message (2 ranks: 1.6 µs a broadcast with them, 0.8 without;
// MPI_Bcast 0.4). Nor does a leaf use one, having nothing to pass on.
func treeBcast(t Transport, tr tree, data []byte, root, segment int) error {
	p := t.Size()
	v := (t.Rank() - root + p) % p
	parent := -1
	if v != 0 {
		parent = (tr.parent[v] + root) % p
	}
	if segment <= 0 || segment >= len(data) {
		if v != 0 {
			if err := recvSegment(t, data, parent); err != nil {
				return err
			}
		}
		return sendToChildren(t, tr.children[v], root, data)
	}
	var segs [][]byte
	for off := 0; off < len(data); off += segment {
		segs = append(segs, data[off:min(off+segment, len(data))])
	}
	if v != 0 && len(tr.children[v]) == 0 { // a leaf passes nothing on: it receives in turn, no goroutine
		for _, seg := range segs {
			if err := recvSegment(t, seg, parent); err != nil {
				return err
			}
		}
		return nil
	}
	arrived := make(chan error, len(segs)) // one value per segment, in order
	if v == 0 {
		for range segs {
			arrived <- nil
		}
	} else {
		go func() {
			for _, seg := range segs {
				err := recvSegment(t, seg, parent)
				arrived <- err
				if err != nil {
					return
				}
			}
		}()
	}
	for _, seg := range segs {
		if err := <-arrived; err != nil {
			return err
		}
		if err := sendToChildren(t, tr.children[v], root, seg); err != nil {
			return err
		}
	}
	return nil
}

// recvSegment receives seg, all of it, from rank src.
func recvSegment(t Transport, seg []byte, src int) error {
	n, err := t.Recv(seg, src, bcastTag)
	if err == nil && n != len(seg) {
		err = fmt.Errorf("collectives: rank %d received %d bytes of a %d-byte segment (lengths differ between ranks?)", t.Rank(), n, len(seg))
	}
	return err
}

// sendToChildren sends seg to each of children (ranks relative to root).
func sendToChildren(t Transport, children []int, root int, seg []byte) error {
	for _, c := range children {
		if err := t.Send(seg, (c+root)%t.Size(), bcastTag); err != nil {
			return err
		}
	}
	return nil
}

// scatterAllgather is van de Geijn's broadcast: the message is cut into p
// pieces, a binomial tree scatters piece v to relative rank v (each subtree
// gets its pieces in one message), and a ring allgather completes them.
func scatterAllgather(t Transport, data []byte, root int) error {
	p, n := t.Size(), len(data)
	v := (t.Rank() - root + p) % p
	real := func(u int) int { return (u + root) % p }
	piece := (n + p - 1) / p
	span := func(from, to int) []byte { // the bytes of pieces [from, to)
		return data[min(from*piece, n):min(to*piece, n)]
	}
	tr := binomialTree(p)
	// Binomial scatter: v receives pieces [v, v+subtree) and passes each child its subtree's pieces.
	size := subtreeSizes(tr)
	if v != 0 {
		buf := span(v, v+size[v])
		if got, err := t.Recv(buf, real(tr.parent[v]), bcastTag); err != nil {
			return err
		} else if got != len(buf) {
			return fmt.Errorf("collectives: rank %d received %d bytes, want %d (lengths differ between ranks?)", t.Rank(), got, len(buf))
		}
	}
	for _, c := range tr.children[v] {
		if err := t.Send(span(c, c+size[c]), real(c), bcastTag); err != nil {
			return err
		}
	}
	// Ring allgather: in step s, pass on piece v-s and receive piece v-s-1.
	right, left := real((v+1)%p), real((v+p-1)%p)
	for s := range p - 1 {
		out, in := span((v-s+p)%p, (v-s+p)%p+1), span((v-s-1+2*p)%p, (v-s-1+2*p)%p+1)
		if err := exchange(t, out, right, in, left, bcastTag+1); err != nil {
			return err
		}
	}
	return nil
}

// subtreeSizes returns the number of ranks in each rank's subtree.
func subtreeSizes(tr tree) []int {
	size := make([]int, len(tr.parent))
	var count func(v int) int
	count = func(v int) int {
		size[v] = 1
		for _, c := range tr.children[v] {
			size[v] += count(c)
		}
		return size[v]
	}
	count(0)
	return size
}
