package mpi

import "sync/atomic"

// Sessions (MPI-4: MPI_Session_init and the process sets): a library that
// uses MPI makes its own communicators from a session, without World and
// without depending on how the program set MPI up:
//
//	s, err := mpi.SessionInit()
//	g, err := s.Group("mpi://WORLD")              // or "mpi://SELF", or a set s.Psets() lists
//	c, err := mpi.CommCreateFromGroup(g, "mylib") // collective over g's ranks
//	…
//	c.Free(); g.Free(); s.Finalize()
//
// In this binding a session lives within mpi.Init and Finalize (the
// binding's runtime, its thread level and error handling, starts there):
// SessionInit before Init is ErrNotInitialized. OpenMPI 5 and MPICH 4 have
// sessions; OpenMPI 4.1 has not (ErrUnsupported).

// Session is an MPI session (MPI_Session).
type Session struct {
	h         sessionHandle
	finalized atomic.Bool
}

// SessionInit starts a session (MPI_Session_init), whose errors are
// returned, as every call's in this binding.
func SessionInit() (*Session, error) {
	const op = "SessionInit"
	if err := checkState(op); err != nil {
		return nil, err
	}
	if err := needMPI4(op, "MPI_Session_init"); err != nil {
		return nil, err
	}
	s := &Session{}
	if err := mpiError(op, mpiSessionInit(&s.h)); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Session) check(op string) error {
	if err := checkState(op); err != nil {
		return err
	}
	if s == nil || s.finalized.Load() {
		return errorf(ClassArg, op, "nil or finalized Session")
	}
	return nil
}

// Finalize ends s (MPI_Session_finalize): free the communicators and groups
// made from it first. Finalizing it twice is an error.
func (s *Session) Finalize() error {
	const op = "Session.Finalize"
	if err := s.check(op); err != nil {
		return err
	}
	if !s.finalized.CompareAndSwap(false, true) {
		return errorf(ClassArg, op, "session finalized already")
	}
	h := s.h
	return mpiError(op, mpiSessionFinalize(&h))
}

// Psets returns the names of the process sets s knows
// (MPI_Session_get_num_psets, MPI_Session_get_nth_pset): "mpi://WORLD",
// "mpi://SELF" and whatever the launcher defines.
func (s *Session) Psets() ([]string, error) {
	const op = "Session.Psets"
	if err := s.check(op); err != nil {
		return nil, err
	}
	var n int
	if err := mpiError(op, mpiSessionGetNumPsets(s.h, &n)); err != nil {
		return nil, err
	}
	names := make([]string, 0, n)
	for i := range n {
		var size int // the first call asks the length, NUL included
		if err := mpiError(op, mpiSessionGetNthPset(s.h, i, &size, []byte{0})); err != nil {
			return nil, err
		}
		if size < 1 || size > 1<<20 {
			return nil, errorf(ClassIntern, op, "process set %d: the library gives a name of %d bytes", i, size)
		}
		buf := make([]byte, size)
		if err := mpiError(op, mpiSessionGetNthPset(s.h, i, &size, buf)); err != nil {
			return nil, err
		}
		names = append(names, cString(buf))
	}
	return names, nil
}

// PsetInfo returns what the library says of process set pset
// (MPI_Session_get_pset_info), e.g. its "mpi_size". Free it when done.
func (s *Session) PsetInfo(pset string) (*Info, error) {
	const op = "Session.PsetInfo"
	if err := s.check(op); err != nil {
		return nil, err
	}
	i := &Info{h: infoNull}
	if err := mpiError(op, mpiSessionGetPsetInfo(s.h, pset, &i.h)); err != nil {
		return nil, err
	}
	return i, nil
}

// Group returns the group of process set pset of s
// (MPI_Group_from_session_pset). An unknown name is an error.
func (s *Session) Group(pset string) (*Group, error) {
	const op = "Session.Group"
	if err := s.check(op); err != nil {
		return nil, err
	}
	if pset == "" {
		return nil, errorf(ClassArg, op, "empty process set name")
	}
	return newGroup(op, func(out *groupHandle) int { return mpiGroupFromSessionPset(s.h, pset, out) })
}

// CommCreateFromGroup makes a communicator of the ranks of g
// (MPI_Comm_create_from_group), which every one of them must call with the
// same tag, a string that tells this creation from others made at the same
// time (a library's name). A rank outside g gets an error (ErrGroup).
func CommCreateFromGroup(g *Group, tag string) (*Comm, error) {
	const op = "CommCreateFromGroup"
	if err := g.check(op); err != nil {
		return nil, err
	}
	if err := needMPI4(op, "MPI_Comm_create_from_group"); err != nil {
		return nil, err
	}
	if g.rank == mpiUndefined {
		return nil, errorf(ClassGroup, op, "this rank is not in the group")
	}
	h := commNull
	if err := mpiError(op, mpiCommCreateFromGroup(g.h, tag, &h)); err != nil {
		return nil, err
	}
	return newComm(h, false)
}
