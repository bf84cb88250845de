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
// through the methods SendValue, RecvValue and BcastValue (which take any
// value, or a pointer to receive into) and the generic functions
// ScatterValues, GatherValues and AllgatherValues (functions because Go
// methods cannot have type parameters: mpi.GatherValues(comm, v, root)),
// which encode them with a Codec (CBOR by default).
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
// (WriteBufAll), and the file holds the array in row-major order. Spawn
// starts more processes, and OpenPort, Accept and Connect join jobs started
// apart, each giving an intercommunicator (see dynamic.go). Every call added for these lives in rawctl.go
// as one Go function over the MPI call; Handle and CommFromHandle let a
// program call what the binding lacks from its own cgo code.
//
// # Waiting with a context
//
// RecvContext, ProbeContext, RecvValueContext, Request.WaitContext and
// WaitAllContext give up when a context.Context is done and return its
// error: a receive that gives up has taken nothing (the message stays for a
// later receive), a receive Request is cancelled (MPI_Cancel). Sends and
// collectives cannot be cancelled; WaitContext says so, and they stay
// pending until a Wait completes them.
//
// # Tracing
//
// With MPIGO_TRACE=PREFIX in the environment (or StartTrace and StopTrace)
// every rank records its MPI calls and the spans marked with TraceSpan, and
// writes PREFIX.RANK.json in Chrome's trace-event format, with its clock's
// offset to rank 0's; `mpigo trace merge` aligns the ranks into one timeline
// for Perfetto and `mpigo trace summary` adds them up. Off, tracing costs one
// atomic load a call.
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
// What no rank can see alone, ranks that disagree, depends on the mode (see
// CollectiveErrors). By default a collective whose arguments fail those
// checks on some ranks only aborts the job, naming the rank, so that the
// others are not left waiting (AbortOnArgError, free of cost); ranks that
// each pass their own checks but disagree (another root, another count,
// another op) are not caught, and MPI hangs, returns stale data or writes
// past a buffer. SetCollectiveErrors(AgreeOnArgErrors), or MPIGO_CHECK=1 in
// the environment, has every collective compare first what must match across
// the ranks (one small allreduce more per call) and return the error, or an
// ErrMismatch naming the ranks that disagree, on every rank. MPIGO_WATCHDOG
// (or SetWatchdog) makes a rank that waits too long in one call print what
// it waits in. A Request dropped without Wait keeps its buffer pinned while
// MPI may use it, and Finalize reports it; a user op or Codec that panics is
// the error of the call that ran it.
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
// MPI's thread levels safe; every level is safe to use from any goroutine:
//   - ThreadMultiple (the default, always granted by OpenMPI): calls go
//     straight to MPI.
//   - ThreadSerialized: every call takes the binding's mutex.
//   - ThreadSingle, for programs that use MPI from one goroutine at a time:
//     the library is told MPI_THREAD_SINGLE, the one level at which OpenMPI
//     takes none of its internal locks, and the binding's mutex keeps calls
//     one at a time. The fastest level (small messages and collectives take
//     0.65–0.95× the time). Its blocking collectives hold the mutex while
//     they wait for other ranks (InitThread says what that rules out).
//   - ThreadFunneled: asked for, the binding asks the library for
//     ThreadSerialized. Only where the library grants less than asked below
//     ThreadSerialized does every call run on the thread that initialized
//     MPI (~10 µs a call).
//
// At every level a blocking point-to-point operation is a post, or a matched
// probe, followed by short polling calls: no lock or thread is held while
// another rank is awaited, so goroutines of one rank can send to each other,
// and many goroutines can wait at once without spinning against each other.
//
// # Speed
//
// One MPI operation is one cgo call and typed operations do not allocate: a
// 1-byte message costs about 1.5× C's time, the cgo transitions being most
// of the difference, and from 8 KiB on 1.05–1.2×. What a program can do about
// the rest:
//   - Use ThreadSingle where one goroutine at a time calls MPI.
//   - Use persistent requests (SendInit, RecvInit, StartAll) for windows of
//     small messages: a nonblocking call allocates its Request and pins its
//     buffer, which a window of 1-byte messages pays per message.
//   - Leave GOMAXPROCS alone with more ranks than cores: Init lowers it to the
//     rank's share of the node's cores when mpiexec did not bind the ranks
//     (GOMAXPROCS in the environment wins), since idle Ps wake threads that
//     take the cores other ranks need. A share of one core keeps a spare P
//     (2), so that the runtime leaves a long MPI call in C alone, until two
//     goroutines use MPI at once (then 1: see procs.go).
//   - Choose the wait policy (WaitPolicy, MPIGO_WAIT): a rank that waits long
//     first spins, then yields the core, then sleeps between polls, so an
//     idle rank uses about 2% of a core (C with OpenMPI: 100%).
//   - Large messages between ranks of one machine move over twice as fast
//     from memory on huge pages (Alloc).
//
// doc/performance.md in the repository has the measurements behind each of
// these (perf counts, profiles, tables against C, mpi4py and gompi), and the
// make targets that reproduce them.
//
// # Where things are
//
// Each chapter of MPI has a public file and, below it, its raw calls:
//
//	environment        env.go, errors.go, errclass.go,  zraw_env.go
//	                   check.go
//	point-to-point     p2p.go, request.go, persistent.go, partitioned.go,
//	                   modes.go, wait.go, gorequest.go
//	                                                    raw_p2p.h (per-message C), zcalls.go
//	collectives        collective.go, pinit.go, neighbor.go, dupedges.go,
//	                   op.go, agree.go, collerr.go      zraw.h, zcalls.go, zraw_coll.go
//	datatypes          types.go, datatype.go, darray.go, raw_datatype.go, zraw_datatype.go, zenum.go
//	                   typecontents.go, packext.go
//	groups             group.go                          zraw_group.go
//	communicators      comm.go, intercomm.go,            zraw_comm.go
//	                   interroot.go
//	sessions           session.go                        zraw_session.go
//	fault tolerance    ft.go                             raw_ft.h, zraw_ft.go
//	topologies         topology.go, graph.go,            raw_topo.go, zraw_topo.go
//	                   neighbor.go
//	one-sided          win.go                            zraw_rma.go
//	info objects       info.go                           zraw_info.go
//	MPI-IO             file.go, file_split.go,           zraw_io.go
//	                   file_query.go
//	dynamic processes  dynamic.go                        raw_dynamic.go, zraw_dynamic.go
//	Go values          value*.go (encoded over the typed calls)
//
// The library is chosen at build time (lib_openmpi.go, lib_mpich.go), and
// what it gives is read from its headers (mpi4.go), not from a build tag per
// version. Tested: OpenMPI 4.1.4 and MPICH 4.0.2 (Debian 12), OpenMPI 5.0.7
// and MPICH 4.2.1 (Debian 13). Partitioned messages (partitioned.go) and
// sessions (session.go) need MPI-4: OpenMPI 5 or MPICH 4. Isendrecv needs
// OpenMPI 5 (MPICH's completes with a wrong Status: refused there).
// Persistent collectives (BcastInit, …) work on all four (OpenMPI 4.1's
// MPIX_ extension; on MPICH, whose own give wrong results, the binding
// posts the nonblocking collective at each Start). Where the library misplaces blocks of
// duplicate neighbour edges, the binding puts them where the standard says
// (dupedges.go). On MPICH 4.1 and later, Finalize runs libmpich's exit
// handlers, which a Go program never runs (lib_mpich.go). Fault tolerance
// (ULFM: Revoke, Shrink, Agree, ft.go) needs OpenMPI 5 and a job started
// with mpiexec --with-ft ulfm; elsewhere its calls are ErrUnsupported.
//
// Every file depends only downward: public files on the raw layer, which is
// raw.go (handles, the args record), raw.h and raw_p2p.h (the C written by
// hand), raw_enum.go, and the z* files generated from calls.tab. exec.go runs
// every raw call at the thread level MPI provided.
//
// # Adding an MPI function
//
// Add its row to calls.tab: a control call (most of MPI) is its C prototype,
// a per-message call names the args fields it takes. Run go generate in this
// directory, which writes a Go function mpiX (control calls) or a call number
// callX (data calls); then write the public method over it, with its checks,
// and a test. TestGeneratedUpToDate (internal/gen) fails when the table and
// the generated files differ.
package mpi

//go:generate go run ./internal/gen
