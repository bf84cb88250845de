package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Program is one implementation of the suite: a program that runs as the
// ranks of an MPI job, takes the common flags (-b benchmarks, -s and -c
// sizes, -x scale, -v validate, -n no algorithms, -H huge pages) and writes
// raw lines.
type Program struct {
	Name    string
	Argv    []string // the program and its own arguments
	Benches []string // the benchmarks it implements; nil: all
	Ref     string   // the program its ratios are to, where it ran (C at the same thread level); default: c
}

// Job is how Drive starts jobs and what they measure.
type Job struct {
	Programs    []Program
	Ranks       int
	Rounds      int
	Hostfile    string   // passed to mpiexec --hostfile when set
	MpiexecArgs []string // more mpiexec arguments (mapping, transports)
	Env         []string // added to every job's environment
	Timeout     time.Duration
	Config      Config
	Progress    io.Writer // nil: none
	Command     string    // recorded in the results
}

// Drive runs every program once per round, in an order that rotates from
// round to round, and aggregates the rounds; ratios are to a program's Ref
// (C at its thread level) or else to C where it ran, otherwise to mpigo.
func Drive(j Job) (*File, error) {
	if j.Rounds < 1 {
		j.Rounds = 1
	}
	if j.Config.Scale <= 0 {
		j.Config.Scale = 1
	}
	names := j.Config.Benches
	if len(names) == 0 {
		names = Names()
	}
	rounds := make([][]Series, j.Rounds)
	libs := map[string]string{}
	var placement []string
	start := time.Now()
	tty := isTerminal(j.Progress)
	benchesOf := func(prog Program) []string {
		return slices.DeleteFunc(slices.Clone(names), func(b string) bool {
			return prog.Benches != nil && !slices.Contains(prog.Benches, b)
		})
	}
	jobs := 0
	for _, prog := range j.Programs {
		if len(benchesOf(prog)) > 0 {
			jobs++
		}
	}
	jobs *= j.Rounds
	done := 0
	for round := range j.Rounds {
		for k := range j.Programs {
			prog := j.Programs[(k+round)%len(j.Programs)]
			benches := benchesOf(prog)
			if len(benches) == 0 {
				continue
			}
			status := fmt.Sprintf("job %d/%d (round %d/%d, %s)", done+1, jobs, round+1, j.Rounds, prog.Name)
			show := func(s Series) {
				if tty {
					fmt.Fprintf(j.Progress, "\r%-78s", fmt.Sprintf("%s: %s %d B, %s", status, s.Label(), s.Size, elapsed(start, done, jobs)))
				}
			}
			series, meta, err := j.run(prog, benches, show)
			if err != nil {
				return nil, err
			}
			done++
			if j.Progress != nil {
				end := "\n"
				if tty {
					end = "\r"
				}
				fmt.Fprintf(j.Progress, "%-78s"+end, fmt.Sprintf("%s: %d series; %s", status, len(series), elapsed(start, done, jobs)))
			}
			rounds[round] = append(rounds[round], series...)
			libs[prog.Name] = strings.Join(slices.DeleteFunc([]string{meta["library"], meta["version"]},
				func(s string) bool { return s == "" }), "; ")
			if p := hostsOf(meta); len(p) > len(placement) {
				placement = p
			}
		}
	}
	if tty {
		fmt.Fprintln(j.Progress)
	}
	f := &File{Meta: NewMeta(j.Command, j.Ranks, j.Rounds, j.Config.Scale, placement), Results: Aggregate(rounds, j.ref)}
	f.Meta.Hostfile = j.Hostfile
	f.Meta.HugePages, f.Meta.Validate = j.Config.HugePages, j.Config.Validate
	f.Meta.Libraries = libs
	return f, nil
}

// elapsed says how long the run has taken and, once a job is done, about how
// long the rest will take at the same pace (jobs of one round differ, so the
// estimate is rough until a round is done).
func elapsed(start time.Time, done, jobs int) string {
	t := time.Since(start)
	s := fmt.Sprintf("%s elapsed", t.Round(time.Second))
	if done > 0 && done < jobs {
		left := time.Duration(float64(t) / float64(done) * float64(jobs-done))
		s += fmt.Sprintf(", about %s left", left.Round(time.Second))
	}
	return s
}

// Flags returns the common flags that select what cfg selects, for the
// given benchmarks.
func (cfg Config) Flags(benches []string) []string {
	join := func(v []int) string {
		s := make([]string, len(v))
		for i, n := range v {
			s[i] = strconv.Itoa(n)
		}
		return strings.Join(s, ",")
	}
	scale := cfg.Scale
	if scale <= 0 {
		scale = 1
	}
	a := []string{"-b", strings.Join(benches, ","), "-s", join(cfg.Sizes), "-c", join(cfg.CollSizes),
		"-x", strconv.FormatFloat(scale, 'g', -1, 64), "-l", Limits()}
	if cfg.Validate {
		a = append(a, "-v")
	}
	if !cfg.Algos {
		a = append(a, "-n")
	}
	if cfg.HugePages {
		a = append(a, "-H")
	}
	return a
}

// run starts one job of prog and reads its raw output.
func (j Job) run(prog Program, benches []string, each func(Series)) ([]Series, map[string]string, error) {
	timeout := j.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := []string{"-n", strconv.Itoa(j.Ranks), "-x", "NUMPY_MADVISE_HUGEPAGE"} // -x: to remote hosts too
	if j.Hostfile != "" {
		args = append(args, "--hostfile", j.Hostfile)
	}
	args = append(append(append(args, j.MpiexecArgs...), prog.Argv...), j.Config.Flags(benches)...)
	cmd := exec.CommandContext(ctx, "mpiexec", args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) } // mpiexec then stops its ranks
	cmd.WaitDelay = 10 * time.Second
	// numpy puts large arrays on transparent huge pages (madvise), which
	// doubled mpi4py's large-message speed over shared memory here against
	// C's and Go's ordinary pages: the same memory for everyone (-H: huge
	// pages for all).
	numpy := "NUMPY_MADVISE_HUGEPAGE=0"
	if j.Config.HugePages {
		numpy = "NUMPY_MADVISE_HUGEPAGE=1"
	}
	cmd.Env = append(append(os.Environ(), numpy), j.Env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	series, meta, readErr := ReadRaw(out, each)
	io.Copy(io.Discard, out)
	err = cmd.Wait()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %v", timeout)
	}
	if err == nil {
		err = readErr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: mpiexec %s: %v\n%s", prog.Name, strings.Join(args, " "), err, stderr.String())
	}
	for _, s := range series {
		if err := j.Config.check(s); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", prog.Name, err)
		}
		if s.Impl != prog.Name {
			return nil, nil, fmt.Errorf("%s: reported a series as %q", prog.Name, s.Impl)
		}
	}
	return series, meta, nil
}

// check verifies that a series follows the method: a known benchmark, at a
// size it allows, in its unit, with the number of samples Iterations gives
// (every baseline implements the rule again; this is where a drift shows).
func (cfg Config) check(s Series) error {
	b, err := Lookup(s.Bench)
	if err != nil {
		return err
	}
	if !b.Allows(s.Size) {
		return fmt.Errorf("%s at %d B: the catalog runs %s only at %d B and up (to %d; 0: any)", s.Label(), s.Size, b.Name, b.MinSize, b.MaxSize)
	}
	iters, _ := Iterations(b, s.Size, cfg.Scale)
	if s.Unit != b.Unit || len(s.Values) != iters {
		return fmt.Errorf("%s %d B: %d samples in %s, the method says %d in %s", s.Label(), s.Size, len(s.Values), s.Unit, iters, b.Unit)
	}
	return nil
}

// hostsOf returns the host of each rank from "host.R NAME" meta lines.
func hostsOf(meta map[string]string) []string {
	var hosts []string
	for r := 0; ; r++ {
		h, ok := meta["host."+strconv.Itoa(r)]
		if !ok {
			return hosts
		}
		hosts = append(hosts, h)
	}
}

// NewMeta describes this machine and a run over the given placement.
func NewMeta(command string, ranks, rounds int, scale float64, placement []string) Meta {
	host, _ := os.Hostname()
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	m := Meta{
		Date: time.Now().UTC().Format(time.RFC3339), Command: command, Ranks: ranks, Rounds: rounds, Scale: scale,
		Placement: placement, Libraries: map[string]string{},
		Machine: fmt.Sprintf("%s: %d CPUs, %s/%s, Linux %s, %s", host, onlineCPUs(), runtime.GOOS, runtime.GOARCH,
			strings.TrimSpace(string(kernel)), runtime.Version()),
	}
	for _, h := range placement {
		if !slices.Contains(m.Hosts, h) {
			m.Hosts = append(m.Hosts, h)
		}
	}
	return m
}

// onlineCPUs counts the machine's CPUs (runtime.NumCPU counts those a rank
// is bound to).
func onlineCPUs() int {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.NumCPU()
	}
	return max(1, strings.Count("\n"+string(b), "\nprocessor"))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// ref is the implementation impl's ratios are to: its Program's Ref where
// that ran, else c where that ran, else this binding.
func (j Job) ref(impl string) string {
	ran := func(name string) bool {
		return name != "" && slices.ContainsFunc(j.Programs, func(p Program) bool { return p.Name == name })
	}
	if i := slices.IndexFunc(j.Programs, func(p Program) bool { return p.Name == impl }); i >= 0 && ran(j.Programs[i].Ref) {
		return j.Programs[i].Ref
	}
	if ran("c") {
		return "c"
	}
	return Impl
}
