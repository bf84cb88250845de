package main

import (
	"fmt"
	"time"

	"github.com/mpigo/mpigo/bench"
	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

var modesCommand = &cli.Command{
	Name:  "modes",
	Usage: "what agreeing on collective arguments (AgreeOnArgErrors, MPIGO_CHECK) costs: Bcast and Allreduce at 8 B and 1 MiB, alternating rounds of the free and the agreeing mode",
	Flags: []cli.Flag{
		&cli.IntFlag{Name: "rounds", Value: 7, Usage: "alternating rounds of each mode; the table shows medians"},
		&cli.DurationFlag{Name: "round", Value: 200 * time.Millisecond, Usage: "about how long one round of one call runs"},
	},
	Action: func(c *cli.Context) error {
		mpi.Run(func(world *mpi.Comm) error { return modes(c, world) })
		return nil
	},
}

func modes(c *cli.Context, world *mpi.Comm) error {
	defer mpi.SetCollectiveErrors(mpi.SetCollectiveErrors(mpi.AbortOnArgError))
	if world.Rank() == 0 {
		fmt.Printf("# %d ranks; µs a call, slowest rank, median of %d alternating rounds\n", world.Size(), c.Int("rounds"))
		fmt.Printf("%-10s %8s %10s %10s %8s\n", "call", "bytes", "free µs", "agree µs", "×free")
	}
	for _, size := range []int{8, 1 << 20} {
		send, recv := make([]float64, size/8), make([]float64, size/8)
		for i := range send {
			send[i] = float64(i)
		}
		calls := []struct {
			name string
			run  func() error
		}{
			{"Bcast", func() error { return world.Bcast(mpi.Buf(send), 0) }},
			{"Allreduce", func() error { return world.Allreduce(mpi.Buf(send), mpi.Buf(recv), mpi.Sum) }},
		}
		for _, call := range calls {
			reps, err := repsFor(world, call.run, c.Duration("round"))
			if err != nil {
				return err
			}
			var times [2][]float64
			for range c.Int("rounds") {
				for mode, m := range []mpi.CollectiveErrors{mpi.AbortOnArgError, mpi.AgreeOnArgErrors} {
					mpi.SetCollectiveErrors(m)
					us, err := timeCalls(world, call.run, reps)
					mpi.SetCollectiveErrors(mpi.AbortOnArgError)
					if err != nil {
						return err
					}
					times[mode] = append(times[mode], us)
				}
			}
			if world.Rank() == 0 {
				free, agree := bench.Summarize(times[0]).Median, bench.Summarize(times[1]).Median
				fmt.Printf("%-10s %8d %10.2f %10.2f %8.2f\n", call.name, size, free, agree, agree/free)
			}
		}
	}
	return nil
}

// repsFor is how many calls of run take about d (every rank uses rank 0's count).
func repsFor(world *mpi.Comm, run func() error, d time.Duration) (int, error) {
	us, err := timeCalls(world, run, 10)
	if err != nil {
		return 0, err
	}
	reps := []int{max(10, int(d.Seconds()*1e6/max(us, 0.01)))}
	err = world.Bcast(mpi.Buf(reps), 0) // before reps[0] is read: Go leaves the order within a return unspecified
	return reps[0], err
}

// timeCalls times reps calls of run from a barrier and returns µs a call of
// the slowest rank.
func timeCalls(world *mpi.Comm, run func() error, reps int) (float64, error) {
	if err := world.Barrier(); err != nil {
		return 0, err
	}
	t0 := time.Now()
	for range reps {
		if err := run(); err != nil {
			return 0, err
		}
	}
	us, slowest := time.Since(t0).Seconds()*1e6/float64(reps), 0.0
	err := world.Allreduce(mpi.One(&us), mpi.One(&slowest), mpi.Max) // before slowest is read
	return slowest, err
}
