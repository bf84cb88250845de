// Package mpitest runs Go tests as MPI jobs. A test calls Run; under plain
// `go test` Run launches the test binary itself under mpiexec, once per rank
// count, selecting just that test; inside the job (the ranks) Run calls the
// body with MPI_COMM_WORLD. A failure on any rank aborts the whole job at once
// (so no rank waits forever for a failed one) and fails the test, with every
// rank's output, prefixed by its rank. Every job runs under a timeout that
// kills it and shows what each rank printed.
package mpitest

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mpigo/mpigo/mpi"
)

//go:embed ompi.env
var ompiEnv string

const (
	envChild  = "MPITEST_CHILD"
	envThread = "MPITEST_THREAD"
	envNoInit = "MPITEST_NOINIT"
	// Multi-host mode (scripts/netns-cluster.sh): MPITEST_HOSTS hosts listed in
	// MPITEST_HOSTFILE, each job run with MPITEST_SLOTS ranks per host, from
	// inside the first host, over TCP. MPITEST_FORWARD lists more environment
	// variables to pass to the ranks (comma-separated).
	envHosts    = "MPITEST_HOSTS"
	envHostfile = "MPITEST_HOSTFILE"
	envSlots    = "MPITEST_SLOTS"
	envForward  = "MPITEST_FORWARD"
)

// MultiHost reports whether jobs run across network-namespace hosts.
func MultiHost() bool {
	_, _, _, ok := multiHost()
	return ok
}

// multiHost returns the command prefix and mpiexec arguments of multi-host
// mode, and the rank count to use, or ok false outside it.
func multiHost() (prefix, args []string, np int, ok bool) {
	hosts, _ := strconv.Atoi(os.Getenv(envHosts))
	if hosts <= 0 {
		return nil, nil, 0, false
	}
	slots, _ := strconv.Atoi(os.Getenv(envSlots))
	slots = max(slots, 1)
	_, file, _, _ := runtime.Caller(0)
	scripts := filepath.Join(filepath.Dir(file), "..", "..", "scripts")
	prefix = []string{filepath.Join(scripts, "netns-cluster.sh"), "exec", "1"}
	args = []string{"--hostfile", os.Getenv(envHostfile), "--mca", "plm_rsh_agent", filepath.Join(scripts, "netns-agent.sh"),
		"--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "mpi0", "--mca", "oob_tcp_if_include", "mpi0",
		"--bind-to", "none", "--mca", "rtc", "^hwloc",
		"--mca", "oob_tcp_keepalive_time", "1", "--mca", "oob_tcp_keepalive_intvl", "1", "--mca", "oob_tcp_keepalive_probes", "3"}
	forward := []string{"OMPI_ALLOW_RUN_AS_ROOT", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", envChild, envThread, envNoInit}
	if extra := os.Getenv(envForward); extra != "" {
		forward = append(forward, strings.Split(extra, ",")...)
	}
	for _, v := range forward {
		args = append(args, "-x", v)
	}
	return prefix, args, hosts * slots, true
}

// Env returns the environment settings for an mpiexec job of np ranks on
// this machine: those of ompi.env, plus yielding when idle if the ranks
// outnumber the cores (busy-polling ranks that share a core turn microseconds
// into milliseconds).
func Env(np int) []string {
	var env []string
	sc := bufio.NewScanner(strings.NewReader(ompiEnv))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			env = append(env, strings.TrimPrefix(line, "export "))
		}
	}
	if np > runtime.NumCPU() {
		env = append(env, "OMPI_MCA_mpi_yield_when_idle=1")
	}
	return env
}

// NameServer starts OpenMPI's name server (ompi-server) for the rest of the
// test and returns the mpiexec arguments that make a job use it, so that
// jobs started apart can publish, look up and connect. It skips the test,
// saying why, across the namespace hosts (which would reach this machine's
// server only by an address) and with MPICH (whose jobs meet through
// hydra_nameserver; Debian's, ch4:ucx, has no dynamic processes at all).
func NameServer(t *testing.T) []string {
	t.Helper()
	if MultiHost() {
		t.Skip("ompi-server runs on this machine; the namespace hosts reach it only by address")
	}
	if !OpenMPI() {
		t.Skip("MPICH's jobs meet through hydra_nameserver, not ompi-server")
	}
	bin, err := exec.LookPath("ompi-server")
	if _, prte := exec.LookPath("prte"); err != nil && prte == nil {
		t.Skip("OpenMPI 5 has no ompi-server: jobs started apart meet in a PRRTE DVM (prte; mpiexec --dvm), " +
			"whose tagged output gives every rank as rank 0, so the harness cannot count the ranks that passed")
	}
	if err != nil {
		t.Fatalf("ompi-server (OpenMPI's name server, in openmpi-bin) is missing: %v", err)
	}
	uri := filepath.Join(t.TempDir(), "uri")
	server := exec.Command(bin, "--no-daemonize", "--report-uri", uri)
	server.Env = append(os.Environ(), Env(1)...)
	var out bytes.Buffer
	server.Stdout, server.Stderr = &out, &out
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		server.Process.Kill()
		server.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(uri); err == nil && len(b) > 0 {
			return []string{"--ompi-server", "file:" + uri}
		}
		if time.Now().After(deadline) {
			t.Fatalf("ompi-server wrote no URI in 10 s: %s", out.String())
		}
	}
}

// SharedDir returns a directory that every rank of w sees, made by rank 0
// and broadcast, and removed when the test ends (after a barrier, so that
// no rank still uses it). Every rank must call it.
func SharedDir(t *testing.T, w *mpi.Comm) string {
	t.Helper()
	var dir string
	if w.Rank() == 0 {
		d, err := os.MkdirTemp("", "mpigo-test-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
	}
	if err := w.BcastValue(&dir, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.Barrier()
		if w.Rank() == 0 {
			os.RemoveAll(dir)
		}
	})
	return dir
}

// IsRank reports whether this process is a rank of a job started by Run.
func IsRank() bool { return os.Getenv(envChild) != "" }

// Main is the TestMain of a package whose tests use Run:
//
//	func TestMain(m *testing.M) { mpitest.Main(m) }
//
// In a rank it initializes MPI at the job's thread level (unless the job is
// NoInit), runs the selected test, and finalizes.
func Main(m *testing.M) {
	if !IsRank() {
		os.Exit(m.Run())
	}
	dumpStacksOnSignal()
	if os.Getenv(envNoInit) == "" {
		level, _ := strconv.Atoi(os.Getenv(envThread))
		got, err := mpi.InitThread(mpi.ThreadLevel(level))
		if err != nil {
			fmt.Fprintln(os.Stderr, "mpitest: Init:", err)
			os.Exit(3)
		}
		if got != mpi.ThreadLevel(level) {
			fmt.Fprintf(os.Stderr, "mpitest: asked for thread level %v, got %v\n", mpi.ThreadLevel(level), got)
		}
	}
	code := m.Run()
	if mpi.Initialized() {
		if err := mpi.Finalize(); err != nil {
			fmt.Fprintln(os.Stderr, "mpitest: Finalize:", err)
			code = 3
		}
	}
	os.Exit(code)
}

// stackSignal makes a rank print every goroutine's stack (to standard
// error, which mpiexec tags with the rank): the test sends it to mpiexec,
// which passes SIGUSR1 on to the ranks, when a job times out.
const stackSignal = syscall.SIGUSR1

func dumpStacksOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, stackSignal)
	go func() {
		for range ch {
			fmt.Fprintln(os.Stderr, "mpitest: the job timed out; this rank's goroutines:")
			pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
		}
	}()
}

// launcherSpec is how to run a job with the MPI library built in (launcher,
// in launcher_openmpi.go or launcher_mpich.go).
type launcherSpec struct {
	command  string
	tagArgs  []string
	passLine *regexp.Regexp // a rank's report of a passed test; group 1 is the rank
	crowded  int            // a job's timeout multiplies by this when the ranks outnumber the cores
}

// Option changes how Run runs a test.
type Option func(*job)

type job struct {
	ranks    []int
	level    mpi.ThreadLevel
	noInit   bool
	timeout  time.Duration
	args     []string
	wantFail []string
	check    func(out []byte) error
	victims  func(np int) []int
}

// Ranks sets the rank counts to run the test at (default 1, 2, 3 and 4).
func Ranks(n ...int) Option { return func(j *job) { j.ranks = n } }

// Thread sets the thread level the ranks initialize MPI with (default ThreadMultiple).
func Thread(l mpi.ThreadLevel) Option { return func(j *job) { j.level = l } }

// NoInit leaves MPI uninitialized: the body calls Init (and Finalize) itself.
func NoInit() Option { return func(j *job) { j.noInit = true } }

// Timeout bounds each job (default 60 s; with MPICH and more ranks than
// cores, three times that: see launcher_mpich.go).
func Timeout(d time.Duration) Option { return func(j *job) { j.timeout = d } }

// ExpectFailure makes the job pass only if it fails: mpiexec exits non-zero
// within the timeout and the ranks' output contains every text given (here
// and by other ExpectFailure options).
func ExpectFailure(texts ...string) Option {
	return func(j *job) { j.wantFail = append(j.wantFail, texts...) }
}

// CheckOutput makes the job pass only if check accepts the ranks' combined
// output (each line tagged with its rank, as mpiexec prints it) as well.
func CheckOutput(check func(out []byte) error) Option { return func(j *job) { j.check = check } }

// Kills makes the job fault tolerant (mpiexec --with-ft ulfm): ranks
// victims(np) die during it (the body kills them, with Kill), and the job
// passes when mpiexec exits 0 and exactly the other ranks report a passing
// test. Only for libraries with ULFM (mpi.HasULFM).
func Kills(victims func(np int) []int) Option { return func(j *job) { j.victims = victims } }

// Kill ends this rank at once with SIGKILL, as a crash or the kernel's OOM
// killer would: no deferred call, no Finalize, nothing flushed but what the
// rank has written already.
func Kill() {
	os.Stdout.Sync()
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}

// MpiexecArgs adds arguments to mpiexec (before the program).
func MpiexecArgs(a ...string) Option { return func(j *job) { j.args = append(j.args, a...) } }

// newJob is the default job with opts applied.
func newJob(opts []Option) job {
	j := job{ranks: []int{1, 2, 3, 4}, level: mpi.ThreadMultiple, timeout: 60 * time.Second}
	for _, o := range opts {
		o(&j)
	}
	return j
}

// Run runs body on every rank of an MPI job, once per rank count. body gets
// the test (t.Error and friends work as usual; a failure on any rank fails the
// test) and MPI_COMM_WORLD (nil for NoInit jobs).
func Run(t *testing.T, body func(t *testing.T, world *mpi.Comm), opts ...Option) {
	t.Helper()
	j := newJob(opts)
	if IsRank() {
		runRank(t, body)
		return
	}
	if _, _, np, ok := multiHost(); ok {
		j.ranks = []int{np}
	}
	for _, np := range j.ranks {
		t.Run(fmt.Sprintf("np=%d", np), func(t *testing.T) {
			out, err := j.launch(t.Name(), np)
			if err != nil {
				t.Errorf("%v\n%s", err, out)
			} else if testing.Verbose() {
				t.Logf("ranks' output:\n%s", out)
			}
		})
	}
}

func runRank(t *testing.T, body func(t *testing.T, world *mpi.Comm)) {
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("panic: %v\n%s", r, debug.Stack())
		}
		if t.Failed() {
			rank := -1
			if w := mpi.World(); w != nil {
				rank = w.Rank()
			}
			fmt.Fprintf(os.Stderr, "mpitest: %s failed on rank %d; aborting the job\n", t.Name(), rank)
			mpi.Abort(1)
		}
	}()
	body(t, mpi.World())
}

// launch runs the test named name (as t.Name() in the parent, less the np=N
// subtest) as a job of np ranks and returns the ranks' combined output.
func (j job) launch(name string, np int) ([]byte, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	parts := strings.Split(name, "/")
	parts = parts[:len(parts)-1] // the np=N level exists only in the parent
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	argv := append(append([]string{"-n", strconv.Itoa(np)}, launcher.tagArgs...), j.args...)
	var victims []int
	if j.victims != nil {
		victims = j.victims(np)
		argv = append(argv, "--with-ft", "ulfm")
	}
	argv = append(argv, exe, "-test.run", strings.Join(parts, "/"), "-test.v", "-test.count=1")
	if testing.Short() {
		argv = append(argv, "-test.short")
	}
	timeout := j.timeout
	if np > runtime.NumCPU() {
		timeout *= time.Duration(launcher.crowded)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	command := launcher.command
	if prefix, args, _, ok := multiHost(); ok {
		argv = append(append(append(prefix[1:], command), args...), argv...)
		command = prefix[0]
	}
	cmd := exec.CommandContext(ctx, command, argv...)
	cmd.Env = append(os.Environ(), Env(np)...)
	// A temporary directory of the job's own: a launcher killed at a timeout
	// leaves its session directory behind, named after its PID, and a later
	// launcher given the same PID fails to start (PRRTE: "prte_session_dir
	// failed … Exists").
	tmp, err := os.MkdirTemp("", "mpitest-job-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd.Env = append(cmd.Env, "TMPDIR="+tmp)
	cmd.Env = append(cmd.Env, envChild+"=1", envThread+"="+strconv.Itoa(int(j.level)), envNoInit+"=")
	if j.noInit {
		cmd.Env = append(cmd.Env, envNoInit+"=1")
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { // a hang: the ranks print their goroutines' stacks, then all go
		pid := cmd.Process.Pid
		syscall.Kill(pid, stackSignal) // mpiexec passes it on to the ranks
		time.AfterFunc(2*time.Second, func() { syscall.Kill(-pid, syscall.SIGKILL) })
		return nil
	}
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if ctx.Err() != nil {
		return out.Bytes(), fmt.Errorf("%s -n %d timed out after %v (killed); each rank's output so far follows", launcher.command, np, timeout)
	}
	if len(j.wantFail) > 0 {
		if err == nil {
			return out.Bytes(), fmt.Errorf("mpiexec -n %d succeeded; want it to fail saying %q", np, j.wantFail)
		}
		for _, text := range j.wantFail {
			if !bytes.Contains(out.Bytes(), []byte(text)) {
				return out.Bytes(), fmt.Errorf("mpiexec -n %d failed (%v) without saying %q", np, err, text)
			}
		}
		return out.Bytes(), nil
	}
	if err != nil {
		return out.Bytes(), fmt.Errorf("mpiexec -n %d: %v", np, err)
	}
	passed := map[string]bool{}
	for _, m := range launcher.passLine.FindAllSubmatch(out.Bytes(), -1) {
		passed[string(m[1])] = true
	}
	for _, v := range victims {
		if passed[strconv.Itoa(v)] {
			return out.Bytes(), fmt.Errorf("mpiexec -n %d: rank %d, to be killed, reported a passing test", np, v)
		}
	}
	if len(passed) != np-len(victims) {
		return out.Bytes(), fmt.Errorf("mpiexec -n %d: %d ranks reported a passing test, want %d", np, len(passed), np-len(victims))
	}
	if j.check != nil {
		if err := j.check(out.Bytes()); err != nil {
			return out.Bytes(), fmt.Errorf("mpiexec -n %d: the output: %v", np, err)
		}
	}
	return out.Bytes(), nil
}

// Levels is the four thread levels.
var Levels = []mpi.ThreadLevel{mpi.ThreadSingle, mpi.ThreadFunneled, mpi.ThreadSerialized, mpi.ThreadMultiple}

// RunAtLevels is Run once per thread level, each a subtest named after it.
// With -short (the race, cgocheck2 and MPICH runs of make test) each level
// runs at the largest of the rank counts only: the full run covers them all.
func RunAtLevels(t *testing.T, body func(t *testing.T, world *mpi.Comm), opts ...Option) {
	t.Helper()
	if testing.Short() {
		opts = append(opts, Ranks(slices.Max(newJob(opts).ranks)))
	}
	for _, l := range Levels {
		t.Run(l.String(), func(t *testing.T) { Run(t, body, append(opts, Thread(l))...) })
	}
}
