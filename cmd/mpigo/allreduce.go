package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mpigo/mpigo/collectives"
	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

var allreduceCommand = &cli.Command{
	Name:  "allreduce",
	Usage: "sum float64 vectors with each allreduce algorithm of package collectives and the native MPI_Allreduce; compare",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "algo", Value: "all", Usage: "algorithm: native, " + strings.Join(collectives.AllreduceAlgorithms(), ", ") + ", or all"},
		&cli.IntFlag{Name: "size", Value: 1 << 20, Usage: "vector bytes (float64 elements × 8)"},
		&cli.IntFlag{Name: "reps", Value: 20, Usage: "repetitions; the table shows the median of the slowest rank's time"},
	},
	Action: func(c *cli.Context) error {
		mpi.Run(func(world *mpi.Comm) error { return allreduce(c, world) })
		return nil
	},
}

func allreduce(c *cli.Context, world *mpi.Comm) error {
	algos := algorithmList(c.String("algo"), collectives.AllreduceAlgorithms())
	n := c.Int("size") / 8
	p, r := world.Size(), world.Rank()
	// Small integers: every algorithm's sum is exact, so results compare exactly.
	input := func(i int) float64 { return float64((r*131 + i) % 1000) }
	want := func(i int) float64 {
		s := 0.0
		for q := range p {
			s += float64((q*131 + i) % 1000)
		}
		return s
	}
	tr := collectives.FromComm(world)
	if r == 0 {
		fmt.Printf("# %d ranks, %d float64 (%d bytes), sum; time: median of the slowest rank\n", p, n, 8*n)
		fmt.Printf("%-20s %12s %8s %9s %9s\n", "algorithm", "time µs", "×native", "messages", "verified")
	}
	var nativeTime float64
	for _, algo := range algos {
		data, out := make([]float64, n), make([]float64, n)
		var times []float64
		var rep collectives.Report
		ok := true
		for range c.Int("reps") {
			for i := range data {
				data[i] = input(i)
			}
			us, err := timeSlowest(world, algo, func() (err error) {
				if algo == "native" {
					err = world.Allreduce(mpi.Buf(data), mpi.Buf(out), mpi.Sum)
					copy(data, out)
					return err
				}
				rep, err = collectives.Allreduce(tr, data, collectives.SumFloat64, algo)
				return err
			})
			if err != nil {
				return err
			}
			times = append(times, us)
			for i := 0; i < n; i += max(1, n/64) {
				ok = ok && data[i] == want(i)
			}
		}
		verdicts, err := mpi.GatherValues(world, ok, 0)
		if err != nil {
			return err
		}
		msgs, err := mpi.GatherValues(world, rep.Messages, 0)
		if err != nil {
			return err
		}
		if r == 0 {
			slices.Sort(times)
			median := times[len(times)/2]
			if algo == "native" {
				nativeTime = median
			}
			total := 0
			for _, m := range msgs {
				total += m
			}
			m := fmt.Sprint(total)
			if algo == "native" {
				m = "-"
			}
			fmt.Printf("%-20s %12.1f %8.2f %9s %9v\n", algo, median, median/nativeTime, m, !slices.Contains(verdicts, false))
		}
	}
	return nil
}
