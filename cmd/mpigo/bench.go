package main

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mpigo/mpigo/bench"
	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

// The flags every implementation of the suite takes (bench/c/osu.c and
// bench/py/osu.py parse the same short names).
var suiteFlags = []cli.Flag{
	&cli.StringFlag{Name: "benches", Aliases: []string{"b"}, Value: strings.Join(bench.Names(), ","), Usage: "benchmarks to run"},
	&cli.StringFlag{Name: "sizes", Aliases: []string{"s"}, Value: "1:4194304", Usage: "point-to-point sizes in bytes: a list (1,64,1024) or a range of powers of two (1:4194304)"},
	&cli.StringFlag{Name: "coll-sizes", Aliases: []string{"c"}, Value: "1:16777216", Usage: "collective sizes in bytes, as --sizes"},
	&cli.Float64Flag{Name: "scale", Aliases: []string{"x"}, Value: 1, Usage: "multiply OSU's iteration counts (10000/1000 latency, 100/20 windows, 1000/100 collectives) by this"},
	&cli.BoolFlag{Name: "validate", Aliases: []string{"v"}, Usage: "check the received data after every iteration (timings then include the check)"},
	&cli.BoolFlag{Name: "no-algos", Aliases: []string{"n"}, Usage: "only the MPI library's own collectives, not package collectives' algorithms"},
	&cli.BoolFlag{Name: "hugepages", Aliases: []string{"H"}, Usage: "message buffers on transparent huge pages (mpi.Alloc; numpy's default; madvise in C) instead of ordinary memory"},
	&cli.StringFlag{Name: "limits", Aliases: []string{"l"}, Usage: "the sizes each benchmark runs at, as the driver tells the baselines (name:min:max,…); this suite reads them from the catalog, and refuses others"},
}

// Where results go.
var outputFlags = []cli.Flag{
	&cli.StringFlag{Name: "json", Usage: "write the results to this JSON file"},
	&cli.StringFlag{Name: "csv", Usage: "write the results to this CSV file"},
	&cli.StringFlag{Name: "plot", Usage: "draw the medians against size into this .png or .svg file"},
	&cli.BoolFlag{Name: "detail", Usage: "also print OSU-style tables: mean, min, max, median, p99 per size"},
}

var benchCommand = &cli.Command{
	Name:  "bench",
	Usage: "OSU-class benchmarks: point-to-point, Go values and collectives (run under mpiexec)",
	Description: "Under mpiexec, measures this binding (and every algorithm of package collectives) and prints\n" +
		"OSU-style tables; \"mpigo bench all\" runs C, mpigo, gompi and mpi4py side by side, \"mpigo bench\n" +
		"compare\" compares two result files. The method is in the bench package's documentation.",
	Flags: append(append(append([]cli.Flag{}, suiteFlags...), outputFlags...),
		&cli.BoolFlag{Name: "raw", Usage: "write the samples as raw lines on standard output (the format of the baselines)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress lines"},
		threadFlag,
	),
	Action: func(c *cli.Context) error {
		cfg, err := suiteConfig(c)
		if err != nil {
			return flagError(err)
		}
		if !c.Bool("quiet") && !c.Bool("raw") {
			cfg.Progress = os.Stderr
		}
		level, err := threadLevel(c)
		if err != nil {
			return err
		}
		if cfg.Name = bench.Impl; level != mpi.ThreadMultiple { // mpigo-single and the like
			cfg.Name += "-" + level.String()
		}
		mpi.RunThread(level, func(world *mpi.Comm) error { return runSuite(c, world, cfg) })
		return nil
	},
	Subcommands: []*cli.Command{benchAllCommand, benchCompareCommand, benchShowCommand},
}

func suiteConfig(c *cli.Context) (bench.Config, error) {
	cfg := bench.Config{Scale: c.Float64("scale"), Validate: c.Bool("validate"), Algos: !c.Bool("no-algos"), HugePages: c.Bool("hugepages")}
	if cfg.Scale <= 0 {
		return cfg, fmt.Errorf("--scale must be positive")
	}
	if err := checkOutputs(c); err != nil {
		return cfg, err
	}
	for _, b := range strings.Split(c.String("benches"), ",") {
		if _, err := bench.Lookup(b); err != nil {
			return cfg, err
		}
		cfg.Benches = append(cfg.Benches, b)
	}
	var err error
	if cfg.Sizes, err = parseSizeSpec(c.String("sizes")); err != nil {
		return cfg, fmt.Errorf("--sizes: %w", err)
	}
	if cfg.CollSizes, err = parseSizeSpec(c.String("coll-sizes")); err != nil {
		return cfg, fmt.Errorf("--coll-sizes: %w", err)
	}
	if l := c.String("limits"); l != "" && l != bench.Limits() {
		return cfg, fmt.Errorf("--limits %q: this suite's catalog says %q", l, bench.Limits())
	}
	return cfg, nil
}

// parseSizeSpec reads "lo:hi" (powers of two) or a list of sizes ≥ 1.
func parseSizeSpec(s string) ([]int, error) {
	if lo, hi, ok := strings.Cut(s, ":"); ok {
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 1 || b < a || b > 1<<30 {
			return nil, fmt.Errorf("bad range %q: want lo:hi with 1 ≤ lo ≤ hi ≤ 1 GiB", s)
		}
		return bench.PowersOfTwo(a, b), nil
	}
	sizes, err := parseSizes(s)
	for _, n := range sizes {
		if n < 1 || n > 1<<30 {
			return nil, fmt.Errorf("size %d out of range [1, 1 GiB]", n)
		}
	}
	return sizes, err
}

// runSuite is one rank of "mpigo bench".
func runSuite(c *cli.Context, world *mpi.Comm, cfg bench.Config) error {
	names, err := processorNames(world)
	if err != nil {
		return err
	}
	cfg.Hosts = hostIDs(names)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	var series []bench.Series
	emit := func(s bench.Series) error {
		if c.Bool("raw") {
			if err := s.WriteRaw(out); err != nil {
				return err
			}
			return out.Flush() // the driver shows progress as lines arrive
		}
		series = append(series, s)
		return nil
	}
	library, err := libraryLine()
	if err != nil {
		return err
	}
	if world.Rank() == 0 && c.Bool("raw") {
		bench.WriteMeta(out, "library", library)
		pages := "ordinary"
		if cfg.HugePages {
			pages = "huge"
		}
		bench.WriteMeta(out, "version", fmt.Sprintf("mpigo, %s, thread level %v, %s pages", runtime.Version(), mpi.Provided(), pages))
		for r, n := range names {
			bench.WriteMeta(out, "host."+strconv.Itoa(r), n)
		}
	}
	if err := bench.Run(world, cfg, emit); err != nil {
		return err
	}
	if world.Rank() != 0 || c.Bool("raw") {
		return nil
	}
	f := &bench.File{
		Meta:    bench.NewMeta(strings.Join(os.Args, " "), world.Size(), 1, cfg.Scale, names),
		Results: bench.Aggregate([][]bench.Series{series}, func(string) string { return cfg.Name }),
	}
	f.Meta.HugePages, f.Meta.Validate = cfg.HugePages, cfg.Validate
	f.Meta.Libraries[bench.Impl] = library
	return report(c, out, f, false)
}

// checkOutputs checks the paths of --json, --csv and --plot before a run,
// so that a long run does not end in an error.
func checkOutputs(c *cli.Context) error {
	for _, name := range []string{"json", "csv", "plot"} {
		p := c.String(name)
		if p == "" {
			continue
		}
		check := bench.CheckOutputPath
		if name == "plot" {
			check = bench.CheckPlotPath
		}
		if err := check(p); err != nil {
			return fmt.Errorf("--%s: %w", name, err)
		}
	}
	return nil
}

// report prints f's tables and writes the files its flags ask for.
func report(c *cli.Context, out *bufio.Writer, f *bench.File, detail bool) error {
	fmt.Fprintf(out, "# %d ranks on %s; %s\n", f.Meta.Ranks, strings.Join(f.Meta.Hosts, ", "), f.Meta.Machine)
	for _, impl := range slices.Sorted(maps.Keys(f.Meta.Libraries)) {
		fmt.Fprintf(out, "# %s: %s\n", impl, f.Meta.Libraries[impl])
	}
	fmt.Fprintln(out)
	if detail || c.Bool("detail") {
		bench.Detail(out, f.Results)
	}
	bench.Table(out, f.Results)
	if p := c.String("json"); p != "" {
		if err := f.WriteJSON(p); err != nil {
			return err
		}
	}
	if p := c.String("csv"); p != "" {
		if err := f.WriteCSV(p); err != nil {
			return err
		}
	}
	if p := c.String("plot"); p != "" {
		if err := bench.Plot(p, f); err != nil {
			return err
		}
	}
	return out.Flush()
}

var benchAllCommand = &cli.Command{
	Name:  "all",
	Usage: "run the suite in C, mpigo, gompi and mpi4py as alternating mpiexec jobs (run it directly, not under mpiexec)",
	Description: "Each round runs every implementation once, in an order that rotates; the tables show the\n" +
		"median over rounds and the median of each round's ratio to C. Build the baselines first (make bench-deps).",
	Flags: append(append(append([]cli.Flag{}, suiteFlags...), outputFlags...),
		&cli.IntFlag{Name: "np", Value: 2, Usage: "ranks per job"},
		&cli.IntFlag{Name: "rounds", Value: 3, Usage: "rounds"},
		&cli.StringFlag{Name: "impls", Value: "c,mpigo,gompi,mpi4py,mpi4py-obj", Usage: "implementations, of c, c-single (C at MPI_THREAD_SINGLE, gompi's level), mpigo, mpigo-single (mpigo at ThreadSingle), gompi, mpi4py, mpi4py-obj; gompi and mpigo-single are compared with c-single where it runs"},
		&cli.StringFlag{Name: "bin", Value: "bin", Usage: "directory of mpigo, bench-c and bench-gompi"},
		&cli.StringFlag{Name: "py", Value: "bench/py/osu.py", Usage: "the mpi4py benchmark script"},
		&cli.StringFlag{Name: "hostfile", Usage: "run the jobs across the hosts of this OpenMPI hostfile"},
		&cli.StringFlag{Name: "mpiexec-args", Usage: "more mpiexec arguments, space-separated (e.g. \"--map-by node\")"},
		&cli.DurationFlag{Name: "timeout", Value: 30 * time.Minute, Usage: "bound on each job"},
	),
	Action: func(c *cli.Context) error {
		cfg, err := suiteConfig(c)
		if err != nil {
			return err
		}
		bin, py := c.String("bin"), c.String("py")
		coll := []string{"bcast", "scatter", "gather", "allgather", "alltoall"}
		known := map[string]bench.Program{
			"c":            {Name: "c", Argv: []string{bin + "/bench-c"}},
			"c-single":     {Name: "c-single", Argv: []string{bin + "/bench-c", "-single"}},
			"mpigo":        {Name: "mpigo", Argv: []string{bin + "/mpigo", "bench", "--raw"}},
			"mpigo-single": {Name: "mpigo-single", Argv: []string{bin + "/mpigo", "bench", "--raw", "--thread", "single"}, Ref: "c-single"},
			"gompi":        {Name: "gompi", Argv: []string{bin + "/bench-gompi"}, Benches: []string{"latency", "bcast", "reduce", "allreduce", "barrier"}, Ref: "c-single"},
			"mpi4py":       {Name: "mpi4py", Argv: []string{"/usr/bin/python3", py}},
			"mpi4py-obj":   {Name: "mpi4py-obj", Argv: []string{"/usr/bin/python3", py, "--object"}, Benches: append([]string{"latency", "value"}, coll...)},
		}
		job := bench.Job{Ranks: c.Int("np"), Rounds: c.Int("rounds"), Hostfile: c.String("hostfile"),
			MpiexecArgs: strings.Fields(c.String("mpiexec-args")), Env: mpitest.Env(c.Int("np")),
			Timeout: c.Duration("timeout"), Config: cfg, Progress: os.Stderr, Command: strings.Join(os.Args, " ")}
		for _, name := range strings.Split(c.String("impls"), ",") {
			p, ok := known[name]
			if !ok {
				return fmt.Errorf("--impls: unknown implementation %q", name)
			}
			for _, a := range p.Argv {
				if _, err := os.Stat(a); strings.Contains(a, "/") && err != nil {
					return fmt.Errorf("%s: %w (make bench-deps builds the baselines)", name, err)
				}
			}
			job.Programs = append(job.Programs, p)
		}
		f, err := bench.Drive(job)
		if err != nil {
			return err
		}
		if job.Hostfile != "" {
			if f.Meta.HostfileEntries, err = hostfileEntries(job.Hostfile); err != nil {
				return err
			}
		}
		return report(c, bufio.NewWriter(os.Stdout), f, false)
	},
}

// hostfileEntries returns the lines of an OpenMPI hostfile without comments.
func hostfileEntries(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var entries []string
	for _, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.TrimSpace(line); line != "" {
			entries = append(entries, line)
		}
	}
	return entries, nil
}

var benchCompareCommand = &cli.Command{
	Name:      "compare",
	Usage:     "compare two result files: the slowdown per benchmark and size, regressions flagged",
	ArgsUsage: "OLD.json NEW.json",
	Flags: []cli.Flag{
		&cli.Float64Flag{Name: "threshold", Value: 1.3, Usage: "flag results this many times slower (±20–30% is noise on shared machines)"},
		&cli.BoolFlag{Name: "force", Usage: "compare runs whose settings differ (validation, huge pages, scale, ranks, hosts, libraries), with a warning"},
		&cli.BoolFlag{Name: "ratios", Usage: "compare each implementation's ratio to its reference (C) in its own run, not medians: runs on other libraries compare (make bench-versions)"},
	},
	Action: func(c *cli.Context) error {
		if err := fileArgs(c, 2); err != nil {
			return err
		}
		if c.Float64("threshold") <= 1 {
			return fmt.Errorf("--threshold must be above 1")
		}
		old, err := bench.Load(c.Args().Get(0))
		if err != nil {
			return err
		}
		cur, err := bench.Load(c.Args().Get(1))
		if err != nil {
			return err
		}
		fmt.Printf("# old: %s, %s (%d ranks on %s)\n", c.Args().Get(0), old.Meta.Date, old.Meta.Ranks, strings.Join(old.Meta.Hosts, ", "))
		fmt.Printf("# new: %s, %s (%d ranks on %s)\n", c.Args().Get(1), cur.Meta.Date, cur.Meta.Ranks, strings.Join(cur.Meta.Hosts, ", "))
		diffs := bench.SettingsDiffer(old.Meta, cur.Meta)
		if c.Bool("ratios") { // each run's ratios are to its own C: the libraries may differ
			diffs = slices.DeleteFunc(diffs, func(d string) bool { return strings.Contains(d, "'s library (") })
		}
		if len(diffs) > 0 {
			what := "the two runs differ in " + strings.Join(diffs, "; ")
			if !c.Bool("force") {
				return cli.Exit("mpigo bench compare: "+what+": their numbers do not compare (--force compares them anyway)", 2)
			}
			fmt.Printf("# WARNING: %s: differences below may come from that\n", what)
		}
		changes := bench.Compare(old.Results, cur.Results)
		if c.Bool("ratios") {
			changes = bench.CompareRatios(old.Results, cur.Results)
		}
		if len(changes) == 0 {
			return fmt.Errorf("the two files have no result in common")
		}
		n := bench.PrintChanges(os.Stdout, changes, c.Float64("threshold"))
		bench.PrintSummary(os.Stdout, changes)
		if n > 0 {
			return cli.Exit(fmt.Sprintf("%d regressions", n), 3)
		}
		return nil
	},
}

// fileArgs checks that a command got n file arguments, and says where its
// flags go when some came after a file (the flag parser stops at the first).
func fileArgs(c *cli.Context, n int) error {
	for _, a := range c.Args().Slice() {
		if strings.HasPrefix(a, "-") {
			return flagError(fmt.Errorf("%s: flags go before the files: mpigo bench %s [flags] %s", a, c.Command.Name, c.Command.ArgsUsage))
		}
	}
	if c.NArg() != n {
		return flagError(fmt.Errorf("%s needs %s, got %d arguments", c.Command.Name, c.Command.ArgsUsage, c.NArg()))
	}
	return nil
}

var benchShowCommand = &cli.Command{
	Name:      "show",
	Usage:     "print the tables of a result file (and --plot, --csv it)",
	ArgsUsage: "RESULTS.json",
	Flags:     outputFlags,
	Action: func(c *cli.Context) error {
		if err := fileArgs(c, 1); err != nil {
			return err
		}
		if err := checkOutputs(c); err != nil {
			return err
		}
		f, err := bench.Load(c.Args().First())
		if err != nil {
			return err
		}
		return report(c, bufio.NewWriter(os.Stdout), f, false)
	},
}
