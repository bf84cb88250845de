package collectives

// Overlay describes a run of a broadcast as a multicast overlay over hosts
// that hang off one switch: each host has one uplink, used in two directions.
// It is computed exactly from what every rank sent and whom it first
// received from (the Reports of all ranks).
type Overlay struct {
	Edges          int                // distinct sender→receiver pairs used (tree cost)
	InterHostEdges int                // of those, pairs on different hosts
	LinkStress     map[int][2]float64 // host → copies of the payload out of and into it
	MaxLinkStress  float64            // the busiest direction of any host's uplink
	MaxRDP         float64            // relative delay penalty: inter-host hops on the path to a
	MeanRDP        float64            // rank, against the 1 of a direct send (ranks off the root's host)
}

// OverlayMetrics computes the overlay metrics of one broadcast of payload
// bytes from root, given every rank's Report (reps[r] from rank r) and the
// host of each rank.
func OverlayMetrics(reps []Report, hosts []int, root, payload int) Overlay {
	o := Overlay{LinkStress: map[int][2]float64{}}
	copies := func(bytes int) float64 {
		if payload == 0 {
			return 0
		}
		return float64(bytes) / float64(payload)
	}
	for r, rep := range reps {
		for dest, bytes := range rep.Sent {
			o.Edges++
			if hosts[r] == hosts[dest] {
				continue
			}
			o.InterHostEdges++
			out, in := o.LinkStress[hosts[r]], o.LinkStress[hosts[dest]]
			out[0] += copies(bytes)
			o.LinkStress[hosts[r]] = out
			in[1] += copies(bytes)
			o.LinkStress[hosts[dest]] = in
		}
	}
	for _, s := range o.LinkStress {
		o.MaxLinkStress = max(o.MaxLinkStress, s[0], s[1])
	}
	var sum float64
	n := 0
	for r := range reps {
		if hosts[r] == hosts[root] {
			continue
		}
		hops := 0
		for u, steps := r, 0; u != root && u >= 0 && steps < len(reps); u, steps = reps[u].From, steps+1 {
			if from := reps[u].From; from >= 0 && hosts[from] != hosts[u] {
				hops++
			}
		}
		o.MaxRDP = max(o.MaxRDP, float64(hops))
		sum += float64(hops)
		n++
	}
	if n > 0 {
		o.MeanRDP = sum / float64(n)
	}
	return o
}

// BcastModel is the time the α-β model gives a broadcast that ran as rep
// says (at any rank: Depth and Fanout are alike on all) of n bytes over p
// ranks, with segment the pipeline's segment size (0: whole messages): α
// per message and beta(m) per byte of an m-byte message, one message per
// rank at a time. β depends on the size because MPI moves a message by
// different protocols (over shared memory, copied in and out below 4 KiB,
// copied once above), so one β cannot fit 8 B and 1 MiB: beta(m) is
// measured at the sizes the algorithm sends. Trees and the chain take
// Depth steps of one segment each; scatter-allgather (⌈lg p⌉ + p-1)α +
// 2(p-1)/p·nβ(n/p); gossip Depth rounds of Fanout messages (p-1 at most).
func BcastModel(rep Report, p, n, segment int, alpha float64, beta func(m int) float64) float64 {
	whole := alpha + float64(n)*beta(n)
	switch rep.Algorithm {
	case "scatter-allgather":
		lg := 0
		for 1<<lg < p {
			lg++
		}
		return float64(lg+p-1)*alpha + 2*float64(p-1)/float64(p)*float64(n)*beta(max(n/p, 1))
	case "gossip":
		return float64(rep.Depth*max(min(rep.Fanout, p-1), 1)) * whole
	}
	if segment > 0 && segment < n {
		return float64(rep.Depth) * (alpha + float64(segment)*beta(segment))
	}
	return float64(rep.Depth) * whole
}
