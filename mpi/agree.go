package mpi

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// What ranks must agree on before a collective (AgreeOnArgErrors and the
// checked mode, MPIGO_CHECK). Each rank's own checks cannot see that another
// rank named another root, reduces another number of elements, or expects
// another count from it: MPI then hangs, returns stale data, or writes past a
// buffer. So in these modes every rank describes its call by its shape, the
// facts that must match (below), and one allreduce (SUM of five uint64s)
// compares them: each rank adds a hash of its shape, rank 0 adds Size() times
// its own, and the two sums are equal when every rank's shape is rank 0's;
// pairwise facts (the v-collectives' counts: what rank i sends to j against
// what j expects from i) are hashed on each side and summed apart, and are
// equal when every pair agrees. Only when something differs does a slower
// path gather every rank's shape and name the ranks that differ, the same
// error on every rank. Hash sums can collide by chance (2^-64), never when
// the shapes match.

// shape is what must match across the ranks of one collective.
type shape struct {
	call   string  // the operation (Bcast and Ibcast differ: MPI does not match them)
	root   int64   // -1: none
	op     int64   // reductions: the op (predefined kind+1, or userOpID); 0 none
	elem   int64   // reductions: the element kind+1; 0 not compared
	bytes  int64   // each rank's part in bytes; -1 not compared
	counts uint64  // a hash of counts every rank passes alike (ReduceScatter); 0 none
	claims []claim // pairwise facts
}

// claim is one side's view of what goes from rank from to rank to.
type claim struct {
	from, to int
	bytes    int64
	send     bool // the sender's view (else the receiver's)
}

const userOpID = 1 << 20 // all user ops compare alike: ranks make them apart

// shapeOf describes a collective over c from its checked args (nil: the
// call's name alone).
func (c *Comm) shapeOf(op string, call rawCall, a *args) shape {
	s := shape{call: op, root: -1, bytes: -1}
	if a == nil {
		return s
	}
	me, root := c.rank, a.root
	switch call {
	case callBcast:
		s.root, s.bytes = int64(root), int64(a.n)*typeSize(a.dt)
	case callScatter:
		s.root, s.bytes = int64(root), int64(a.rn)*typeSize(a.rdt)
		if me == root {
			s.bytes = int64(a.n) * typeSize(a.dt)
		}
	case callGather:
		s.root, s.bytes = int64(root), int64(a.n)*typeSize(a.dt)
		if me == root {
			s.bytes = int64(a.rn) * typeSize(a.rdt)
		}
	case callAllgather, callAlltoall:
		s.bytes = int64(a.rn) * typeSize(a.rdt)
	case callReduce, callAllreduce, callScan, callExscan, callReduceScatterBlock:
		if call == callReduce {
			s.root = int64(root)
		}
		s.op, s.elem, s.bytes = opID(a.op), elemID(a.dt), int64(a.n)*typeSize(a.dt)
	case callScatterv, callGatherv:
		s.root = int64(root)
		unit, p, gather := typeSize(a.dt), a.parts, call == callGatherv
		// pair is a claim on what goes between rank i and the root, as the
		// root (byRoot) or rank i sees it.
		pair := func(i int, bytes int64, byRoot bool) claim {
			if gather {
				return claim{from: i, to: root, bytes: bytes, send: !byRoot}
			}
			return claim{from: root, to: i, bytes: bytes, send: byRoot}
		}
		mine := int64(a.rn) // Scatterv: what I receive; Gatherv: what I send
		if gather {
			mine = int64(a.n)
		}
		if a.inPlace && p != nil {
			mine = int64(p.counts[root])
		}
		s.claims = append(s.claims, pair(me, mine*unit, false))
		if me == root && p != nil {
			for i, n := range p.counts {
				s.claims = append(s.claims, pair(i, int64(n)*unit, true))
			}
		}
	case callAllgatherv:
		unit, p := typeSize(a.dt), a.parts
		mine := int64(a.n)
		if a.inPlace {
			mine = int64(p.counts[me])
		}
		for i := range c.size {
			s.claims = append(s.claims, claim{from: me, to: i, bytes: mine * unit, send: true},
				claim{from: i, to: me, bytes: int64(p.counts[i]) * unit})
		}
	case callAlltoallv:
		unit, p := typeSize(a.dt), a.parts
		sends := p.counts
		if a.inPlace {
			sends = p.rcounts
		}
		for i := range c.size {
			s.claims = append(s.claims, claim{from: me, to: i, bytes: int64(sends[i]) * unit, send: true},
				claim{from: i, to: me, bytes: int64(p.rcounts[i]) * unit})
		}
	case callReduceScatter:
		if a.parts != nil {
			h := uint64(len(a.parts.counts))
			for _, n := range a.parts.counts {
				h = mix(h ^ uint64(n))
			}
			s.op, s.elem, s.counts = opID(a.op), elemID(a.dt), h|1
		}
	}
	return s
}

// hash folds the shape's uniform facts into one number (no allocation:
// it runs before every collective in the agreeing modes).
func (s *shape) hash() uint64 {
	h := uint64(14695981039346656037) // FNV-1a over the name
	for i := 0; i < len(s.call); i++ {
		h = (h ^ uint64(s.call[i])) * 1099511628211
	}
	for _, x := range [...]int64{s.root, s.op, s.elem, s.bytes, int64(s.counts)} {
		h = mix(h ^ uint64(x))
	}
	return h
}

// mix is splitmix64's finalizer: a claim's hash.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

func (cl claim) hash() uint64 {
	return mix(mix(uint64(cl.from)<<32|uint64(uint32(cl.to))) ^ uint64(cl.bytes))
}

// agreeShapes allreduces every rank's verdict (err: its own checks) and
// shape over intracommunicator c, and returns err, an error naming the
// ranks whose checks failed, or an ErrMismatch naming the ranks that
// disagree; nil when every rank may enter the collective.
func (c *Comm) agreeShapes(op string, err error, s shape) error {
	var sum [5]uint64
	v := s.vector(c.rank, c.size, err)
	if aerr := c.allreduceForAgreement(op+" (agreeing on arguments)", Buf(v[:]), Buf(sum[:]), Sum); aerr != nil {
		return aerr
	}
	if sumsAgree(sum) {
		return nil
	}
	found, gerr := c.explain(op, err, s, sum[3] != sum[4])
	if gerr != nil {
		return gerr
	}
	if err != nil {
		return err
	}
	return found
}

// vector is what rank (of size) adds to the agreement's allreduce: 1 if its
// checks failed (err), its shape's hash, size times it at rank 0, and its
// claims' hashes, the senders' and the receivers' apart.
func (s *shape) vector(rank, size int, err error) (v [5]uint64) {
	if err != nil {
		v[0] = 1
	}
	v[1] = s.hash()
	if rank == 0 {
		v[2] = uint64(size) * v[1]
	}
	for _, cl := range s.claims {
		if cl.send {
			v[3] += cl.hash()
		} else {
			v[4] += cl.hash()
		}
	}
	return v
}

// sumsAgree reports whether the summed vectors say that every rank passed
// its checks, has rank 0's shape, and that every pair's claims match.
func sumsAgree(sum [5]uint64) bool { return sum[0] == 0 && sum[1] == sum[2] && sum[3] == sum[4] }

// record is a rank's shape and verdict as the slow path gathers them.
const recordSize = 8*7 + 48

func (s *shape) record(class Class) []byte {
	b := make([]byte, 0, recordSize)
	for _, x := range []int64{int64(class), s.root, s.op, s.elem, s.bytes, int64(s.counts), int64(len(s.call))} {
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	name := make([]byte, 48)
	copy(name, s.call)
	return append(b, name...)
}

func parseRecord(b []byte) (class Class, s shape) {
	f := make([]int64, 7)
	for i := range f {
		f[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	n := min(int(f[6]), 48)
	return Class(f[0]), shape{call: string(b[56 : 56+n]), root: f[1], op: f[2], elem: f[3], bytes: f[4], counts: uint64(f[5])}
}

// explain gathers every rank's record (and, where pairs disagree, their
// claims) and returns the same error on every rank: the ranks whose own
// checks failed, or those that disagree, and on what.
func (c *Comm) explain(op string, err error, s shape, pairs bool) (error, error) {
	class := Class(-1) // passed
	if err != nil {
		class = classOf(err)
	}
	mine := s.record(class)
	all := make([]byte, recordSize*c.size)
	if gerr := c.gatherForAgreement(op, mine, all); gerr != nil {
		return nil, gerr
	}
	var failed []int
	shapes := make([]shape, c.size)
	classes := make([]Class, c.size)
	for r := range c.size {
		classes[r], shapes[r] = parseRecord(all[r*recordSize:])
		if classes[r] >= 0 {
			failed = append(failed, r)
		}
	}
	var found error
	if len(failed) > 0 {
		found = errorf(classes[failed[0]], op, "the arguments of %s failed their checks there (%v); no rank entered the collective",
			rankList(failed), classes[failed[0]])
	} else {
		var lines []string
		field := func(what string, value func(s shape) string) {
			if l := differ(what, shapes, value); l != "" {
				lines = append(lines, l)
			}
		}
		field("the call", func(s shape) string { return s.call })
		field("the root", func(s shape) string { return fmt.Sprint(s.root) })
		field("the op", func(s shape) string { return opName(s.op) })
		field("the element type", func(s shape) string { return kindName(s.elem) })
		field("the bytes of a part", func(s shape) string { return fmt.Sprint(s.bytes) })
		field("the counts", func(s shape) string { return fmt.Sprintf("%x", s.counts) })
		if pairs && len(lines) == 0 {
			l, gerr := c.pairsDiffer(op, s.claims)
			if gerr != nil {
				return nil, gerr
			}
			lines = append(lines, l...)
		}
		if len(lines) == 0 { // a hash collision, or shapes this record does not hold
			lines = append(lines, "their arguments do not match")
		}
		found = errorf(ClassMismatch, op, "ranks disagree on %s; no rank entered the collective", strings.Join(lines, "; "))
	}
	return found, nil
}

// differ says how the ranks' values of one fact differ, or "" if they do not.
func differ(what string, shapes []shape, value func(s shape) string) string {
	var order []string
	ranks := map[string][]int{}
	for r, s := range shapes {
		v := value(s)
		if _, ok := ranks[v]; !ok {
			order = append(order, v)
		}
		ranks[v] = append(ranks[v], r)
	}
	if len(order) < 2 {
		return ""
	}
	parts := make([]string, len(order))
	for i, v := range order {
		parts[i] = fmt.Sprintf("%s: %s", rankList(ranks[v]), v)
	}
	return what + " (" + strings.Join(parts, ", ") + ")"
}

func rankList(ranks []int) string {
	s := make([]string, len(ranks))
	for i, r := range ranks {
		s[i] = fmt.Sprint(r)
	}
	if len(ranks) == 1 {
		return "rank " + s[0]
	}
	return "ranks " + strings.Join(s, ",")
}

// pairsDiffer gathers every rank's claims and says which pairs disagree.
func (c *Comm) pairsDiffer(op string, mine []claim) ([]string, error) {
	flat := make([]int64, 0, 4*len(mine))
	for _, cl := range mine {
		send := int64(0)
		if cl.send {
			send = 1
		}
		flat = append(flat, int64(cl.from), int64(cl.to), cl.bytes, send)
	}
	got := make([]byte, 8*c.size)
	if err := c.gatherForAgreement(op, binary.LittleEndian.AppendUint64(nil, uint64(len(flat))), got); err != nil {
		return nil, err
	}
	lens := make([]int64, c.size)
	for i := range lens {
		lens[i] = int64(binary.LittleEndian.Uint64(got[8*i:]))
	}
	counts, displs, total := partsOf(lens)
	everything := make([]int64, total)
	a, err := c.allgathervArgs("agree", Buf(flat), Buf(everything), counts, displs)
	if err == nil {
		err = c.runCollective(op+" (agreeing on arguments)", callAllgatherv, &a, nil)
	}
	if err != nil {
		return nil, err
	}
	type pair struct{ from, to int }
	sent, expected := map[pair]int64{}, map[pair]int64{}
	for i := 0; i+3 < len(everything); i += 4 {
		p := pair{int(everything[i]), int(everything[i+1])}
		if everything[i+3] == 1 {
			sent[p] = everything[i+2]
		} else {
			expected[p] = everything[i+2]
		}
	}
	var keys []pair
	for p := range sent {
		keys = append(keys, p)
	}
	for p := range expected {
		if _, ok := sent[p]; !ok {
			keys = append(keys, p)
		}
	}
	slices.SortFunc(keys, func(a, b pair) int { return (a.from-b.from)*1<<20 + a.to - b.to })
	var lines []string
	for _, p := range keys {
		if sent[p] != expected[p] && len(lines) < 8 {
			lines = append(lines, fmt.Sprintf("rank %d sends %d bytes to rank %d, which expects %d", p.from, sent[p], p.to, expected[p]))
		}
	}
	return lines, nil
}

// allreduceForAgreement allreduces send into recv with o over c, outside
// the agreement (it is part of it, or of agreeing on a panic); step names it
// in errors.
func (c *Comm) allreduceForAgreement(step string, send, recv Buffer, o *Op) error {
	a, err := c.reduceArgs("agree", callAllreduce, send, recv, o, 0)
	if err == nil {
		err = c.runCollective(step, callAllreduce, &a, nil)
	}
	return err
}

// gatherForAgreement allgathers equal parts of bytes over c, outside the
// agreement (it is part of it).
func (c *Comm) gatherForAgreement(op string, mine, all []byte) error {
	a, err := c.allArgs("agree", Buf(mine), Buf(all), false)
	if err == nil {
		err = c.runCollective(op+" (agreeing on arguments)", callAllgather, &a, nil)
	}
	return err
}

// ---- names of handles, for shapes ----

var handleNames struct {
	once  sync.Once
	ops   map[opHandle]*Op
	kinds map[dtypeHandle]kind
}

func namesOfHandles() {
	handleNames.ops = map[opHandle]*Op{}
	for _, o := range []*Op{Sum, Prod, Min, Max, Land, Lor, Lxor, Band, Bor, Bxor, MinLoc, MaxLoc, Replace, NoOp} {
		handleNames.ops[o.h] = o
	}
	handleNames.kinds = map[dtypeHandle]kind{}
	for k := range numKinds {
		handleNames.kinds[scalarTypes[k].h] = k
	}
}

func opID(h opHandle) int64 {
	handleNames.once.Do(namesOfHandles)
	if o, ok := handleNames.ops[h]; ok {
		return int64(o.kind) + 1
	}
	return userOpID
}

func opName(id int64) string {
	handleNames.once.Do(namesOfHandles)
	if id == 0 {
		return "none"
	}
	if id == userOpID {
		return "a user op"
	}
	for _, o := range handleNames.ops {
		if int64(o.kind)+1 == id {
			return o.name
		}
	}
	return fmt.Sprintf("op %d", id)
}

func elemID(h dtypeHandle) int64 {
	handleNames.once.Do(namesOfHandles)
	if k, ok := handleNames.kinds[h]; ok {
		return int64(k) + 1
	}
	return 0
}

func kindName(id int64) string {
	if id <= 0 || id > int64(numKinds) {
		return "(derived)"
	}
	return scalarTypes[id-1].name
}

// typeSize is the bytes of data of one element of dt (MPI_Type_size for a
// derived type: only the agreeing modes ask).
func typeSize(dt dtypeHandle) int64 {
	handleNames.once.Do(namesOfHandles)
	if k, ok := handleNames.kinds[dt]; ok {
		return int64(scalarTypes[k].size)
	}
	shape, rc := rawTypeShape(dt)
	if rc != 0 {
		return -1
	}
	return shape[0]
}
