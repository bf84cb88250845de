package collectives

import (
	"math/rand/v2"
	"slices"
	"sort"
	"sync/atomic"
)

// gossipSchedule derives the whole push-gossip schedule from the shared
// seed, the same on every rank: in each round every rank informed before the
// round pushes the data to f distinct random others, until every rank is
// informed. It returns the messages of each round, sorted by (sender,
// receiver), and the number of informed ranks after each round.
func gossipSchedule(p, root, f int, seed uint64) (rounds [][][2]int, coverage []int) {
	informed := make([]bool, p)
	informed[root] = true
	count := 1
	others := make([]int, 0, p)
	for round := 0; count < p; round++ {
		var msgs [][2]int
		for s := range p {
			if !informed[s] {
				continue
			}
			rng := rand.New(rand.NewPCG(seed, uint64(round)<<32|uint64(s)))
			others = others[:0]
			for r := range p {
				if r != s {
					others = append(others, r)
				}
			}
			k := min(f, len(others))
			for i := range k { // partial Fisher-Yates: k distinct targets
				j := i + rng.IntN(len(others)-i)
				others[i], others[j] = others[j], others[i]
				msgs = append(msgs, [2]int{s, others[i]})
			}
		}
		sort.Slice(msgs, func(i, j int) bool {
			if msgs[i][0] != msgs[j][0] {
				return msgs[i][0] < msgs[j][0]
			}
			return msgs[i][1] < msgs[j][1]
		})
		for _, m := range msgs {
			if !informed[m[1]] {
				informed[m[1]] = true
				count++
			}
		}
		rounds = append(rounds, msgs)
		coverage = append(coverage, count)
	}
	return rounds, coverage
}

// gossipPlan is a schedule with its coverage and redundant messages (those
// to ranks informed before, or earlier in the round). The last one made is
// kept: deriving it took 0.6 µs of an 8-byte broadcast's 0.8.
type gossipPlan struct {
	p, root, f int
	seed       uint64
	schedule   [][][2]int
	coverage   []int
	redundant  int
}

var lastGossip atomic.Pointer[gossipPlan]

func planGossip(p, root, f int, seed uint64) *gossipPlan {
	if g := lastGossip.Load(); g != nil && g.p == p && g.root == root && g.f == f && g.seed == seed {
		return g
	}
	g := &gossipPlan{p: p, root: root, f: f, seed: seed}
	g.schedule, g.coverage = gossipSchedule(p, root, f, seed)
	informed := make([]bool, p)
	informed[root] = true
	for _, msgs := range g.schedule {
		for _, m := range msgs {
			if informed[m[1]] {
				g.redundant++
			}
			informed[m[1]] = true
		}
	}
	lastGossip.Store(g)
	return g
}

// gossipBcast runs the schedule. Every rank performs its sends and receives
// of a round in the schedule's one global order, so blocking sends never
// wait on each other in a cycle; every rank knows what it will receive, so
// the run ends without further coordination.
func gossipBcast(t Transport, data []byte, root, f int, seed uint64) (rounds int, coverage []int, redundant int, err error) {
	me := t.Rank()
	g := planGossip(t.Size(), root, f, seed)
	for _, msgs := range g.schedule {
		for _, m := range msgs {
			switch me {
			case m[0]:
				err = t.Send(data, m[1], gossipTag)
			case m[1]:
				err = recvExactly(t, data, m[0], gossipTag)
			}
			if err != nil {
				return 0, nil, 0, err
			}
		}
	}
	return len(g.schedule), slices.Clone(g.coverage), g.redundant, nil
}

const gossipTag = 0x676f
