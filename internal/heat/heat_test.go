package heat_test

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mpigo/mpigo/internal/heat"
	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

func TestMain(m *testing.M) { mpitest.Main(m) }

// The distributed solve gives the serial field bit for bit, with every
// exchange, at 1–4 ranks (grids 1×1, 2×1, 3×1, 2×2), on grids that do and
// do not divide evenly.
func TestSolveMatchesSerial(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		for _, n := range []int{3, 10, 17} {
			for _, ex := range heat.Exchanges {
				cfg := heat.Config{N: n, Steps: 25, Exchange: ex}
				res, err := heat.Solve(w, cfg)
				if err != nil {
					t.Fatalf("%+v: %v", cfg, err)
				}
				want, residual, err := heat.Serial(cfg)
				if err != nil {
					t.Fatal(err)
				}
				if res.Residual != residual {
					t.Errorf("%+v: residual %g, serial %g", cfg, res.Residual, residual)
				}
				if w.Rank() != 0 {
					if res.Field != nil {
						t.Errorf("%+v: a field at rank %d", cfg, w.Rank())
					}
					continue
				}
				if d := res.Dims; d[0]*d[1] != w.Size() {
					t.Errorf("%+v: ranks' grid %v for %d ranks", cfg, d, w.Size())
				}
				for i := range want {
					if res.Field[i] != want[i] {
						t.Fatalf("%+v on %v ranks: point (%d, %d) is %v, serial %v", cfg, res.Dims, i/n, i%n, res.Field[i], want[i])
					}
				}
			}
		}
	})
}

// The serial solver, checked against what it must be: edges fixed, the
// inside the mean of its neighbours once converged, values between the
// coldest and hottest edge.
func TestSerialConverges(t *testing.T) {
	n := 12
	u, residual, err := heat.Serial(heat.Config{N: n, Steps: 2000, Exchange: heat.Sendrecv})
	if err != nil {
		t.Fatal(err)
	}
	if residual > 1e-12 {
		t.Fatalf("residual %g after 2000 steps", residual)
	}
	for y := range n {
		for x := range n {
			v := u[y*n+x]
			switch {
			case y == 0 || x == 0 || y == n-1 || x == n-1:
				if v != heat.Boundary(n, y, x) {
					t.Fatalf("edge (%d, %d) moved to %g", y, x, v)
				}
			default:
				mean := (u[(y-1)*n+x] + u[(y+1)*n+x] + u[y*n+x-1] + u[y*n+x+1]) / 4
				if math.Abs(v-mean) > 1e-10 || v < 0 || v > 1 {
					t.Fatalf("(%d, %d) = %g, neighbours' mean %g", y, x, v, mean)
				}
			}
		}
	}
	if u[1*n+n/2] < u[(n-2)*n+n/2] {
		t.Error("the point below the hot edge is colder than the one above the cold edge")
	}
}

func TestBadConfig(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		for _, cfg := range []heat.Config{
			{N: 2, Steps: 1, Exchange: heat.Sendrecv},
			{N: 8, Steps: 0, Exchange: heat.Sendrecv},
			{N: 8, Steps: 1, Exchange: "smoke"},
		} {
			if _, err := heat.Solve(w, cfg); err == nil {
				t.Errorf("%+v: no error", cfg)
			}
		}
		if w.Size() == 4 { // 2×2 ranks fit a 3×3 grid; 4×1 would not fit 3 rows
			if _, err := heat.Solve(w, heat.Config{N: 3, Steps: 1, Exchange: heat.Neighbor}); err != nil {
				t.Errorf("3×3 grid on 2×2 ranks: %v", err)
			}
		}
	}, mpitest.Ranks(1, 4))
}

// A checkpoint is the field in row-major order (read here with os, and
// equal to the serial run's), and a solve restarted from it continues as
// if never stopped: 10 steps, a checkpoint, 15 more equal 25 steps.
func TestCheckpointRestart(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		dir := mpitest.SharedDir(t, w)
		const n = 19
		path := filepath.Join(dir, "field")
		first := heat.Config{N: n, Steps: 10, Exchange: heat.Neighbor, Checkpoint: path}
		if _, err := heat.Solve(w, first); err != nil {
			t.Fatal(err)
		}
		if w.Rank() == 0 {
			got, err := heat.ReadField(path, n)
			if err != nil {
				t.Fatal(err)
			}
			want, _, _ := heat.Serial(heat.Config{N: n, Steps: 10})
			if !slices.Equal(got, want) {
				t.Fatal("the checkpoint differs from the serial field after 10 steps")
			}
		}
		more := heat.Config{N: n, Steps: 15, Exchange: heat.Sendrecv, Restart: path}
		res, err := heat.Solve(w, more)
		if err != nil {
			t.Fatal(err)
		}
		if w.Rank() == 0 {
			want, _, _ := heat.Serial(heat.Config{N: n, Steps: 25})
			if !slices.Equal(res.Field, want) {
				t.Fatal("10 steps, a checkpoint and 15 more differ from 25 steps")
			}
			fromFile, _, err := heat.Serial(more)
			if err != nil || !slices.Equal(res.Field, fromFile) {
				t.Fatalf("Serial from the checkpoint differs from the restarted solve (%v)", err)
			}
		}
		if _, err := heat.Solve(w, heat.Config{N: n + 1, Steps: 1, Exchange: heat.Sendrecv, Restart: path}); err == nil {
			t.Error("restart of a 20×20 solve from a 19×19 checkpoint: no error")
		}
	})
}
