package main

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"maps"
	"os/exec"
	"reflect"
	"runtime"
	"slices"
	"strings"

	"github.com/mpigo/mpigo/bench"
	"github.com/mpigo/mpigo/collectives"
	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

var broadcastCommand = &cli.Command{
	Name:  "broadcast",
	Usage: "broadcast a payload with each algorithm of package collectives and the native MPI_Bcast; compare",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "algo", Value: "all", Usage: "algorithm: native, " + strings.Join(collectives.BcastAlgorithms(), ", ") + ", or all"},
		&cli.IntFlag{Name: "root", Usage: "rank that broadcasts"},
		&cli.IntFlag{Name: "size", Usage: "payload of this many bytes (instead of --value)"},
		&cli.StringFlag{Name: "value", Value: `{"key1": [1, 2, 3], "key2": ["type", "cat"]}`,
			Usage: "payload: a Go value given as JSON, sent encoded (CBOR) and decoded on every rank"},
		&cli.IntFlag{Name: "reps", Value: 20, Usage: "repetitions; the table shows the median of the slowest rank's time"},
		// The table's messages and bytes are totals over all ranks; depth is in rounds.
		&cli.IntFlag{Name: "segment", Value: 32 << 10, Usage: "segment bytes of the pipelined chain"},
		&cli.StringFlag{Name: "hosts", Usage: "host of each rank, comma-separated (e.g. 0,0,1,1), for the hierarchical algorithm and the overlay metrics; default: by processor name"},
		&cli.StringFlag{Name: "trace", Usage: "trace every rank's calls into PREFIX.RANK.json (mpi.StartTrace): mpigo trace merge shows the trees unfold in time"},
		&cli.BoolFlag{Name: "model", Usage: "measure α and β (single messages from rank 0 to 1, at the sizes the algorithms send) and add each algorithm's α-β prediction and its time against it"},
		&cli.StringFlag{Name: "dot", Usage: "write every algorithm's messages as a Graphviz digraph to this file (ranks grouped by host)"},
		&cli.StringFlag{Name: "png", Usage: "draw every algorithm's messages into this PNG file (ranks grouped by host)"},
	},
	Action: func(c *cli.Context) error {
		if err := broadcastFlags(c); err != nil {
			return flagError(err)
		}
		runJob(mpi.ThreadMultiple, func(world *mpi.Comm) error { return broadcast(c, world) })
		return nil
	},
}

// broadcastFlags checks the flags before MPI starts.
func broadcastFlags(c *cli.Context) error {
	if algo := c.String("algo"); algo != "all" && algo != "native" && !slices.Contains(collectives.BcastAlgorithms(), algo) {
		return fmt.Errorf("--algo %q: want native, %s or all", algo, strings.Join(collectives.BcastAlgorithms(), ", "))
	}
	if n := c.Int("reps"); n < 1 {
		return fmt.Errorf("--reps %d: want at least 1", n)
	}
	if n := c.Int("size"); n < 0 || n > 1<<30 {
		return fmt.Errorf("--size %d: want 0 (send --value) to %d bytes", n, 1<<30)
	}
	if n := c.Int("segment"); n < 1 {
		return fmt.Errorf("--segment %d: want at least 1 byte", n)
	}
	if r := c.Int("root"); r < 0 {
		return fmt.Errorf("--root %d: want a rank, 0 or more", r)
	}
	if p := c.String("png"); p != "" {
		if err := checkPNG(p); err != nil {
			return fmt.Errorf("--png: %w", err)
		}
	}
	if p := c.String("dot"); p != "" {
		if err := bench.CheckOutputPath(p); err != nil {
			return fmt.Errorf("--dot: %w", err)
		}
	}
	_, _, err := payloadOf(c)
	return err
}

func broadcast(c *cli.Context, world *mpi.Comm) error {
	algos := algorithmList(c.String("algo"), collectives.BcastAlgorithms())
	root := c.Int("root")
	if root >= world.Size() {
		return jobError{fmt.Errorf("--root %d: the job has %d ranks", root, world.Size())}
	}
	want, value, err := payloadOf(c)
	if err != nil {
		return err
	}
	size := len(want)
	sum := crc32.ChecksumIEEE(want)
	tr := collectives.FromComm(world)
	hosts, err := placement(world, c.String("hosts"))
	if err != nil {
		return err
	}
	var model *alphaBeta
	var crowded bool // the ranks outnumber the cores: the model does not hold
	if c.Bool("model") {
		sizes := []int{size, max(size/world.Size(), 1)} // trees; scatter-allgather
		if seg := c.Int("segment"); seg > 0 && seg < size {
			sizes = append(sizes, seg) // the chain
		}
		if model, err = measureAlphaBeta(world, sizes); err != nil {
			return err
		}
		clock, err := sharedClock(world)
		if err != nil {
			return err
		}
		crowded = clock.crowded
	}
	if world.Rank() == root {
		if value != nil {
			fmt.Printf("# payload: the --value %s, a Go value encoded with CBOR (%d bytes); every rank decodes it and checks it\n", c.String("value"), len(want))
		}
		if model != nil {
			fmt.Printf("# α-β model: %s (one message from rank 0 to 1, timed alike); model: its prediction, ×model: the time against it\n", model)
			if crowded {
				fmt.Printf("# the ranks outnumber this machine's %d cores: the model, which gives each rank a core, does not hold\n", runtime.NumCPU())
			}
		}
		fmt.Printf("# %d ranks on %s%s, %d bytes from rank %d, median of %d repetitions (the slowest rank's time)\n",
			world.Size(), plural(countHosts(hosts), "host"), simulated(c), size, root, c.Int("reps"))
		fmt.Println("# messages, bytes: totals over ranks; rounds: steps if each rank sends one message a step; height: hops from the root\n" +
			"# to the farthest rank; edges: sender→receiver pairs used (the overlay's cost), across: of those, between hosts;\n" +
			"# stress: payload copies on the busiest host uplink; RDP: inter-host hops to a rank off the root's host (a direct send: 1)")
		fmt.Printf("%-18s %9s %8s %8s %10s %6s %6s %5s %6s %6s %7s %8s %8s\n",
			"algorithm", "time µs", "×native", "messages", "bytes", "rounds", "height", "edges", "across", "stress", "RDP max", "RDP mean", "verified")
	}
	if p := c.String("trace"); p != "" {
		if err := mpi.StartTrace(p); err != nil {
			return err
		}
	}
	var nativeTime float64
	var runs []overlay
	var notes []string
	for _, algo := range algos {
		buf := make([]byte, size)
		var times []float64
		var rep collectives.Report
		ok := true
		opts := []collectives.Option{collectives.Hosts(hosts)} // made once: not the broadcast's time
		if algo == "chain" {
			opts = append(opts, collectives.Segment(c.Int("segment")))
		}
		for range c.Int("reps") {
			clear(buf)
			if world.Rank() == root {
				copy(buf, want)
			}
			us, err := timeSlowest(world, algo, func() (err error) {
				if algo == "native" {
					return world.Bcast(mpi.Buf(buf), root)
				}
				rep, err = collectives.Bcast(tr, buf, root, algo, opts...)
				return err
			})
			if err != nil {
				return err
			}
			times = append(times, us)
			ok = ok && crc32.ChecksumIEEE(buf) == sum && decodes(buf, value)
		}
		// Every rank's report and verdict, at the root.
		reps, err := mpi.GatherValues(world, rep, root)
		if err != nil {
			return err
		}
		verdicts, err := mpi.GatherValues(world, ok, root)
		if err != nil {
			return err
		}
		if world.Rank() != root {
			continue
		}
		slices.Sort(times)
		median := times[len(times)/2]
		if algo == "native" {
			nativeTime = median
		}
		ratio := "-"
		if nativeTime > 0 {
			ratio = fmt.Sprintf("%.2f", median/nativeTime)
		}
		verified := !slices.Contains(verdicts, false)
		if algo == "native" {
			fmt.Printf("%-18s %9.1f %8s %8s %10s %6s %6s %5s %6s %6s %7s %8s %8v\n", "native (MPI_Bcast)", median, ratio,
				"-", "-", "-", "-", "-", "-", "-", "-", "-", verified)
			continue
		}
		m, b := 0, 0
		for _, r := range reps {
			m, b = m+r.Messages, b+r.Bytes
		}
		o := collectives.OverlayMetrics(reps, hosts, root, size)
		predicted := ""
		if model != nil {
			seg := 0
			if algo == "chain" {
				seg = c.Int("segment")
			}
			us := collectives.BcastModel(rep, world.Size(), size, seg, model.alpha, model.betaAt) * 1e6
			predicted = fmt.Sprintf("  model %.1f µs, ×model %.2f", us, median/us)
		}
		fmt.Printf("%-18s %9.1f %8s %8d %10d %6d %6d %5d %6d %6.2f %7.0f %8.2f %8v%s\n", algo, median, ratio,
			m, b, rep.Depth, rep.Height, o.Edges, o.InterHostEdges, o.MaxLinkStress, o.MaxRDP, o.MeanRDP, verified, predicted)
		runs = append(runs, overlay{algo: algo, reps: reps, hosts: hosts, root: root})
		switch {
		case algo == "gossip":
			cov := make([]string, len(rep.Coverage))
			for i, n := range rep.Coverage {
				cov[i] = fmt.Sprint(n)
			}
			notes = append(notes, fmt.Sprintf("# gossip: each informed rank pushes to %d random others a round; ranks informed after each round: 1 → %s; %d of %d messages went to ranks that had the payload",
				rep.Fanout, strings.Join(cov, " → "), rep.Redundant, m))
		case algo == "kary":
			notes = append(notes, fmt.Sprintf("# kary: fan-out %d", rep.Fanout))
		}
	}
	if c.String("trace") != "" {
		name, err := mpi.StopTrace()
		if err != nil {
			return err
		}
		if world.Rank() == root {
			fmt.Printf("# traced into %s and the other ranks' files: mpigo trace merge -o trace.json %s.*.json\n", name, c.String("trace"))
		}
	}
	if world.Rank() != root {
		return nil
	}
	for _, n := range notes {
		fmt.Println(n)
	}
	if p := c.String("dot"); p != "" {
		if err := writeDot(p, runs); err != nil {
			return err
		}
		hint := fmt.Sprintf("render it with Graphviz: dot -Tpng %s -o trees.png", p)
		if _, err := exec.LookPath("dot"); err != nil {
			hint = "Graphviz is not installed here (apt-get install graphviz), then: dot -Tpng " + p + " -o trees.png; --png draws the trees without it"
		}
		fmt.Printf("# wrote %s (%s)\n", p, hint)
	}
	if p := c.String("png"); p != "" {
		if err := drawTrees(p, runs); err != nil {
			return err
		}
		fmt.Printf("# drew %s\n", p)
	}
	return nil
}

// alphaBeta is the α-β model's parameters as measured between ranks 0 and
// 1: α the time of one 8-byte message, and β per message size, the time per
// byte more of one message of that size (seconds, seconds per byte).
type alphaBeta struct {
	alpha float64
	beta  map[int]float64
}

func (m *alphaBeta) betaAt(bytes int) float64 { return m.beta[bytes] }

func (m *alphaBeta) String() string {
	sizes := slices.Sorted(maps.Keys(m.beta))
	parts := make([]string, len(sizes))
	for i, n := range sizes {
		parts[i] = fmt.Sprintf("β(%d B) %.4f ns/B", n, m.beta[n]*1e9)
	}
	return fmt.Sprintf("α %.3f µs, %s", m.alpha*1e6, strings.Join(parts, ", "))
}

// measureAlphaBeta measures α and β at each of sizes with mpigo's Send and
// Recv, timed as the algorithms are (timeSlowest: a common start, until the
// receiver has the message), medians of 200 messages of 8 B and of 30 of each
// size past 10 untimed ones. A ping-pong's one-way time is shorter: its
// receiver waits, posted, when the message comes. Every rank gets them.
func measureAlphaBeta(world *mpi.Comm, sizes []int) (*alphaBeta, error) {
	m := &alphaBeta{beta: map[int]float64{}}
	if world.Size() < 2 {
		return m, nil
	}
	var err error
	if m.alpha, err = oneMessage(world, 8, 200); err != nil {
		return nil, err
	}
	for _, n := range sizes {
		if _, done := m.beta[n]; done {
			continue
		}
		t, err := oneMessage(world, n, 30)
		if err != nil {
			return nil, err
		}
		m.beta[n] = max(t-m.alpha, 0) / float64(n)
	}
	return m, nil
}

// oneMessage is the median time of reps messages of n bytes from rank 0 to
// rank 1 (seconds), each timed by timeSlowest, past 10 untimed ones (first
// contacts, cold caches), with buffers prepared as the algorithms' are.
func oneMessage(world *mpi.Comm, n, reps int) (float64, error) {
	const warmup = 10
	buf := make([]byte, n)
	times := make([]float64, 0, reps)
	for rep := range warmup + reps {
		// As the algorithms' runs: the sender's data freshly written (in its
		// core's cache), the receiver's buffer cleared.
		if world.Rank() == 0 {
			for i := range buf {
				buf[i] = byte(i + rep)
			}
		} else {
			clear(buf)
		}
		us, err := timeSlowest(world, "α-β", func() error {
			switch world.Rank() {
			case 0:
				return world.Send(mpi.Buf(buf), 1, 77)
			case 1:
				_, err := world.Recv(mpi.Buf(buf), 0, 77)
				return err
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		if rep >= warmup {
			times = append(times, us/1e6)
		}
	}
	slices.Sort(times)
	return times[len(times)/2], nil
}

// simulated says where --hosts placed the ranks on made-up hosts.
func simulated(c *cli.Context) string {
	if c.String("hosts") != "" {
		return " (as --hosts says: simulated, the messages go where MPI puts the ranks)"
	}
	return ""
}

// payloadOf returns the bytes to broadcast: --size bytes of a pattern, or
// the --value decoded from JSON and encoded with the mpi package's codec
// (that value is returned too, so every rank can check what it decodes).
func payloadOf(c *cli.Context) ([]byte, any, error) {
	if n := c.Int("size"); n > 0 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + i>>8)
		}
		return b, nil, nil
	}
	var v any
	if err := json.Unmarshal([]byte(c.String("value")), &v); err != nil {
		return nil, nil, fmt.Errorf("--value: %w", err)
	}
	b, err := mpi.CBOR().Marshal(v)
	if err != nil {
		return nil, nil, fmt.Errorf("--value: %w", err)
	}
	var back any
	if err := mpi.CBOR().Unmarshal(b, &back); err != nil {
		return nil, nil, err
	}
	return b, back, nil
}

// decodes reports whether buf decodes to want (true when there is no value).
func decodes(buf []byte, want any) bool {
	if want == nil {
		return true
	}
	var got any
	return mpi.CBOR().Unmarshal(buf, &got) == nil && reflect.DeepEqual(got, want)
}

// placement returns the host id of every rank: from --hosts, or by the
// ranks' processor names.
func placement(world *mpi.Comm, flag string) ([]int, error) {
	if flag != "" {
		var hosts []int
		for _, f := range strings.Split(flag, ",") {
			var h int
			if _, err := fmt.Sscan(strings.TrimSpace(f), &h); err != nil {
				return nil, fmt.Errorf("--hosts: bad host id %q", f)
			}
			hosts = append(hosts, h)
		}
		if len(hosts) != world.Size() {
			return nil, fmt.Errorf("--hosts gives %d hosts for %d ranks", len(hosts), world.Size())
		}
		return hosts, nil
	}
	names, err := processorNames(world)
	if err != nil {
		return nil, err
	}
	return hostIDs(names), nil
}

// processorNames returns the processor name of every rank, at every rank.
func processorNames(world *mpi.Comm) ([]string, error) {
	name, err := mpi.ProcessorName()
	if err != nil {
		return nil, err
	}
	return mpi.AllgatherValues(world, name)
}

// hostIDs numbers the distinct names in order of first appearance and
// returns each rank's number.
func hostIDs(names []string) []int {
	ids := map[string]int{}
	hosts := make([]int, len(names))
	for r, n := range names {
		if _, ok := ids[n]; !ok {
			ids[n] = len(ids)
		}
		hosts[r] = ids[n]
	}
	return hosts
}

func countHosts(hosts []int) int {
	seen := map[int]bool{}
	for _, h := range hosts {
		seen[h] = true
	}
	return len(seen)
}

// plural is "1 host", "2 hosts".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
