package collectives_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/mpigo/mpigo/collectives"
	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// BcastSurvivors with ranks killed just before it (a fault-tolerant job):
// interior ranks of the tree or chain, leaves, pairs. Every survivor ends
// with the root's data over a communicator of exactly the survivors, in
// more than one attempt; with the root dead, every survivor gets
// ErrDataLost. Without ULFM it is Bcast (TestBcastSurvivorsPlain).
func TestBcastSurvivors(t *testing.T) {
	if !mpi.HasULFM() {
		t.Skip("no ULFM in this library: TestBcastSurvivorsPlain covers BcastSurvivors without it")
	}
	cases := []struct {
		np      int
		victims []int
	}{{3, []int{1}}, {4, []int{1}}, {4, []int{3}}, {4, []int{1, 2}}, {4, []int{0}}, {2, []int{1}}}
	for _, alg := range []string{"binomial", "chain"} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/np%d-kill%v", alg, tc.np, tc.victims), func(t *testing.T) {
				mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
					survivorsBcast(t, w, alg, tc.victims)
				}, mpitest.Ranks(tc.np), mpitest.Kills(func(int) []int { return tc.victims }))
			})
		}
	}
}

func survivorsBcast(t *testing.T, w *mpi.Comm, alg string, victims []int) {
	r, p := w.Rank(), w.Size()
	want := make([]byte, 100<<10) // chain: 4 segments
	for i := range want {
		want[i] = byte(i*7 + 3)
	}
	data := make([]byte, len(want))
	if r == 0 {
		copy(data, want)
	}
	if err := w.Barrier(); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(victims, r) {
		mpitest.Kill()
	}
	comm, rep, err := collectives.BcastSurvivors(w, data, 0, alg)
	if slices.Contains(victims, 0) {
		if !errors.Is(err, collectives.ErrDataLost) {
			t.Fatalf("root dead: %v; want ErrDataLost", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("BcastSurvivors with ranks %v dead: %v", victims, err)
	}
	if !bytes.Equal(data, want) {
		t.Errorf("the data differs from the root's")
	}
	if comm.Size() != p-len(victims) || comm == w {
		t.Errorf("over a communicator of %d ranks (World: %v); want a new one of %d", comm.Size(), comm == w, p-len(victims))
	}
	if rep.Attempts < 1 || rep.Attempts > p {
		t.Errorf("%d attempts", rep.Attempts)
	}
	// The survivors' communicator works.
	in, out := int32(1), int32(0)
	if err := comm.Allreduce(mpi.One(&in), mpi.One(&out), mpi.Sum); err != nil || int(out) != p-len(victims) {
		t.Errorf("Allreduce over the survivors: %d, %v", out, err)
	}
	comm.Free()
}

// Without fault tolerance (a job started without it, or a library without
// ULFM) BcastSurvivors is Bcast: the data arrives, over c itself.
func TestBcastSurvivorsPlain(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		data := []byte("the root's data")
		if w.Rank() != 0 {
			data = make([]byte, len(data))
		}
		comm, rep, err := collectives.BcastSurvivors(w, data, 0, "binomial")
		if err != nil || comm != w || rep.Attempts != 1 || string(data) != "the root's data" {
			t.Errorf("BcastSurvivors: %q over World %v, %d attempts, %v", data, comm == w, rep.Attempts, err)
		}
	})
}
