package mpi_test

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// Active target (Fence): every rank puts into every other rank's Go memory,
// gets a neighbour's window, and accumulates into rank 0, with the
// collector run while operations are in flight.
func TestWinFence(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		mem := aligned[float64](p + 1) // slot i: written by rank i; slot p: accumulated
		win, err := mpi.WinCreate(w, mem)
		must(t, err)
		must(t, win.Fence())
		mine := []float64{float64(r + 1)}
		for target := range p {
			must(t, win.Put(mpi.Buf(mine), target, r))
		}
		runtime.GC() // the origin buffer is pinned until the fence
		must(t, win.Fence())
		for i := range p {
			if mem[i] != float64(i+1) {
				t.Fatalf("slot %d = %v after the puts, want %d", i, mem[i], i+1)
			}
		}
		got := make([]float64, p)
		must(t, win.Get(mpi.Buf(got), (r+1)%p, 0))
		one := []float64{float64(r)}
		must(t, win.Accumulate(mpi.Buf(one), 0, p, mpi.Sum))
		runtime.GC()
		must(t, win.Fence())
		for i := range p {
			if got[i] != float64(i+1) {
				t.Fatalf("Get of rank %d's window: %v", (r+1)%p, got)
			}
		}
		if r == 0 && mem[p] != float64(p*(p-1)/2) {
			t.Fatalf("accumulated %v, want %d", mem[p], p*(p-1)/2)
		}
		must(t, win.Free())
		wantClass(t, "Put on a freed window", win.Put(mpi.Buf(one), 0, 0), mpi.ErrWin)
		wantClass(t, "Fence on a freed window", win.Fence(), mpi.ErrWin)
	}, overRanks...)
}

// winJobs runs a test of windows at the given rank counts. Across hosts
// (TCP), OpenMPI 4.1 makes no window by default, at any thread level: its
// osc/rdma is chosen and fails. With --mca osc sm,pt2pt it does, below
// ThreadMultiple (osc/pt2pt refuses that level; osc/sm takes the shared
// windows of one host), so there the tests run so (measured in C across
// the namespace hosts).
func winJobs(ranks ...int) []mpitest.Option {
	if mpitest.MultiHost() {
		return []mpitest.Option{mpitest.Thread(mpi.ThreadSerialized), mpitest.MpiexecArgs("--mca", "osc", "sm,pt2pt")}
	}
	return []mpitest.Option{mpitest.Ranks(ranks...)}
}

// overRanks: OpenMPI 4.1 makes no window over the caller's memory on one
// rank at ThreadMultiple (TestWinOneRank).
var overRanks = winJobs(2, 3, 4)

// Over one rank at ThreadMultiple, OpenMPI 4.1 makes windows of memory it
// allocates but none over the caller's, and the error says so.
func TestWinOneRank(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		win, mem, err := mpi.WinAllocate[int64](mpi.Self(), 1)
		must(t, err)
		must(t, win.Fence())
		x := int64(5)
		must(t, win.Put(mpi.One(&x), 0, 0))
		must(t, win.Fence())
		if mem[0] != 5 {
			t.Errorf("WinAllocate over Self: %d after a Put of 5", mem[0])
		}
		must(t, win.Free())
		version, _ := mpi.LibraryVersion()
		win, err = mpi.WinCreate(mpi.Self(), aligned[int64](1))
		if !strings.Contains(version, "Open MPI v4") { // OpenMPI 5 and MPICH make it
			must(t, err)
			must(t, win.Free())
			return
		}
		wantClass(t, "WinCreate over Self at ThreadMultiple (OpenMPI 4.1)", err, mpi.ErrWin)
		if err != nil && !strings.Contains(err.Error(), "WinAllocate works") {
			t.Errorf("the error does not say what works: %v", err)
		}
	}, mpitest.Ranks(1))
}

// Passive target: a shared counter at rank 0 taken by every rank and 4
// goroutines a rank with FetchAndOp; the values handed out are each
// 0 … N-1 exactly once. Then CompareAndSwap: exactly one rank wins.
func TestWinCounter(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		const goroutines, each = 4, 50
		win, counter, err := mpi.WinAllocate[int64](w, 2)
		must(t, err)
		counter[0], counter[1] = 0, -1
		must(t, w.Barrier())
		must(t, win.LockAll())
		taken := make([][]int64, goroutines)
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					one, old := int64(1), int64(0)
					if err := win.FetchAndOp(mpi.One(&one), mpi.One(&old), 0, 0, mpi.Sum); err != nil {
						t.Error(err)
						return
					}
					if err := win.Flush(0); err != nil {
						t.Error(err)
						return
					}
					taken[g] = append(taken[g], old)
				}
			}()
		}
		wg.Wait()
		// CompareAndSwap on 4 bytes (OpenMPI 4 crashes on 8: see openMPI4CAS).
		me, none, old := int32(r), int32(-1), int32(0)
		// Displacements count the window's unit, 8 bytes: 1 is counter[1],
		// whose low 4 bytes (little-endian) hold -1 as an int32.
		must(t, win.CompareAndSwap(mpi.One(&me), mpi.One(&none), mpi.One(&old), 0, 1))
		must(t, win.UnlockAll())
		all, err := mpi.GatherValues(w, slices.Concat(taken...), 0)
		must(t, err)
		won := 0
		if old == -1 {
			won = 1
		}
		winners := 0
		must(t, w.Allreduce(mpi.One(&won), mpi.One(&winners), mpi.Sum))
		if winners != 1 {
			t.Errorf("%d ranks won the CompareAndSwap, want 1", winners)
		}
		if r == 0 {
			values := slices.Concat(all...)
			slices.Sort(values)
			for i, v := range values {
				if v != int64(i) {
					t.Fatalf("the counter handed out %v…, want each of 0…%d once", values[:min(len(values), 10)], p*goroutines*each-1)
				}
			}
			if len(values) != p*goroutines*each || counter[0] != int64(len(values)) {
				t.Fatalf("%d values handed out, counter at %d, want %d", len(values), counter[0], p*goroutines*each)
			}
		}
		must(t, w.Barrier())
		must(t, win.Free())
	}, winJobs(1, 2, 3, 4)...)
}

// Post/Start/Complete/Wait around a ring, and Lock/Unlock with Get.
func TestWinGroupsAndLocks(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		mem := aligned[int32](1)
		mem[0] = -1
		win, err := mpi.WinCreate(w, mem)
		must(t, err)
		world, err := w.Group()
		must(t, err)
		from, err := world.Incl(uniq(prev))
		must(t, err)
		to, err := world.Incl(uniq(next))
		must(t, err)
		must(t, win.Post(from))
		must(t, win.Start(to))
		x := []int32{int32(r)}
		must(t, win.Put(mpi.Buf(x), next, 0))
		must(t, win.Complete())
		must(t, win.Wait())
		if mem[0] != int32(prev) {
			t.Fatalf("after Post/Start/Complete/Wait: %d, want %d", mem[0], prev)
		}
		must(t, w.Barrier())
		got := []int32{-7}
		must(t, win.Lock(next, false))
		must(t, win.Get(mpi.Buf(got), next, 0))
		must(t, win.Unlock(next))
		if got[0] != int32(r) {
			t.Fatalf("Get under a shared lock: %d, want %d", got[0], r)
		}
		must(t, w.Barrier())
		for _, g := range []*mpi.Group{from, to, world} {
			must(t, g.Free())
		}
		must(t, win.Free())
	}, overRanks...)
}

func uniq(r int) []int { return []int{r} }

// aligned returns n zero elements whose first is 16-byte aligned, as
// WinCreate needs with MPICH (see WinCreate).
func aligned[T any](n int) []T {
	var x T
	size := int(unsafe.Sizeof(x))
	s := make([]T, n+16/size+1)
	for i := range s {
		if uintptr(unsafe.Pointer(&s[i]))%16 == 0 {
			return s[i : i+n]
		}
	}
	panic("no 16-byte aligned element")
}

// With MPICH, a window over memory that is not 16-byte aligned is refused
// (ErrUnsupported) on every rank that has one, here all of them.
func TestWinCreateAlignment(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t)
		s := aligned[float64](4)
		off := s[1:] // 8 bytes past a 16-byte boundary
		win, err := mpi.WinCreate(w, off)
		if version, _ := mpi.LibraryVersion(); !strings.Contains(version, "MPICH") {
			must(t, err)
			must(t, win.Free())
			return
		}
		wantClass(t, "WinCreate over memory 8 bytes past a 16-byte boundary, with MPICH", err, mpi.ErrUnsupported)
	}, overRanks...)
}

// Shared memory: each rank writes its part; after Sync and a barrier every
// rank reads the others' parts directly.
func TestWinShared(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		node, err := w.SplitType(mpi.SplitShared, w.Rank())
		must(t, err)
		r, p := node.Rank(), node.Size()
		win, mine, err := mpi.WinAllocateShared[int64](node, 3)
		must(t, err)
		must(t, win.LockAll())
		for i := range mine {
			mine[i] = int64(100*r + i)
		}
		must(t, win.Sync())
		must(t, node.Barrier())
		must(t, win.Sync())
		for q := range p {
			theirs, err := mpi.SharedSlice[int64](win, q)
			must(t, err)
			if len(theirs) != 3 || theirs[0] != int64(100*q) || theirs[2] != int64(100*q+2) {
				t.Fatalf("rank %d's shared part: %v", q, theirs)
			}
		}
		// 8-byte atomics work on shared windows (osc/sm), OpenMPI 4 included.
		must(t, node.Barrier()) // every rank has read rank 0's part
		if r == 0 {
			mine[0] = -1
		}
		must(t, win.Sync())
		must(t, node.Barrier())
		me, none, old := int64(r), int64(-1), int64(0)
		must(t, win.CompareAndSwap(mpi.One(&me), mpi.One(&none), mpi.One(&old), 0, 0))
		must(t, win.Flush(0))
		won, winners := 0, 0
		if old == -1 {
			won = 1
		}
		must(t, node.Allreduce(mpi.One(&won), mpi.One(&winners), mpi.Sum))
		if winners != 1 {
			t.Errorf("%d ranks won the 8-byte CompareAndSwap on a shared window", winners)
		}
		must(t, win.UnlockAll())
		_, err = mpi.SharedSlice[int64](win, p)
		wantClass(t, "SharedSlice of rank Size()", err, mpi.ErrRank)
		must(t, win.Free())
		must(t, node.Free())
	}, winJobs(1, 2, 3, 4)...)
}

// Dynamic windows: memory attached after the window was made, addressed by
// the address Attach returns.
func TestWinDynamic(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		win, err := mpi.WinCreateDynamic(w)
		must(t, err)
		mem := make([]int64, 2)
		addr, err := mpi.Attach(win, mem)
		must(t, err)
		addrs := make([]int64, p)
		must(t, w.Allgather(mpi.One(&addr), mpi.Buf(addrs)))
		next := (r + 1) % p
		must(t, win.Fence())
		x := []int64{int64(r), int64(-r)}
		must(t, win.Put(mpi.Buf(x), next, int(addrs[next])))
		runtime.GC()
		must(t, win.Fence())
		prev := (r + p - 1) % p
		if mem[0] != int64(prev) || mem[1] != int64(-prev) {
			t.Fatalf("dynamic window after Put: %v, want [%d %d]", mem, prev, -prev)
		}
		must(t, mpi.Detach(win, mem))
		must(t, win.Free())
	}, overRanks...)
}

// Bad one-sided calls are errors, caught in Go where they can be.
func TestWinErrors(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		agreeOnArgErrors(t) // Replace in an Allreduce, on every rank
		p := w.Size()
		mem := aligned[int32](4)
		win, err := mpi.WinCreate(w, mem)
		must(t, err)
		must(t, win.Fence())
		x := []int32{1, 2}
		wantClass(t, "Put to rank Size()", win.Put(mpi.Buf(x), p, 0), mpi.ErrRank)
		wantClass(t, "Put past the window's end", win.Put(mpi.Buf(x), 0, 3), mpi.ErrArg)
		wantClass(t, "Put at a negative displacement", win.Put(mpi.Buf(x), 0, -1), mpi.ErrArg)
		wantClass(t, "Get of more than the window", win.Get(mpi.Buf(make([]int32, 5)), 0, 0), mpi.ErrArg)
		wantClass(t, "Put of strings", win.Put(mpi.Buf([]string{"x"}), 0, 0), mpi.ErrType)
		add, err := mpi.NewOp(func(a, b int32) int32 { return a + b }, true)
		must(t, err)
		wantClass(t, "Accumulate with a user op", win.Accumulate(mpi.Buf(x), 0, 0, add), mpi.ErrOp)
		var y, old int32
		wantClass(t, "FetchAndOp of two elements", win.FetchAndOp(mpi.Buf(x), mpi.Buf(make([]int32, 2)), 0, 0, mpi.Sum), mpi.ErrBuffer)
		f, fo := 1.5, 0.0
		wantClass(t, "CompareAndSwap of floats", win.CompareAndSwap(mpi.One(&f), mpi.One(&f), mpi.One(&fo), 0, 0), mpi.ErrType)
		wantClass(t, "FetchAndOp with a result of another type", win.FetchAndOp(mpi.One(&y), mpi.One(&f), 0, 0, mpi.Sum), mpi.ErrType)
		must(t, win.FetchAndOp(mpi.One(&y), mpi.One(&old), mpi.ProcNull, 0, mpi.Sum))
		if version, _ := mpi.LibraryVersion(); strings.Contains(version, "Open MPI v4.") {
			i, j, k := int64(1), int64(2), int64(3)
			wantClass(t, "8-byte CompareAndSwap with OpenMPI 4", win.CompareAndSwap(mpi.One(&i), mpi.One(&j), mpi.One(&k), 0, 0), mpi.ErrUnsupported)
		}
		must(t, win.Fence())
		wantClass(t, "Replace in an Allreduce", w.Allreduce(mpi.One(&y), mpi.One(&old), mpi.Replace), mpi.ErrOp)
		wantClass(t, "Lock of rank Size()", win.Lock(p, true), mpi.ErrRank)
		_, err = mpi.Attach(win, mem)
		wantClass(t, "Attach to a window that is not dynamic", err, mpi.ErrWin)
		must(t, add.Free())
		must(t, win.Free())
		wantClass(t, "Free twice", win.Free(), mpi.ErrWin)
		var nilWin *mpi.Win
		wantClass(t, "Fence on a nil window", nilWin.Fence(), mpi.ErrWin)
	}, overRanks...)
}

// Request-based operations inside a passive-target epoch: Rput to the next
// rank, Rget from it, Raccumulate into rank 0 and an atomic read of it with
// RgetAccumulate(NoOp); each Request completes locally, Flush remotely.
func TestWinRequests(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next := (r + 1) % p
		win, mem, err := mpi.WinAllocate[int64](w, 2)
		must(t, err)
		mem[0], mem[1] = -1, 0
		must(t, w.Barrier())
		must(t, win.LockAll())
		mine := []int64{int64(r)}
		req, err := win.Rput(mpi.Buf(mine), next, 0)
		must(t, err)
		runtime.GC()
		_, err = req.Wait()
		must(t, err)
		one := []int64{1}
		acc, err := win.Raccumulate(mpi.Buf(one), 0, 1, mpi.Sum)
		must(t, err)
		must(t, mpi.WaitAll(acc))
		must(t, win.FlushAll())
		must(t, w.Barrier())
		got := []int64{-7}
		req, err = win.Rget(mpi.Buf(got), next, 0)
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		if got[0] != int64(next+p-1)%int64(p) {
			t.Errorf("Rget of rank %d's slot: %d, want %d (put by rank %d)", next, got[0], (next+p-1)%p, (next+p-1)%p)
		}
		var nothing, total int64
		req, err = win.RgetAccumulate(mpi.One(&nothing), mpi.One(&total), 0, 1, mpi.NoOp)
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		if total != int64(p) {
			t.Errorf("RgetAccumulate(NoOp) of the sum: %d, want %d", total, p)
		}
		req, err = win.Rput(mpi.Buf(mine), mpi.ProcNull, 0)
		must(t, err)
		_, err = req.Wait()
		must(t, err)
		_, err = win.Rput(mpi.Buf(mine), next, 2)
		wantClass(t, "Rput past the window's end", err, mpi.ErrArg)
		must(t, win.UnlockAll())
		must(t, w.Barrier())
		must(t, win.Free())
	}, winJobs(1, 2, 3, 4)...)
}
