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
// per message, β per byte, one message per rank at a time. Trees and the
// chain take Depth steps of one segment each; scatter-allgather
// (⌈lg p⌉ + p-1)α + 2(p-1)/p·nβ; gossip Depth rounds of Fanout messages.
func BcastModel(rep Report, p, n, segment int, alpha, beta float64) float64 {
	whole := alpha + float64(n)*beta
	switch rep.Algorithm {
	case "scatter-allgather":
		lg := 0
		for 1<<lg < p {
			lg++
		}
		return float64(lg+p-1)*alpha + 2*float64(p-1)/float64(p)*float64(n)*beta
	case "gossip":
		return float64(rep.Depth*max(rep.Fanout, 1)) * whole
	}
	if segment > 0 && segment < n {
		return float64(rep.Depth) * (alpha + float64(segment)*beta)
	}
	return float64(rep.Depth) * whole
}
