package main

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"reflect"
	"slices"
	"strings"

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
	if world.Rank() == root {
		if value != nil {
			fmt.Printf("# value %v\n", value)
		}
		fmt.Printf("# %d ranks on %d hosts, %d bytes from rank %d; messages and bytes are totals over ranks,\n"+
			"# depth in rounds, link stress in payload copies on the busiest host uplink, RDP max/mean in inter-host hops\n",
			world.Size(), countHosts(hosts), size, root)
		fmt.Printf("%-18s %12s %8s %9s %12s %6s %7s %11s %9s\n", "algorithm", "time µs", "×native", "messages", "bytes", "depth", "stress", "RDP", "verified")
	}
	var nativeTime float64
	for _, algo := range algos {
		buf := make([]byte, size)
		var times []float64
		var rep collectives.Report
		ok := true
		for range c.Int("reps") {
			clear(buf)
			if world.Rank() == root {
				copy(buf, want)
			}
			us, err := timeSlowest(world, algo, func() (err error) {
				if algo == "native" {
					return world.Bcast(mpi.Buf(buf), root)
				}
				opts := []collectives.Option{collectives.Hosts(hosts)}
				if algo == "chain" {
					opts = append(opts, collectives.Segment(c.Int("segment")))
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
		if world.Rank() == root {
			slices.Sort(times)
			median := times[len(times)/2]
			if algo == "native" {
				nativeTime = median
			}
			ratio := "-"
			if nativeTime > 0 {
				ratio = fmt.Sprintf("%.2f", median/nativeTime)
			}
			msgs, bytes, depth, stress, rdp := "-", "-", "-", "-", "-"
			if algo != "native" {
				m, b := 0, 0
				for _, r := range reps {
					m, b = m+r.Messages, b+r.Bytes
				}
				o := collectives.OverlayMetrics(reps, hosts, root, size)
				msgs, bytes, depth = fmt.Sprint(m), fmt.Sprint(b), fmt.Sprint(rep.Depth)
				stress, rdp = fmt.Sprintf("%.2f", o.MaxLinkStress), fmt.Sprintf("%.0f/%.2f", o.MaxRDP, o.MeanRDP)
			}
			fmt.Printf("%-18s %12.1f %8s %9s %12s %6s %7s %11s %9v\n", algo, median, ratio, msgs, bytes, depth, stress, rdp,
				!slices.Contains(verdicts, false))
		}
	}
	return nil
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
