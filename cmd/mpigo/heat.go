package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/mpigo/mpigo/internal/heat"
	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

var heatCommand = &cli.Command{
	Name:  "heat",
	Usage: "2D heat equation (Jacobi) over a Cartesian communicator: halo exchanges, strong scaling, a check against a serial run",
	Description: "Solves the same grid on 1, 2, 4, … ranks of the job (sub-communicators, one after another) and prints\n" +
		"steps/s, speed-up and the time spent in halo exchanges; rank 0 gathers each field and checks it\n" +
		"point by point against a serial run of the same steps. Example: mpiexec -n 4 mpigo heat --n 200 --steps 3000 --png heat.png (heat spreads about sqrt(steps) points: a large grid needs many steps to show it)",
	Flags: []cli.Flag{
		&cli.IntFlag{Name: "n", Value: 256, Usage: fmt.Sprintf("grid points per side, edges included (3 to %d)", heat.MaxN)},
		&cli.IntFlag{Name: "steps", Value: 500, Usage: "Jacobi steps"},
		&cli.StringFlag{Name: "exchange", Value: "all", Usage: "halo exchange: sendrecv (Vector columns), neighbor (NeighborAlltoallw of Subarrays), packed (columns copied by hand), or all"},
		&cli.BoolFlag{Name: "no-scaling", Usage: "solve on all the job's ranks only, not also on 1, 2, 4, … of them"},
		&cli.StringFlag{Name: "png", Usage: "write the final field as a heat map to this PNG file"},
		&cli.StringFlag{Name: "checkpoint", Usage: "write the final field to this file: N×N float64s in row-major order, one collective MPI-IO write through subarray views"},
		&cli.StringFlag{Name: "restart", Usage: "start from this checkpoint (of the same --n) instead of the cold field"},
		&cli.BoolFlag{Name: "persistent", Usage: "reduce each step's residual with a persistent Allreduce (AllreduceInit, made once, started each step) instead of an Allreduce call"},
		&cli.BoolFlag{Name: "resilient", Usage: "survive dead ranks (needs OpenMPI 5 and mpiexec --with-ft ulfm): checkpoint, and on a failure go on over the survivors from the last checkpoint; solves on all ranks once"},
		&cli.IntFlag{Name: "checkpoint-every", Value: 50, Usage: "--resilient: steps between checkpoints"},
		&cli.StringSliceFlag{Name: "kill", Usage: "--resilient: RANK@STEP makes that rank SIGKILL itself before that step, a crash to survive (repeatable)"},
	},
	Action: func(c *cli.Context) error {
		cfg, exchanges, err := heatFlags(c)
		if err != nil {
			return flagError(err)
		}
		if c.Bool("resilient") {
			r, err := resilienceFlags(c)
			if err != nil {
				return flagError(err)
			}
			runJob(mpi.ThreadMultiple, func(world *mpi.Comm) error { return runResilientHeat(world, cfg, r) })
			return nil
		}
		runJob(mpi.ThreadMultiple, func(world *mpi.Comm) error { return runHeat(c, world, cfg, exchanges) })
		return nil
	},
}

// heatFlags checks the flags before MPI starts.
func heatFlags(c *cli.Context) (heat.Config, []heat.Exchange, error) {
	cfg := heat.Config{N: c.Int("n"), Steps: c.Int("steps"), Exchange: heat.Sendrecv, PersistentResidual: c.Bool("persistent")}
	exchanges := heat.Exchanges
	if name := c.String("exchange"); name != "all" {
		e, err := heat.ParseExchange(name)
		if err != nil {
			return cfg, nil, fmt.Errorf("--exchange: %w", err)
		}
		exchanges = []heat.Exchange{e}
	}
	if cfg.N < 3 || cfg.N > heat.MaxN {
		return cfg, nil, fmt.Errorf("--n %d: want 3 to %d", cfg.N, heat.MaxN)
	}
	if cfg.Steps < 1 {
		return cfg, nil, fmt.Errorf("--steps %d: want at least 1", cfg.Steps)
	}
	if path := c.String("png"); path != "" {
		if !strings.EqualFold(filepath.Ext(path), ".png") {
			return cfg, nil, fmt.Errorf("--png %s: want a file ending in .png", path)
		}
		if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
			return cfg, nil, fmt.Errorf("--png %s: no directory %s", path, filepath.Dir(path))
		}
	}
	cfg.Checkpoint, cfg.Restart = c.String("checkpoint"), c.String("restart")
	if cfg.Checkpoint != "" {
		if st, err := os.Stat(filepath.Dir(cfg.Checkpoint)); err != nil || !st.IsDir() {
			return cfg, nil, fmt.Errorf("--checkpoint %s: no directory %s", cfg.Checkpoint, filepath.Dir(cfg.Checkpoint))
		}
	}
	if cfg.Restart != "" {
		st, err := os.Stat(cfg.Restart)
		if err != nil {
			return cfg, nil, fmt.Errorf("--restart: %w", err)
		}
		if want := int64(cfg.N) * int64(cfg.N) * 8; st.Size() != want {
			return cfg, nil, fmt.Errorf("--restart %s: %d bytes, not a %d×%d field (%d bytes): give the --n it was written with", cfg.Restart, st.Size(), cfg.N, cfg.N, want)
		}
		if cfg.Restart == cfg.Checkpoint {
			return cfg, nil, fmt.Errorf("--checkpoint and --restart name the same file: every solve of the table restarts from it")
		}
	}
	return cfg, exchanges, nil
}

func runHeat(c *cli.Context, world *mpi.Comm, cfg heat.Config, exchanges []heat.Exchange) error {
	var serial []float64
	var serialRate float64
	if world.Rank() == 0 {
		t0 := time.Now()
		var err error
		if serial, _, err = heat.Serial(cfg); err != nil {
			return jobError{err}
		}
		serialRate = float64(cfg.Steps) / time.Since(t0).Seconds()
		over := ""
		if world.Size() > runtime.NumCPU() {
			over = fmt.Sprintf(" (more ranks than cores: the largest runs share cores)")
		}
		fmt.Printf("# heat: Jacobi steps of a %d×%d grid, %d steps; %d ranks (rank 0 may use %d cores)%s\n", cfg.N, cfg.N, cfg.Steps, world.Size(), runtime.NumCPU(), over)
		fmt.Printf("# each row solves on the first k ranks of the job (the others sleep); steps/s of the slowest rank,\n" +
			"# speed-up against 1 rank with the same exchange, halo = time in halo exchanges, check = every point equal to the serial run\n")
		fmt.Printf("%5s  %-5s  %-9s %10s %9s %11s %13s %7s %10s  %s\n", "ranks", "grid", "exchange", "steps/s", "speed-up", "efficiency", "halo µs/step", "halo %", "residual", "check")
		fmt.Printf("%5s  %-5s  %-9s %10.1f %9s %11s %13s %7s %10s  %s\n", "-", "-", "serial", serialRate, "", "", "", "", "", "(no MPI)")
	}
	base := map[heat.Exchange]float64{}
	var last heat.Result
	failed := false
	for _, k := range scalingSizes(world.Size(), !c.Bool("no-scaling")) {
		for _, ex := range exchanges {
			cfg.Exchange = ex
			var res heat.Result
			in, err := onFirst(world, k, func(sub *mpi.Comm) (err error) {
				res, err = heat.Solve(sub, cfg)
				return err
			})
			if err != nil {
				return err
			}
			if !in || world.Rank() != 0 {
				continue
			}
			rate := res.StepsPerSecond(cfg.Steps)
			if k == 1 {
				base[ex] = rate
			}
			speedup, eff := "-", "-"
			if b := base[ex]; b > 0 {
				speedup, eff = fmt.Sprintf("%.2f", rate/b), fmt.Sprintf("%.0f%%", 100*rate/b/float64(k))
			}
			check := "identical"
			if i := firstDifference(res.Field, serial); i >= 0 {
				check = fmt.Sprintf("DIFFERS at (%d, %d)", i/cfg.N, i%cfg.N)
				failed = true
			}
			fmt.Printf("%5d  %-5s  %-9s %10.1f %9s %11s %13.2f %6.0f%% %10.3g  %s\n", k, fmt.Sprintf("%d×%d", res.Dims[0], res.Dims[1]), ex, rate, speedup, eff,
				res.Halo/float64(cfg.Steps)*1e6, 100*res.Halo/res.Seconds, res.Residual, check)
			last = res
		}
	}
	if world.Rank() != 0 {
		return nil
	}
	if failed {
		return fmt.Errorf("heat: a distributed field differs from the serial one")
	}
	if path := c.String("png"); path != "" {
		title := fmt.Sprintf("heat: %d×%d grid after %d Jacobi steps on %d ranks (%d×%d blocks, dashed)", cfg.N, cfg.N, cfg.Steps, world.Size(), last.Dims[0], last.Dims[1])
		if err := heat.WritePNG(path, cfg.N, last.Field, last.Dims, title); err != nil {
			return err
		}
		fmt.Printf("# wrote %s\n", path)
	}
	return nil
}

// firstDifference is the first index where a and b differ, or -1.
func firstDifference(a, b []float64) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
