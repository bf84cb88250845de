package mpi_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// A library's own communicator from a session, without World: the process
// sets mpi://WORLD and mpi://SELF are listed, WORLD's info gives the job's
// size, its group and the communicator made from it have this rank and the
// job's size, and an Allreduce over it sums the ranks. Misuse is an error.
// On OpenMPI 4 SessionInit is the typed error.
func TestSessions(t *testing.T) {
	mpitest.RunAtLevels(t, func(t *testing.T, w *mpi.Comm) {
		r, p := w.Rank(), w.Size()
		if has, _ := libHasMPI4(t); !has {
			_, err := mpi.SessionInit()
			wantAbsent(t, "SessionInit", err, "MPI_Session_init")
			return
		}
		s, err := mpi.SessionInit()
		must(t, err)
		psets, err := s.Psets()
		must(t, err)
		if !slices.Contains(psets, "mpi://WORLD") || !slices.Contains(psets, "mpi://SELF") {
			t.Fatalf("process sets %q: want mpi://WORLD and mpi://SELF among them", psets)
		}
		info, err := s.PsetInfo("mpi://WORLD")
		must(t, err)
		size, ok, err := info.Get("mpi_size")
		must(t, err)
		if !ok || size != strconv.Itoa(p) {
			t.Errorf("mpi://WORLD's mpi_size: %q (set %v), want %d", size, ok, p)
		}
		must(t, info.Free())

		g, err := s.Group("mpi://WORLD")
		must(t, err)
		if g.Size() != p || g.Rank() != r {
			t.Fatalf("mpi://WORLD's group: rank %d of %d, want %d of %d", g.Rank(), g.Size(), r, p)
		}
		c, err := mpi.CommCreateFromGroup(g, "mpigo-test")
		must(t, err)
		if c.Size() != p || c.Rank() != r {
			t.Fatalf("the communicator from mpi://WORLD: rank %d of %d, want %d of %d", c.Rank(), c.Size(), r, p)
		}
		me, sum := int64(c.Rank()), int64(0)
		must(t, c.Allreduce(mpi.One(&me), mpi.One(&sum), mpi.Sum))
		if want := int64(p * (p - 1) / 2); sum != want {
			t.Errorf("Allreduce of the ranks over it: %d, want %d", sum, want)
		}
		self, err := s.Group("mpi://SELF")
		must(t, err)
		sc, err := mpi.CommCreateFromGroup(self, "mpigo-test-self")
		must(t, err)
		if sc.Size() != 1 || sc.Rank() != 0 {
			t.Errorf("the communicator from mpi://SELF: rank %d of %d, want 0 of 1", sc.Rank(), sc.Size())
		}
		_, err = s.Group("mpi://NO-SUCH-SET")
		if err == nil {
			t.Error("the group of an unknown process set: no error")
		}
		_, err = s.Group("")
		wantClass(t, "the group of an empty name", err, mpi.ErrArg)

		must(t, sc.Free())
		must(t, c.Free())
		must(t, self.Free())
		must(t, g.Free())
		_, err = mpi.CommCreateFromGroup(g, "again")
		wantClass(t, "CommCreateFromGroup of a freed group", err, mpi.ErrGroup)
		must(t, s.Finalize())
		wantClass(t, "Finalize twice", s.Finalize(), mpi.ErrArg)
		_, err = s.Psets()
		wantClass(t, "Psets after Finalize", err, mpi.ErrArg)
	})
}
