package mpi_test

import (
	"testing"
	"time"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// A wait that lasts past the policy's Sleep sleeps between polls and still
// gets its message; with Sleep 0 no wait sleeps; a message already there is
// taken without a nap.
func TestLongWaitSleeps(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		for _, sleep := range []time.Duration{2 * time.Millisecond, 0} {
			mpi.SetWaitPolicy(mpi.WaitPolicy{Yield: 100 * time.Microsecond, Sleep: sleep, MaxNap: 200 * time.Microsecond})
			must(t, w.Barrier())
			switch w.Rank() {
			case 0:
				time.Sleep(30 * time.Millisecond)
				x := 42
				must(t, w.Send(mpi.One(&x), 1, 0))
			case 1:
				before := mpi.Naps()
				var x int
				_, err := w.Recv(mpi.One(&x), 0, 0)
				must(t, err)
				naps := mpi.Naps() - before
				if x != 42 {
					t.Errorf("received %d after sleeping", x)
				}
				if sleep > 0 && naps == 0 {
					t.Errorf("waited 30 ms with Sleep %v without a nap", sleep)
				}
				if sleep == 0 && naps != 0 {
					t.Errorf("Sleep 0: %d naps", naps)
				}
			}
		}
		// A message already there: no nap, whatever the policy.
		mpi.SetWaitPolicy(mpi.WaitPolicy{Sleep: time.Nanosecond, MaxNap: time.Millisecond})
		if w.Rank() == 0 {
			x := 7
			must(t, w.Send(mpi.One(&x), 1, 1))
		}
		if w.Rank() == 1 {
			for arrived := false; !arrived; {
				_, ok, err := w.Iprobe(0, 1)
				must(t, err)
				arrived = ok
			}
			before := mpi.Naps()
			var x int
			_, err := w.Recv(mpi.One(&x), 0, 1)
			must(t, err)
			if n := mpi.Naps() - before; n != 0 || x != 7 {
				t.Errorf("a message already there: %d naps, got %d", n, x)
			}
		}
		mpi.SetWaitPolicy(mpi.DefaultWaitPolicy)
	}, mpitest.Ranks(2))
}

func TestParseWaitPolicy(t *testing.T) {
	p, err := mpi.ParseWaitPolicy("sleep=5ms, nap=250us")
	if err != nil || p.Sleep != 5*time.Millisecond || p.MaxNap != 250*time.Microsecond || p.Yield != mpi.DefaultWaitPolicy.Yield {
		t.Errorf("sleep=5ms, nap=250us: %+v, %v", p, err)
	}
	if p, err := mpi.ParseWaitPolicy("spin"); err != nil || p.Sleep != 0 || p.Yield < time.Hour {
		t.Errorf("spin: %+v, %v", p, err)
	}
	for _, bad := range []string{"sleep", "sleep=-1ms", "nap=fast", "doze=1ms", ""} {
		if _, err := mpi.ParseWaitPolicy(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	old := mpi.SetWaitPolicy(mpi.WaitPolicy{Yield: -1, MaxNap: 0})
	if back := mpi.SetWaitPolicy(old); back.Yield != 0 || back.MaxNap != 16*time.Microsecond {
		t.Errorf("negative and tiny durations clamped: %+v", back)
	}
}
