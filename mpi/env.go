package mpi

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
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
// InitThread(ThreadMultiple) without the level; use Provided to see what was granted.
func Init() error {
	_, err := InitThread(ThreadMultiple)
	return err
}

// InitThread initializes MPI (MPI_Init_thread) asking for the thread level
// required and returns the level provided. Every level is safe to use from
// any goroutine (see the package documentation). Below ThreadSerialized it
// asks for ThreadSerialized, which the library may grant (OpenMPI and MPICH
// do): where it does not, every call has to be handed to the one thread MPI
// allows, ~10 µs a call against ~0.5 µs under ThreadSerialized's lock.
// MPI_Init_thread runs on a goroutine locked to its own OS thread, which also
// runs Finalize and, below ThreadSerialized, every other call. Errors:
// initializing twice, or again after Finalize (MPI cannot be restarted).
func InitThread(required ThreadLevel) (ThreadLevel, error) {
	return initThread(required, max(required, ThreadSerialized))
}

// initThread is InitThread asking the library for level ask.
func initThread(required, ask ThreadLevel) (ThreadLevel, error) {
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
	a := args{tag: int(ask)}
	if err := mpiError("Init", run(callInit, &a)); err != nil {
		close(funnel)
		return 0, err
	}
	provided = ThreadLevel(a.tag)
	switch {
	case provided >= ThreadMultiple:
		mode = modeDirect
	case provided == ThreadSerialized:
		mode = modeLocked
	}
	state.Store(stateRunning)
	run(callTagUB, &a)
	tagUB = a.tag
	var err error
	if world, err = newComm(commWorld, true); err != nil {
		return provided, err
	}
	if self, err = newComm(commSelf, true); err != nil {
		return provided, err
	}
	return provided, nil
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
	freeDerivedTypes()
	state.Store(stateFinalized)
	drainWaits()
	mode = modeFunneled // MPI_Finalize on the thread that called MPI_Init_thread
	var a args
	err := mpiError("Finalize", run(callFinalize, &a))
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

func envString(op string, call rawCall) (string, error) {
	if err := checkState(op); err != nil {
		return "", err
	}
	buf := make([]byte, stringBufSize)
	a := args{rbuf: unsafe.Pointer(&buf[0]), rn: len(buf)}
	if err := mpiError(op, run(call, &a)); err != nil {
		return "", err
	}
	// OpenMPI counts the terminating NUL in MPI_Get_library_version's length.
	s, _, _ := strings.Cut(string(buf[:a.n]), "\x00")
	return s, nil
}

// ProcessorName returns the name of the host this rank runs on (MPI_Get_processor_name).
func ProcessorName() (string, error) { return envString("ProcessorName", callProcessorName) }

// LibraryVersion returns the MPI library's version string (MPI_Get_library_version),
// e.g. "Open MPI v4.1.4, ..."; it may span several lines.
func LibraryVersion() (string, error) { return envString("LibraryVersion", callLibraryVersion) }

// Run is a rank's main function wrapper, like mpi4py's "python -m mpi4py":
// it initializes MPI (ThreadMultiple), calls main with MPI_COMM_WORLD and
// finalizes. If main returns an error or panics, Run prints it with the rank
// to standard error and aborts the whole job with exit code 1, so that the
// other ranks do not wait forever for this one. Run does not return on failure.
func Run(main func(world *Comm) error) {
	if err := Init(); err != nil {
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
		Abort(1)
	}
	if err := Finalize(); err != nil {
		fmt.Fprintln(os.Stderr, "mpigo:", err)
		os.Exit(1)
	}
}
