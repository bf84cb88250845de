package mpi_test

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// libHasULFM reads from the library's own version string whether it has
// fault tolerance (ULFM): OpenMPI 5 only.
func libHasULFM(t *testing.T) bool {
	v, err := mpi.LibraryVersion()
	must(t, err)
	return strings.Contains(v, "Open MPI v5.")
}

// ftJob is the option of a fault-tolerant job in which ranks victims(np)
// die; on a library without ULFM the test is the refusal's (TestFaultToleranceRefused).
func ftJob(t *testing.T, victims func(np int) []int) mpitest.Option {
	t.Helper()
	if !mpi.HasULFM() {
		t.Skip("no ULFM in this library: TestFTRefused checks its typed error")
	}
	return mpitest.Kills(victims)
}

func noVictims(int) []int { return nil }

// Every fault-tolerance call in a job without it is ErrUnsupported saying
// why: the library has no ULFM, or (OpenMPI 5) the job was started without
// --with-ft, where Shrink would hang.
func TestFTRefused(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		if mpi.FaultTolerant() {
			t.Fatal("FaultTolerant in a job started without --with-ft")
		}
		if mpi.HasULFM() != libHasULFM(t) {
			t.Fatalf("HasULFM %v in a library saying %q", mpi.HasULFM(), must1[string](t)(mpi.LibraryVersion()))
		}
		want := "has no fault tolerance (ULFM)"
		if libHasULFM(t) {
			want = "start it with mpiexec --with-ft ulfm"
		}
		check := func(what string, err error) {
			t.Helper()
			if !errors.Is(err, mpi.ErrUnsupported) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v; want ErrUnsupported saying %q", what, err, want)
			}
		}
		check("Revoke", w.Revoke())
		_, err := w.IsRevoked()
		check("IsRevoked", err)
		_, err = w.Shrink()
		check("Shrink", err)
		_, err = w.Agree(1)
		check("Agree", err)
		var flag int32
		_, err = w.Iagree(&flag)
		check("Iagree", err)
		_, err = w.Failed()
		check("Failed", err)
		_, err = w.AckFailed(1)
		check("AckFailed", err)
		_, err = w.FailedRanks()
		check("FailedRanks", err)
		// The world still works: nothing was revoked.
		got, err := sumOver(w, 1)
		if err != nil || got != w.Size() {
			t.Errorf("Allreduce after the refusals: %v, %v; want %d", got, err, w.Size())
		}
	}, mpitest.Ranks(1, 3))
}

func must1[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		must(t, err)
		return v
	}
}

// Agree ANDs the ranks' flags: rank r clears bit r, so the result has
// the low Size() bits clear and the rest set; Iagree from goroutines, each
// on its own communicator, gives the same. Misuse is an error.
func TestFTAgree(t *testing.T) {
	opt := ftJob(t, noVictims)
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		if !mpi.FaultTolerant() {
			t.Fatal("FaultTolerant false in a job started with --with-ft ulfm")
		}
		want := int32(-1) &^ (1<<p - 1)
		got, err := w.Agree(^int32(1 << r))
		if err != nil || got != want {
			t.Fatalf("Agree: %#x, %v; want %#x", got, err, want)
		}
		// A flag only one rank clears.
		mine := int32(7)
		if r == p-1 {
			mine = 5
		}
		if got, err := w.Agree(mine); err != nil || got != 5 {
			t.Errorf("Agree with rank %d clearing bit 1: %d, %v; want 5", p-1, got, err)
		}
		d := must1[*mpi.Comm](t)(w.Dup())
		defer d.Free()
		flag := int32(^(1 << (r + 8)))
		req, err := d.Iagree(&flag)
		must(t, err)
		if _, err := req.Wait(); err != nil || flag != int32(-1)&^(((1<<p)-1)<<8) {
			t.Errorf("Iagree: %#x, %v", flag, err)
		}
		if _, err := d.Iagree(nil); !errors.Is(err, mpi.ErrArg) {
			t.Errorf("Iagree(nil): %v; want ErrArg", err)
		}
		if n, err := w.AckFailed(p); err != nil || n != 0 {
			t.Errorf("AckFailed with no failure: %d, %v; want 0", n, err)
		}
		if _, err := w.AckFailed(-1); !errors.Is(err, mpi.ErrArg) {
			t.Errorf("AckFailed(-1): %v; want ErrArg", err)
		}
		g := must1[*mpi.Group](t)(w.Failed())
		if g.Size() != 0 {
			t.Errorf("Failed with no failure: %d ranks", g.Size())
		}
		g.Free()
		if ranks, err := w.FailedRanks(); err != nil || len(ranks) != 0 {
			t.Errorf("FailedRanks with no failure: %v, %v", ranks, err)
		}
	}, opt)
}

// Revoke by rank 0 stops the others' pending receives on that communicator
// (they get ErrRevoked and IsRevoked turns true everywhere); the world is
// untouched, and Shrink of the revoked communicator gives one of all ranks.
func TestFTRevoke(t *testing.T) {
	opt := ftJob(t, noVictims)
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		d := must1[*mpi.Comm](t)(w.Dup())
		defer d.Free()
		must(t, w.Barrier())
		if r == 0 {
			must(t, d.Revoke())
			must(t, d.Revoke()) // again: nothing more
		} else {
			_, err := d.Recv(mpi.Buf(make([]int32, 1)), 0, 5) // never sent
			if !errors.Is(err, mpi.ErrRevoked) {
				t.Errorf("Recv on a communicator revoked meanwhile: %v; want ErrRevoked", err)
			}
		}
		if revoked, err := d.IsRevoked(); err != nil || !revoked {
			t.Errorf("IsRevoked after the revoke: %v, %v", revoked, err)
		}
		if err := d.Barrier(); !errors.Is(err, mpi.ErrRevoked) {
			t.Errorf("Barrier on the revoked communicator: %v; want ErrRevoked", err)
		}
		if revoked, err := w.IsRevoked(); err != nil || revoked {
			t.Errorf("IsRevoked of World: %v, %v; want false", revoked, err)
		}
		s := must1[*mpi.Comm](t)(d.Shrink())
		defer s.Free()
		if s.Size() != p || s.Rank() != r {
			t.Errorf("Shrink without failures: rank %d of %d; want %d of %d", s.Rank(), s.Size(), r, p)
		}
		if sum, err := sumOver(s, r); err != nil || sum != p*(p-1)/2 {
			t.Errorf("Allreduce over the shrunk communicator: %d, %v", sum, err)
		}
	}, opt)
}

// The victim sets the killed-rank tests take, by rank count: one rank
// (the last, rank 0, a middle one) and a neighbour pair.
var victimSets = map[int][][]int{
	2: {{1}, {0}},
	3: {{2}, {0}, {1}},
	4: {{3}, {0}, {1, 2}, {0, 1}},
}

// A rank killed mid-job: the survivors' next call that needs it returns
// ErrProcFailed (or ErrRevoked, once another survivor has revoked), a
// receive from it on World ErrProcFailed and one from AnySource
// ErrProcFailedPending; after Revoke and Shrink, the survivors know exactly
// the victims as failed, acknowledge them, agree, and compute over the
// shrunk communicator. Each victim set of victimSets is its own job.
func TestFTRankKilled(t *testing.T) {
	for _, np := range []int{2, 3, 4} {
		for _, vs := range victimSets[np] {
			t.Run(fmt.Sprintf("np%d-kill%v", np, vs), func(t *testing.T) {
				opt := ftJob(t, func(int) []int { return vs })
				mpitest.Run(t, func(t *testing.T, w *mpi.Comm) { survive(t, w, vs) }, opt, mpitest.Ranks(np))
			})
		}
	}
}

func survive(t *testing.T, w *mpi.Comm, victims []int) {
	r, p := w.Rank(), w.Size()
	c := must1[*mpi.Comm](t)(w.Dup())
	must(t, c.Barrier())
	if slices.Contains(victims, r) {
		mpitest.Kill()
	}
	// Receives posted while the victim dies: OpenMPI 5's probes, which the
	// blocking receives poll, never report it (the binding checks).
	_, err := w.Recv(mpi.Buf(make([]byte, 100<<10)), victims[0], 2)
	wantClass(t, "a blocking Recv from a rank that dies meanwhile", err, mpi.ErrProcFailed)
	var v []string
	_, err = w.RecvValue(&v, victims[len(victims)-1], 3)
	wantClass(t, "RecvValue from a dead rank", err, mpi.ErrProcFailed)
	start := time.Now()
	for i, err := 0, error(nil); err == nil; i++ { // barriers until the failure is seen
		err = c.Barrier()
		if err != nil && !errors.Is(err, mpi.ErrProcFailed) && !errors.Is(err, mpi.ErrRevoked) {
			t.Fatalf("Barrier with ranks %v dead: %v; want ErrProcFailed or ErrRevoked", victims, err)
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("%d barriers in 20 s without an error", i)
		}
	}
	must(t, c.Revoke())
	// World is not revoked: a receive from a victim fails, one from any source is pending.
	_, err = w.Recv(mpi.Buf(make([]int32, 1)), victims[0], 1)
	wantClass(t, "Recv from a dead rank", err, mpi.ErrProcFailed)
	req, err := w.Irecv(mpi.Buf(make([]int32, 1)), victims[0], 1)
	must(t, err)
	_, err = req.Wait()
	wantClass(t, "Irecv+Wait from a dead rank", err, mpi.ErrProcFailed)
	_, err = w.Recv(mpi.Buf(make([]int32, 1)), mpi.AnySource, 1)
	wantClass(t, "Recv from AnySource with a dead rank", err, mpi.ErrProcFailedPending)

	s := must1[*mpi.Comm](t)(c.Shrink())
	defer s.Free()
	survivors := p - len(victims)
	if s.Size() != survivors {
		t.Fatalf("Shrink: %d ranks; want %d", s.Size(), survivors)
	}
	below := 0 // survivors ranked below this one keep their order
	for q := range r {
		if !slices.Contains(victims, q) {
			below++
		}
	}
	if s.Rank() != below {
		t.Errorf("Shrink: rank %d; want %d", s.Rank(), below)
	}
	g := must1[*mpi.Group](t)(c.Failed())
	if g.Size() != len(victims) {
		t.Errorf("Failed: %d ranks; want %d", g.Size(), len(victims))
	}
	g.Free()
	failed := must1[[]int](t)(c.FailedRanks())
	slices.Sort(failed)
	if !slices.Equal(failed, sorted(victims)) {
		t.Errorf("FailedRanks: %v; want %v", failed, victims)
	}
	if n, err := c.AckFailed(p); err != nil || n != len(victims) {
		t.Errorf("AckFailed: %d, %v; want %d", n, err, len(victims))
	}
	if got, err := c.Agree(int32(r + 1)); err != nil || got != andOf(p, victims) {
		t.Errorf("Agree over the revoked communicator after AckFailed: %d, %v; want %d", got, err, andOf(p, victims))
	}
	wantSum := 0
	for q := range p {
		if !slices.Contains(victims, q) {
			wantSum += q
		}
	}
	if sum, err := sumOver(s, r); err != nil || sum != wantSum {
		t.Errorf("Allreduce of world ranks over the survivors: %d, %v; want %d", sum, err, wantSum)
	}
	c.Free()
}

func sorted(s []int) []int { return slices.Sorted(slices.Values(s)) }

// andOf is the AND of r+1 over the ranks of p that are not victims.
func andOf(p int, victims []int) int32 {
	v := int32(-1)
	for q := range p {
		if !slices.Contains(victims, q) {
			v &= int32(q + 1)
		}
	}
	return v
}

// sumOver is the sum of v over c (Allreduce).
func sumOver(c *mpi.Comm, v int) (int, error) {
	in, out := v, 0
	err := c.Allreduce(mpi.One(&in), mpi.One(&out), mpi.Sum)
	return out, err
}

// In a fault-tolerant job a collective's bad argument on one rank revokes
// the communicator instead of aborting the job: that rank gets its error,
// the others ErrRevoked (or, a root, success), every later call on it
// ErrRevoked, and the survivors of Shrink (all ranks) go on.
func TestFTArgErrorRevokes(t *testing.T) {
	opt := ftJob(t, noVictims)
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		d := must1[*mpi.Comm](t)(w.Dup())
		defer d.Free()
		root := 0
		if r == p-1 {
			root = p // out of range, on this rank only
		}
		err := d.Bcast(mpi.Buf(make([]int64, 4)), root)
		switch {
		case r == p-1:
			wantClass(t, "Bcast with a bad root", err, mpi.ErrRoot)
		case err != nil && !errors.Is(err, mpi.ErrRevoked):
			// The root may finish its sends before the revoke reaches it.
			t.Errorf("Bcast beside a rank with a bad root: %v; want ErrRevoked or nil", err)
		}
		if err := d.Barrier(); !errors.Is(err, mpi.ErrRevoked) {
			t.Errorf("Barrier after the revoke: %v; want ErrRevoked", err)
		}
		s := must1[*mpi.Comm](t)(d.Shrink())
		defer s.Free()
		if sum, err := sumOver(s, 1); err != nil || sum != p {
			t.Errorf("Allreduce after the revoke: %d, %v; want %d", sum, err, p)
		}
	}, opt, mpitest.Ranks(2, 3))
}

// mpi.Run in a fault-tolerant job: the rank whose main fails ends alone, as
// a failed process; the others see ErrProcFailed and finish.
func TestFTRunFailStop(t *testing.T) {
	opt := ftJob(t, func(np int) []int { return []int{np - 1} })
	mpitest.Run(t, func(t *testing.T, _ *mpi.Comm) {
		mpi.Run(func(w *mpi.Comm) error {
			r, p := w.Rank(), w.Size()
			must(t, w.Barrier())
			if r == p-1 {
				return errors.New("this rank's main failed")
			}
			var err error
			for err == nil {
				err = w.Barrier()
			}
			if !errors.Is(err, mpi.ErrProcFailed) && !errors.Is(err, mpi.ErrRevoked) {
				t.Errorf("Barrier after rank %d's main failed: %v", p-1, err)
			}
			w.Revoke()
			return nil
		})
	}, opt, mpitest.NoInit(), mpitest.Ranks(2, 3), mpitest.CheckOutput(func(out []byte) error {
		if !strings.Contains(string(out), "failed: this rank's main failed") {
			return errors.New("the failed rank's error is not in the output")
		}
		return nil
	}))
}

// The watchdog of a fault-tolerant job names the ranks of World that have
// failed: rank 0 waits for rank 1, which sends late, while rank 2 is dead.
func TestFTWatchdog(t *testing.T) {
	opt := ftJob(t, func(int) []int { return []int{2} })
	t.Setenv("MPIGO_WATCHDOG", "300ms")
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		must(t, w.Barrier())
		switch w.Rank() {
		case 2:
			mpitest.Kill()
		case 1:
			time.Sleep(1500 * time.Millisecond)
			must(t, w.Send(mpi.Buf([]int32{1}), 0, 5))
		case 0:
			time.Sleep(200 * time.Millisecond) // the death is known by now
			w.FailedRanks()                    // (OpenMPI learns of it as it progresses)
			_, err := w.Recv(mpi.Buf(make([]int32, 1)), 1, 5)
			must(t, err)
		}
	}, opt, mpitest.Ranks(3), mpitest.CheckOutput(func(out []byte) error {
		line := regexp.MustCompile(mpitest.RankLine(0) + `mpigo: watchdog: rank 0 of 3 has waited \d+ms in MPI_Recv from rank 1, tag 5, on World \(World ranks known to have failed: \[2\]\)$`)
		if !line.Match(out) {
			return errors.New("rank 0's watchdog report does not name rank 2 as failed")
		}
		return nil
	}))
}
