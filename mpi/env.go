package mpi

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// ThreadLevel is MPI's thread support level.
type ThreadLevel int

const (
	ThreadSingle     ThreadLevel = iota // MPI_THREAD_SINGLE
	ThreadFunneled                      // MPI_THREAD_FUNNELED
	ThreadSerialized                    // MPI_THREAD_SERIALIZED
	ThreadMultiple                      // MPI_THREAD_MULTIPLE
)

func (l ThreadLevel) String() string {
	switch l {
	case ThreadSingle:
		return "single"
	case ThreadFunneled:
		return "funneled"
	case ThreadSerialized:
		return "serialized"
	case ThreadMultiple:
		return "multiple"
	}
	return fmt.Sprintf("ThreadLevel(%d)", int(l))
}

// ParseThreadLevel returns the level a String gives: "single", "funneled",
// "serialized" or "multiple".
func ParseThreadLevel(s string) (ThreadLevel, error) {
	for l := ThreadSingle; l <= ThreadMultiple; l++ {
		if l.String() == s {
			return l, nil
		}
	}
	return 0, errorf(ClassArg, "ParseThreadLevel", "unknown thread level %q (want single, funneled, serialized or multiple)", s)
}

const (
	stateNew int32 = iota
	stateRunning
	stateFinalized
)

var (
	envMu    sync.Mutex
	state    atomic.Int32
	provided ThreadLevel
	tagUB    int
	world    *Comm
	self     *Comm
)

// Init initializes MPI asking for ThreadMultiple (MPI_Init_thread). It is
// InitThread(ThreadMultiple) without the level; use Provided to see what was
// granted. Call Finalize before the program ends (defer mpi.Finalize()), on
// every rank: a rank that exits without it makes OpenMPI end the whole job
// with an error about a process "exiting improperly". Run does both, and
// aborts the job cleanly when a rank fails.
func Init() error {
	_, err := InitThread(ThreadMultiple)
	return err
}

// InitThread initializes MPI (MPI_Init_thread) asking for the thread level
// required and returns the level provided. Every level is safe to use from
// any goroutine (see the package documentation):
//   - ThreadMultiple: calls go straight to MPI.
//   - ThreadSerialized: the binding makes one call at a time, under its lock.
//   - ThreadSingle: for programs that use MPI from one goroutine at a time,
//     as C programs at MPI_THREAD_SINGLE do from one thread; the fastest
//     level. The library is told MPI_THREAD_SINGLE, the one level at which
//     OpenMPI takes no locks of its own (see the package documentation for
//     what that saves), and the binding makes one call at a time under its
//     lock, from whichever goroutine and OS thread: the standard's SINGLE
//     means one thread, but neither OpenMPI nor MPICH depends on which one
//     calls (tested with goroutines on both). Blocking collectives are one
//     blocking MPI call, as at ThreadMultiple, which holds the lock while it
//     waits for the other ranks; point-to-point waits poll, releasing it
//     between polls. So goroutines may overlap in point-to-point calls, but
//     a goroutine whose message another rank needs before it joins a
//     collective cannot send it while this rank's collective waits: use
//     ThreadMultiple for that.
//   - ThreadFunneled: asks the library for ThreadSerialized (OpenMPI costs
//     the same at both) and behaves as it.
//
// Where the library grants less than it was asked for, below
// ThreadSerialized, every call has to be handed to the one thread MPI
// allows, ~10 µs a call against ~0.5 µs under the lock. MPI_Init_thread runs
// on a goroutine locked to its own OS thread, which also runs Finalize and,
// in that case, every other call. Init also lowers GOMAXPROCS to the rank's
// share of the node's cores when the ranks are not bound to one core each,
// unless the environment sets GOMAXPROCS (see procs.go: 4 ranks on 2 cores
// otherwise run 8 Ps, whose threads take the cores the ranks need). Errors:
// initializing twice, or again after Finalize (MPI cannot be restarted).
func InitThread(required ThreadLevel) (ThreadLevel, error) {
	ask := required
	if required == ThreadFunneled {
		ask = ThreadSerialized
	}
	return initThread(required, ask, false)
}

// initThread is InitThread asking the library for level ask; exact keeps to
// the letter of a level below ThreadSerialized, all calls made on MPI's
// thread (the funnel), which is otherwise only for a level the library
// lowered.
func initThread(required, ask ThreadLevel, exact bool) (ThreadLevel, error) {
	envMu.Lock()
	defer envMu.Unlock()
	switch state.Load() {
	case stateRunning:
		return provided, errorf(ClassOther, "Init", "MPI is already initialized")
	case stateFinalized:
		return provided, errorf(ClassFinalized, "Init", "MPI was finalized and cannot be initialized again")
	}
	if required < ThreadSingle || required > ThreadMultiple {
		return 0, errorf(ClassArg, "Init", "invalid thread level %d", int(required))
	}
	// MPI_Init_thread and MPI_Finalize run on the serving thread whatever the level.
	funnel = make(chan *job)
	go func() {
		runtime.LockOSThread() // for life: this thread is MPI's main thread
		serve(funnel)
	}()
	mode = modeFunneled
	level, _ := enumThreadLevel.toC(ask)
	var got int
	if err := mpiError("Init", mpiInit(level, &got)); err != nil {
		close(funnel)
		return 0, err
	}
	provided, _ = enumThreadLevel.fromC(got)
	fitProcs()
	switch {
	case provided >= ThreadMultiple:
		mode = modeDirect
	case provided == ThreadSerialized, provided == ThreadSingle && ask == ThreadSingle && !exact:
		mode = modeLocked
	}
	blockingCollectives = mode == modeDirect || mode == modeLocked && provided == ThreadSingle
	state.Store(stateRunning)
	mpiTagUb(&tagUB)
	mpiFtEnabled(&faultTolerant)
	var err error
	if world, err = newComm(commWorld, true); err != nil {
		return provided, err
	}
	if self, err = newComm(commSelf, true); err != nil {
		return provided, err
	}
	if err := checkFromEnv(); err != nil {
		return provided, err
	}
	return provided, traceFromEnv()
}

// Finalize shuts MPI down (MPI_Finalize). Every later call returns
// ErrFinalized, and so do blocking calls other goroutines are still waiting
// in (they leave before MPI_Finalize is called). Outstanding requests should
// have completed.
func Finalize() error {
	envMu.Lock()
	defer envMu.Unlock()
	if err := checkState("Finalize"); err != nil {
		return err
	}
	if tracing.Load() { // MPIGO_TRACE, or a StartTrace never stopped
		if _, err := StopTrace(); err != nil {
			fmt.Fprintln(os.Stderr, "mpigo: writing the trace:", err)
		}
	}
	reportUncompletedAtFinalize()
	freeDerivedTypes()
	if faultTolerant {
		world.Agree(1) // the survivors all reach MPI_Finalize (finalizeBounded)
	}
	stopGoWorks()
	state.Store(stateFinalized)
	drainWaits()
	mode = modeFunneled // MPI_Finalize on the thread that called MPI_Init_thread
	rc, gaveUp := finalizeBounded()
	if gaveUp { // the thread that runs C calls is still in MPI_Finalize: leave it be
		return nil
	}
	err := mpiError("Finalize", rc)
	if err == nil {
		afterFinalize()
	}
	close(funnel)
	return err
}

// Initialized reports whether Init has succeeded (and Finalize has not yet been called).
func Initialized() bool { return state.Load() == stateRunning }

// Finalized reports whether Finalize has been called.
func Finalized() bool { return state.Load() == stateFinalized }

// Provided returns the thread level MPI provided at Init.
func Provided() ThreadLevel { return provided }

// World returns MPI_COMM_WORLD (nil before Init).
func World() *Comm { return world }

// Self returns MPI_COMM_SELF (nil before Init).
func Self() *Comm { return self }

// TagUB returns the largest tag MPI accepts (the MPI_TAG_UB attribute).
func TagUB() int { return tagUB }

// Wtime returns MPI_Wtime, seconds since an arbitrary point in the past.
// It is a clock read, safe from any goroutine at every thread level.
func Wtime() float64 { return rawWtime() }

// Wtick returns MPI_Wtick, the resolution of Wtime in seconds.
func Wtick() float64 { return rawWtick() }

// Abort ends every rank of the job (MPI_Abort on MPI_COMM_WORLD) with exit
// code code. It does not return; without MPI it exits the process.
func Abort(code int) {
	if state.Load() == stateRunning {
		rawAbort(commWorld, code)
	}
	os.Exit(code)
}

func checkState(op string) error {
	switch state.Load() {
	case stateRunning:
		return nil
	case stateNew:
		return &Error{Class: ClassNotInitialized, Op: op, Msg: "MPI is not initialized (call mpi.Init first)"}
	}
	return &Error{Class: ClassFinalized, Op: op, Msg: "MPI has been finalized"}
}

// envString returns the string call (MPI_Get_processor_name and the like)
// writes into a buffer.
func envString(op string, call func(buf []byte, n *int) int) (string, error) {
	if err := checkState(op); err != nil {
		return "", err
	}
	buf := make([]byte, stringBufSize)
	var n int
	if err := mpiError(op, call(buf, &n)); err != nil {
		return "", err
	}
	// OpenMPI counts the terminating NUL in MPI_Get_library_version's length.
	return cString(buf[:n]), nil
}

// ProcessorName returns the name of the host this rank runs on (MPI_Get_processor_name).
func ProcessorName() (string, error) { return envString("ProcessorName", mpiGetProcessorName) }

// LibraryVersion returns the MPI library's version string (MPI_Get_library_version),
// e.g. "Open MPI v4.1.4, ..."; it may span several lines.
func LibraryVersion() (string, error) { return envString("LibraryVersion", mpiGetLibraryVersion) }

// Run is a rank's main function wrapper, like mpi4py's "python -m mpi4py":
// it initializes MPI (ThreadMultiple), calls main with MPI_COMM_WORLD and
// finalizes. If main returns an error or panics, Run prints it with the rank
// to standard error and aborts the whole job with exit code 1, so that the
// other ranks do not wait forever for this one. Run does not return on failure.
// In a fault-tolerant job (FaultTolerant) only this rank ends, as a failed
// process (SIGKILL, which the others' calls report as ErrProcFailed): a rank
// that exits without Finalize there leaves them waiting (measured on OpenMPI
// 5.0.7), and MPI_Abort ends every rank.
func Run(main func(world *Comm) error) { RunThread(ThreadMultiple, main) }

// RunThread is Run initializing MPI with InitThread(required).
func RunThread(required ThreadLevel, main func(world *Comm) error) {
	if _, err := InitThread(required); err != nil {
		fmt.Fprintln(os.Stderr, "mpigo:", err)
		os.Exit(1)
	}
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}
		}()
		return main(World())
	}()
	if err != nil {
		fmt.Fprintf(os.Stderr, "mpigo: rank %d of %d failed: %v\n", World().Rank(), World().Size(), err)
		// Let the launcher forward the message before MPI_Abort kills the
		// job: MPICH's hydra sometimes dropped it otherwise.
		time.Sleep(200 * time.Millisecond)
		if FaultTolerant() {
			failStop()
		}
		Abort(1)
	}
	if err := Finalize(); err != nil {
		fmt.Fprintln(os.Stderr, "mpigo:", err)
		os.Exit(1)
	}
}
