package mpi_test

import (
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// Hints on communicators: DupWithInfo gives the copy hints, SetInfo sets
// some, Info reads what is in use; the copy works as a communicator.
func TestCommHints(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		info, err := mpi.NewInfo()
		must(t, err)
		must(t, info.Set("mpi_assert_no_any_tag", "true"))
		dup, err := w.DupWithInfo(info)
		must(t, err)
		must(t, info.Free())
		n := 0
		must(t, dup.Allreduce(mpi.One(&[]int{1}[0]), mpi.One(&n), mpi.Sum))
		if n != w.Size() {
			t.Errorf("Allreduce over DupWithInfo's copy: %d, want %d", n, w.Size())
		}
		in, err := dup.Info()
		must(t, err)
		if _, err := in.Keys(); err != nil {
			t.Errorf("Keys of Comm.Info: %v", err)
		}
		must(t, in.Free())
		set, err := mpi.NewInfo()
		must(t, err)
		must(t, set.Set("mpigo_hint", "1"))
		must(t, dup.SetInfo(set))
		must(t, set.Free())
		plain, err := w.DupWithInfo(nil)
		must(t, err)
		must(t, plain.Free())
		must(t, dup.Free())
		wantClass(t, "SetInfo(nil)", func() error { agreeOnArgErrors(t); return w.SetInfo(nil) }(), mpi.ErrArg)
	}, mpitest.Ranks(1, 2, 3))
}

// Windows: names, hints, assertions on every synchronization that takes
// them, and Win.Test completing a post-start-complete exposure. What each
// rank put is checked at its target.
func TestWinAssertsNamesHints(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		next, prev := (r+1)%p, (r+p-1)%p
		win, mem, err := mpi.WinAllocate[int64](w, 2)
		must(t, err)
		defer win.Free()
		must(t, win.SetName("heat halo"))
		if name, err := win.Name(); err != nil || name != "heat halo" {
			t.Errorf("Win.Name = %q, %v", name, err)
		}
		wantClass(t, "a 100-byte window name", win.SetName(string(make([]byte, 100))), mpi.ErrArg)
		info, err := win.Info()
		must(t, err)
		if _, err := info.Keys(); err != nil {
			t.Errorf("Keys of Win.Info: %v", err)
		}
		must(t, info.Free())
		hints, err := mpi.NewInfo()
		must(t, err)
		must(t, hints.Set("mpigo_hint", "1"))
		must(t, win.SetInfo(hints))
		must(t, hints.Free())

		// Fence with assertions that hold: nothing was stored before the first.
		must(t, win.Fence(mpi.ModeNoPrecede, mpi.ModeNoStore))
		must(t, win.Put(mpi.Buf([]int64{int64(10 + r)}), next, 0))
		must(t, win.Fence(mpi.ModeNoSucceed))
		if mem[0] != int64(10+prev) {
			t.Errorf("Put between asserted fences: %d, want %d", mem[0], 10+prev)
		}
		// Locks with ModeNoCheck: each rank locks only its successor,
		// exclusively, and no one else locks it meanwhile... so a barrier
		// separates the epochs.
		must(t, w.Barrier())
		must(t, win.Lock(next, true, mpi.ModeNoCheck))
		must(t, win.Put(mpi.Buf([]int64{int64(20 + r)}), next, 1))
		must(t, win.Unlock(next))
		must(t, w.Barrier())
		must(t, win.LockAll(mpi.ModeNoCheck))
		got := make([]int64, 1)
		must(t, win.Get(mpi.Buf(got), next, 1))
		must(t, win.UnlockAll())
		if got[0] != int64(20+r) {
			t.Errorf("Get of what this rank put at its successor: %d, want %d", got[0], 20+r)
		}
		// Post-start-complete-test: each rank exposes to its predecessor,
		// accesses its successor; Test polls the exposure's end.
		g, err := w.Group()
		must(t, err)
		from, err := g.Incl([]int{prev})
		must(t, err)
		to, err := g.Incl([]int{next})
		must(t, err)
		must(t, win.Post(from, mpi.ModeNoStore)) // (NoCheck would need it on Start too, and an order)
		must(t, win.Start(to))
		must(t, win.Put(mpi.Buf([]int64{int64(30 + r)}), next, 0))
		must(t, win.Complete())
		for {
			done, err := win.Test()
			must(t, err)
			if done {
				break
			}
		}
		if mem[0] != int64(30+prev) {
			t.Errorf("Put in a post-start epoch ended by Test: %d, want %d", mem[0], 30+prev)
		}
		must(t, from.Free())
		must(t, to.Free())
		must(t, g.Free())
	}, winJobs(1, 2, 3)...)
}
