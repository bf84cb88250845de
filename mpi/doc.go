// Package mpi is a Go binding of MPI over OpenMPI (or MPICH, built with
// -tags mpich): safe from any goroutine, errors as values, zero-copy typed
// buffers, Go values through a codec, and as close to C's speed as cgo allows.
//
// # A program
//
//	func main() {
//		mpi.Run(func(world *mpi.Comm) error {
//			data := make([]float64, 1000)
//			if world.Rank() == 0 {
//				// ... fill data
//			}
//			return world.Bcast(mpi.Buf(data), 0)
//		})
//	}
//
// run as `mpiexec -n 4 ./program`. Run initializes MPI (MPI_Init_thread with
// ThreadMultiple), calls the function on every rank and finalizes; an error
// or panic on any rank aborts the whole job with a message naming the rank,
// so that no rank waits forever for a failed one. Without mpiexec a program
// is a job of one rank.
//
// # Buffers
//
// Operations take a Buffer: Buf(slice) or One(&variable), of bool, the
// integer types, float32/64, complex64/128, named types of those, or
// fixed-size arrays of any of them ([4]float64). MPI reads and writes the Go
// memory in place. Go values of any other type (structs, maps, strings) go
// through SendValue, RecvValue, BcastValue, ScatterValues, GatherValues and
// AllgatherValues, which encode them with a Codec (CBOR by default).
//
// # Datatypes, topologies and groups
//
// A slice of pointer-free structs is a Buffer like any other: Buf of
// []struct{X, Y, Z float64; ID int32} sends with a struct datatype made once
// for the Go type. Strided and irregular data (a matrix column, a halo, a
// sub-block) is sent in place with a Datatype laid over a slice by Typed,
// which is checked to stay inside the slice before MPI is called:
//
//	col, _ := mpi.Vector(rows, 1, cols, f64) // f64, _ := mpi.TypeOf[float64]()
//	comm.Send(mpi.Typed(grid[j:], col, 1), dest, tag) // column j
//
// CartCreate and DistGraphCreateAdjacent give communicators with a
// topology, whose neighbour collectives (NeighborAlltoall, NeighborAlltoallw)
// exchange halos in one call. Groups (Comm.Group, Incl, Union, …) make new
// communicators with Create. Windows (WinCreate, WinAllocate,
// WinAllocateShared, WinCreateDynamic) give one-sided communication: Put,
// Get, Accumulate and the atomic FetchAndOp and CompareAndSwap, within
// Fence, Post/Start/Complete/Wait or Lock/Unlock epochs. OpenFile opens a
// file for parallel I/O: with a Subarray view, each rank of a domain
// decomposition writes its block of a global array in one collective call
// (WriteBufAll), and the file holds the array in row-major order. Every call added for these lives in rawctl.go
// as one Go function over the MPI call; Handle and CommFromHandle let a
// program call what the binding lacks from its own cgo code.
//
// # Errors
//
// Every communicator returns errors (MPI_ERRORS_RETURN): every call returns
// an error, an *Error whose Class says what went wrong; errors.Is(err,
// mpi.ErrTruncate) and the other sentinels test for a class. Misuse that MPI
// would answer with a crash, a hang or corrupted memory is caught in Go
// before MPI is called: ranks, roots and tags out of range, buffers whose
// lengths do not fit the operation, element counts above 2^31-1, unsupported
// element types, calls before Init or after Finalize, nil or freed
// communicators.
//
// A collective whose arguments fail those checks on some ranks only (the
// root's buffer is short, one rank names another root) never leaves the
// other ranks waiting in MPI for it: by default that rank prints the error,
// naming itself, and aborts the job (AbortOnArgError, free of cost);
// SetCollectiveErrors(AgreeOnArgErrors) instead has every collective agree
// on its arguments first and return the error on every rank (one small
// allreduce more per call). See CollectiveErrors.
//
// Truncation is always an error and never corrupts memory. OpenMPI 4.1 writes
// past the end of a receive buffer when it truncates a message above its
// eager limit (4 KiB over shared memory, 64 KiB over TCP), so Recv never
// posts a receive straight into a buffer that a longer message could overrun
// (see Comm.Recv), and neither does Irecv into a buffer of up to 4 KiB; only
// a larger Irecv, where MPI itself matches the message, cannot be protected,
// and its documentation says so.
//
// # Goroutines and thread levels
//
// Goroutines move between OS threads, so the binding, not the caller, makes
// MPI's thread levels safe. At ThreadMultiple (the default, always granted by
// OpenMPI) calls go straight to MPI. At ThreadSerialized every call takes one
// mutex, and so at ThreadSingle, the level for programs that use MPI from one
// goroutine at a time: the library is told MPI_THREAD_SINGLE, the one level
// at which OpenMPI takes none of its internal locks (ompi_mpi_init turns them
// on for every other level, ThreadSerialized included), and the binding's
// mutex keeps calls one at a time from any goroutine. In C that level took
// 0.7–0.8× the time of a 1 B–1 KiB one-way at the others, and 0.6–0.7× the
// time of small collectives; mpigo at ThreadSingle took 0.76–0.95× its time
// at ThreadMultiple for 1 B–1 KiB one-ways (4 runs of 9–11 alternating
// rounds) and 0.65–0.85× for broadcasts, reductions and barriers up to
// 64 KiB (one run), and 16 goroutines a rank exchanging 1 KiB messages ran
// as fast as there (0.9–1.6 µs a message), since the binding makes its calls
// one at a time at every level (see Speed). Its blocking
// collectives hold the mutex while they wait for other ranks (InitThread
// says what that rules out). Asked for ThreadFunneled, the binding asks the
// library for ThreadSerialized (in OpenMPI the same cost). Only where the
// library grants less than asked below ThreadSerialized does every call run
// on the OS thread that initialized MPI, served by a goroutine locked to it
// (a hand-over between threads: ~10 µs a call). At every level a blocking
// point-to-point operation is a post, or a matched probe, followed by short
// polling calls: no lock or thread is held while another rank is awaited, so
// goroutines of one rank can send to each other, and many goroutines can wait
// at once without spinning against each other (2 ranks × 16 goroutines, 1 KiB
// blocking ping-pongs: ~1.5 µs per message, against 250–400 µs when each
// blocks inside MPI).
//
// # Speed
//
// One MPI operation is one cgo call, with library handles cached in Go and
// results returned by value, so typed sends, receives and collectives do not
// allocate. Handles and buffers cross into C as integers, so cgo has no
// pointer argument to check (30–60 ns a call otherwise); the binding's own
// checks are what keeps a buffer pointer-free. mpiexec binds each rank to one
// core, where the Go runtime's threads compete with the rank's: the binding
// reschedules its goroutine once a millisecond (with GOMAXPROCS 1) so that
// the runtime never has to preempt it, and a waiting call spins in C for at
// most 20 µs (not at all while other goroutines wait) before it yields. A
// lone wait that has lasted 100 µs also gives the core to other processes
// (sched_yield) before each poll, for a peer that may need it when the ranks
// outnumber the cores: MPICH never yields, and with it 4 ranks on 2 cores
// took 3.3–60 s for a test of broadcasts that now takes 4–8 s. A wait that
// has lasted 10 ms sleeps between polls, its naps doubling up to 250 µs, so
// an idle rank (a chat client, a worker waiting for work) uses about 2% of
// a core instead of all of it (C with OpenMPI: 100%, with or without
// mpi_yield_when_idle); SetWaitPolicy and the environment variable
// MPIGO_WAIT change the stages (see WaitPolicy), and `make bench-idle`
// measures them.
// Calls are made one at a time: a goroutine that finds another's call in C
// (its P taken by the runtime, or on another P) waits for it, up to 200 µs,
// and a spinning call gives way at once. Threads piling up inside MPI had
// made 16 goroutines per rank 8–90 µs a message in one run in four with one
// P, and 10–82 µs in every run with GOMAXPROCS 2 on 2 cores; now 0.6–4.7.
//
// What is left is the cgo transitions (30–50 ns each here) and the binding's
// checks. `make bench-floor` measures that floor in one job: the same 1-byte
// ping-pong as one C loop took 0.23–0.36 µs one-way, with one cgo call per MPI
// call 1.31–1.39× that, and through Send and Recv 1.45–1.52×; at 8 KiB the
// cgo loop 0.99–1.12× and Send and Recv 1.05–1.21×. At ThreadSingle the C
// loop is faster (0.21–0.25 µs at 1 B) and the same binding costs weigh
// more: cgo 1.27–1.39×, Send and Recv 1.65–1.93×. Receives into
// buffers above 4 KiB are matched first (MPI_Improbe), to refuse a longer
// message before it can overrun the buffer: 0.1–0.4 µs a message. A blocking
// Send above 4 KiB is posted and polled, its buffer pinned meanwhile, rather
// than one MPI_Send that may wait in C for the receiver: at 8 KiB that costs
// 2–5% of a one-way (Send and Recv 1.07× the cgo loop, 1.02–1.04× with
// MPI_Send; alternating jobs). A nonblocking call allocates its Request and
// pins its buffer: an Irecv of 64 KiB took 0.3–0.55 µs to post (C: 0.04–0.08)
// and 0.14–0.22 µs to cancel and complete in a WaitAll, which a receiver
// bound by the copy, as in osu_bw, pays per message (0.86–0.91× C's
// bandwidth at 64 KiB). Persistent requests (SendInit, RecvInit, StartAll)
// make both once: the same windows of 64 then ran 1.8–2× faster at 1 B and
// 1 KiB and 1.05–1.15× at 8 and 64 KiB, 0.97–1.02× C's with persistent
// requests at 64 KiB (0.43–0.65× up to 1 KiB; mpi4py, whose Waitall blocks
// in C, 0.81–0.95×). Windows of small messages also pay for the staging
// areas, 32 GiB apart so that any message fits (see stage.go).
// `make bench-pingpong` measures the binding against C, gompi and mpi4py.
package mpi
