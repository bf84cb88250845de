package heat

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/mpigo/mpigo/mpi"
)

// Resilience makes a solve survive dead ranks (SolveResilient).
type Resilience struct {
	// Every is the steps between checkpoints (≥ 1).
	Every int
	// Dir holds the two checkpoint files, written in turn, so that one is
	// whole while the other is written.
	Dir string
	// Kill makes rank r of the communicator solve starts on SIGKILL itself
	// before step Kill[r] (counted from 0): a crash, for demos and tests.
	Kill map[int]int
	// Log, if set, is told of each failure and recovery.
	Log func(format string, a ...any)
}

// Recovery is one failure a resilient solve survived.
type Recovery struct {
	AtStep   int     // the step the survivors noticed the failure in
	FromStep int     // the checkpoint they went back to (0: the start)
	Lost     int     // ranks lost
	Ranks    int     // ranks left
	Dims     []int   // the survivors' grid of blocks
	Seconds  float64 // from noticing to solving again: revoke, shrink, new grid, checkpoint read
	Err      string  // what the first survivor to notice saw (an error of rank 0 of the survivors)
}

// ResilientResult is a resilient solve's Result and what it survived.
type ResilientResult struct {
	Result
	Recoveries []Recovery
	Comm       *mpi.Comm // the survivors' communicator the solve ended on (comm if none died)
}

// failure reports whether err means a rank died: the survivors recover.
func failure(err error) bool {
	return errors.Is(err, mpi.ErrProcFailed) || errors.Is(err, mpi.ErrRevoked) || errors.Is(err, mpi.ErrProcFailedPending)
}

// SolveResilient is Solve that survives ranks dying during it, in a
// fault-tolerant job (mpiexec --with-ft ulfm; OpenMPI 5). Every
// r.Every steps the ranks write a checkpoint (MPI-IO, two files in turn)
// and agree (Comm.Agree) that every one of them wrote it; when a rank dies,
// the survivors notice in the next halo exchange or residual reduction,
// revoke the communicator so that all stop waiting, shrink it to
// themselves, split the grid into blocks over the ranks left, read the last
// checkpoint agreed on and go on from its step. Jacobi steps are
// deterministic, so the field at the end is the one an undisturbed run
// gives, bit for bit. The Result is at rank 0 of the final communicator.
func SolveResilient(comm *mpi.Comm, cfg Config, r Resilience) (ResilientResult, error) {
	var out ResilientResult
	if err := cfg.check(); err != nil {
		return out, err
	}
	if r.Every < 1 {
		return out, fmt.Errorf("heat: a checkpoint every %d steps: want at least 1", r.Every)
	}
	if !mpi.FaultTolerant() {
		return out, fmt.Errorf("heat: a resilient solve needs a fault-tolerant job (OpenMPI 5, mpiexec --with-ft ulfm): %w", mpi.ErrUnsupported)
	}
	if r.Log == nil {
		r.Log = func(string, ...any) {}
	}
	paths := [2]string{filepath.Join(r.Dir, "heat-a.ckpt"), filepath.Join(r.Dir, "heat-b.ckpt")}
	s := &resilientSolve{cfg: cfg, r: r, paths: paths, victimAt: -1}
	if at, ok := r.Kill[comm.Rank()]; ok {
		s.victimAt = at
	}
	cur := comm
	for {
		res, err := s.attempt(cur)
		if err == nil || !failure(err) {
			out.Result, out.Comm = res, cur
			return out, err
		}
		t0 := mpi.Wtime()
		cur.Revoke()
		next, serr := cur.Shrink()
		if serr != nil {
			return out, fmt.Errorf("heat: shrinking after %v: %w", err, serr)
		}
		rec := Recovery{AtStep: s.step, FromStep: s.from, Lost: cur.Size() - next.Size(), Ranks: next.Size(), Err: err.Error()}
		if cur != comm {
			cur.Free()
		}
		cur = next
		// The next attempt reads the checkpoint and reports: the recovery's
		// time ends when the survivors can step again.
		s.restored = func(dims []int) {
			rec.Dims, rec.Seconds = dims, mpi.Wtime()-t0
			out.Recoveries = append(out.Recoveries, rec)
			r.Log("recovered from the loss of %d rank(s) at step %d in %.1f ms: %d ranks (%d×%d blocks) go on from step %d",
				rec.Lost, rec.AtStep, rec.Seconds*1e3, rec.Ranks, dims[0], dims[1], rec.FromStep)
		}
	}
}

// resilientSolve is the state a resilient solve keeps across attempts.
type resilientSolve struct {
	cfg      Config
	r        Resilience
	paths    [2]string
	good     string           // the last checkpoint every rank agreed it wrote ("": the cold field or cfg.Restart)
	from     int              // its step
	step     int              // the step being computed
	victimAt int              // the step this rank dies at (-1: never)
	restored func(dims []int) // set by a recovery: called once the survivors can step again
}

// attempt solves from the last good checkpoint over comm; a rank's death is
// an error of a fault class.
func (s *resilientSolve) attempt(comm *mpi.Comm) (res Result, err error) {
	cfg := s.cfg
	if s.good != "" {
		cfg.Restart = s.good
	}
	cart, b, err := decompose(comm, cfg)
	if err != nil {
		return Result{}, err
	}
	defer cart.Free()
	defer func() {
		if failure(err) {
			// The ranks whose neighbours live wait in a halo exchange on
			// cart: revoking comm would not reach them.
			cart.Revoke()
		}
	}()
	dims := cart.Dims()
	if s.restored != nil {
		s.restored(dims)
		s.restored = nil
	}
	ex, err := newExchanger(cfg.Exchange, cart, b)
	if err != nil {
		return Result{}, err
	}
	defer ex.free()
	res = Result{Dims: dims}
	var change float64
	t0 := mpi.Wtime()
	var halo float64
	for s.step = s.from; s.step < cfg.Steps; s.step++ {
		if s.step == s.victimAt {
			os.Stdout.Sync()
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		h0 := mpi.Wtime()
		if err := ex.exchange(b); err != nil {
			return res, err
		}
		halo += mpi.Wtime() - h0
		change = b.step()
		if err := cart.Allreduce(mpi.One(&change), mpi.One(&res.Residual), mpi.Max); err != nil {
			return res, err
		}
		if done := s.step + 1; done%s.r.Every == 0 && done < cfg.Steps {
			if err := s.checkpoint(cart.Comm, b, done); err != nil {
				return res, err
			}
		}
	}
	times := []float64{mpi.Wtime() - t0, halo}
	if err := cart.Allreduce(mpi.InPlace, mpi.Buf(times), mpi.Max); err != nil {
		return res, err
	}
	res.Seconds, res.Halo = times[0], times[1]
	if s.cfg.Checkpoint != "" {
		if err := b.checkpoint(cart.Comm, s.cfg.Checkpoint); err != nil {
			return res, err
		}
	}
	res.Field, err = gather(cart, b)
	return res, err
}

// checkpoint writes the field after step done to the file not holding the
// last good checkpoint, and makes it the good one once every rank agrees
// that it wrote its block.
func (s *resilientSolve) checkpoint(comm *mpi.Comm, b *block, done int) error {
	path := s.paths[0]
	if s.good == path {
		path = s.paths[1]
	}
	werr := b.checkpoint(comm, path)
	ok := int32(1)
	if werr != nil {
		ok = 0
	}
	all, err := comm.Agree(ok)
	switch {
	case err != nil:
		return err // a rank died: the last good checkpoint stays
	case all != 1 && werr != nil:
		return werr
	case all != 1:
		return fmt.Errorf("heat: another rank failed to write checkpoint %s", path)
	}
	s.good, s.from = path, done
	return nil
}
