package main

import (
	"fmt"
	"hash/crc32"
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
		&cli.IntFlag{Name: "size", Value: 1 << 20, Usage: "payload bytes"},
		&cli.IntFlag{Name: "reps", Value: 20, Usage: "repetitions; the table shows the median of the slowest rank's time"},
		// The table's messages and bytes are totals over all ranks; depth is in rounds.
		&cli.IntFlag{Name: "segment", Value: 64 << 10, Usage: "segment bytes of the pipelined chain"},
	},
	Action: func(c *cli.Context) error {
		mpi.Run(func(world *mpi.Comm) error { return broadcast(c, world) })
		return nil
	},
}

func broadcast(c *cli.Context, world *mpi.Comm) error {
	algos := []string{c.String("algo")}
	if algos[0] == "all" {
		algos = append([]string{"native"}, collectives.BcastAlgorithms()...)
	}
	root, size := c.Int("root"), c.Int("size")
	want := make([]byte, size)
	for i := range want {
		want[i] = byte(i*7 + i>>8)
	}
	sum := crc32.ChecksumIEEE(want)
	tr := collectives.FromComm(world)
	if world.Rank() == root {
		fmt.Printf("%-18s %12s %9s %12s %6s %9s\n", "algorithm", "time µs", "messages", "bytes", "depth", "verified")
	}
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
			if err := world.Barrier(); err != nil {
				return err
			}
			t0 := mpi.Wtime()
			var err error
			if algo == "native" {
				err = world.Bcast(mpi.Buf(buf), root)
			} else {
				var opts []collectives.Option
				if algo == "chain" {
					opts = append(opts, collectives.Segment(c.Int("segment")))
				}
				rep, err = collectives.Bcast(tr, buf, root, algo, opts...)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", algo, err)
			}
			dt, slowest := mpi.Wtime()-t0, 0.0
			if err := world.Allreduce(mpi.One(&dt), mpi.One(&slowest), mpi.Max); err != nil {
				return err
			}
			times = append(times, slowest*1e6)
			ok = ok && crc32.ChecksumIEEE(buf) == sum
		}
		// Totals over ranks, and whether every rank verified its copy.
		counts, totals := []int{rep.Messages, rep.Bytes, boolInt(!ok)}, make([]int, 3)
		if err := world.Reduce(mpi.Buf(counts), mpi.Buf(totals), mpi.Sum, root); err != nil {
			return err
		}
		if world.Rank() == root {
			slices.Sort(times)
			msgs, bytes, depth := fmt.Sprint(totals[0]), fmt.Sprint(totals[1]), fmt.Sprint(rep.Depth)
			if algo == "native" {
				msgs, bytes, depth = "-", "-", "-"
			}
			fmt.Printf("%-18s %12.1f %9s %12s %6s %9v\n", algo, times[len(times)/2], msgs, bytes, depth, totals[2] == 0)
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
