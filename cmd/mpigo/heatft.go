package main

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mpigo/mpigo/internal/heat"
	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

// resilienceFlags reads --checkpoint-every and --kill (before MPI starts).
func resilienceFlags(c *cli.Context) (heat.Resilience, error) {
	r := heat.Resilience{Every: c.Int("checkpoint-every"), Kill: map[int]int{}}
	if r.Every < 1 {
		return r, fmt.Errorf("--checkpoint-every %d: want at least 1", r.Every)
	}
	for _, k := range c.StringSlice("kill") {
		rank, step, ok := strings.Cut(k, "@")
		rk, err1 := strconv.Atoi(rank)
		st, err2 := strconv.Atoi(step)
		if !ok || err1 != nil || err2 != nil || rk < 0 || st < 0 {
			return r, fmt.Errorf("--kill %q: want RANK@STEP, e.g. 1@120", k)
		}
		r.Kill[rk] = st
	}
	return r, nil
}

// runResilientHeat solves on all ranks, surviving the ranks that die, and
// checks the result against a serial run at rank 0 of the survivors.
func runResilientHeat(world *mpi.Comm, cfg heat.Config, r heat.Resilience) error {
	if !mpi.FaultTolerant() {
		return jobError{fmt.Errorf("heat --resilient needs a fault-tolerant job: OpenMPI 5 and mpiexec --with-ft ulfm (this one: %v)", mpi.HasULFM())}
	}
	for rank := range r.Kill {
		if rank >= world.Size() {
			return jobError{fmt.Errorf("--kill %d@…: the job has ranks 0 to %d", rank, world.Size()-1)}
		}
	}
	if len(r.Kill) >= world.Size() {
		return jobError{fmt.Errorf("--kill names every rank: none would survive")}
	}
	dir := ""
	if world.Rank() == 0 {
		d, err := os.MkdirTemp("", "mpigo-heat-")
		if err != nil {
			return err
		}
		dir = d
	}
	if err := world.BcastValue(&dir, 0); err != nil {
		return err
	}
	r.Dir = dir
	t0 := time.Now()
	r.Log = func(format string, a ...any) {
		fmt.Printf("# rank %d: %.2f s: "+format+"\n", append([]any{world.Rank(), time.Since(t0).Seconds()}, a...)...)
	}
	if world.Rank() == 0 {
		var kills []string
		for _, rank := range slices.Sorted(maps.Keys(r.Kill)) {
			kills = append(kills, fmt.Sprintf("rank %d before step %d", rank, r.Kill[rank]))
		}
		if kills == nil {
			kills = []string{"none"}
		}
		fmt.Printf("# heat --resilient: %d×%d grid, %d steps on %d ranks, a checkpoint every %d steps (in %s); to be killed: %s\n",
			cfg.N, cfg.N, cfg.Steps, world.Size(), r.Every, dir, strings.Join(kills, ", "))
	}
	res, err := heat.SolveResilient(world, cfg, r)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir) // by every survivor: rank 0 may be dead
	if res.Comm.Rank() != 0 {
		return nil
	}
	serial, residual, err := heat.Serial(cfg)
	if err != nil {
		return err
	}
	check := "identical to a serial run"
	if i := firstDifference(res.Field, serial); i >= 0 || res.Residual != residual {
		check = fmt.Sprintf("DIFFERS from a serial run (point %d; residual %g against %g)", i, res.Residual, residual)
	}
	fmt.Printf("# world rank %d reports: done on %d of %d ranks (%d×%d blocks) after %d recoveries, in %.2f s; the field is %s\n",
		world.Rank(), res.Comm.Size(), world.Size(), res.Dims[0], res.Dims[1], len(res.Recoveries), time.Since(t0).Seconds(), check)
	for i, rec := range res.Recoveries {
		fmt.Printf("# recovery %d: %d rank(s) lost at step %d, noticed as %q; back to step %d on %d ranks in %.1f ms\n",
			i+1, rec.Lost, rec.AtStep, rec.Err, rec.FromStep, rec.Ranks, rec.Seconds*1e3)
	}
	if strings.HasPrefix(check, "DIFFERS") {
		return fmt.Errorf("heat: the field %s", check)
	}
	return nil
}
