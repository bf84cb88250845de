package mpi

// Intercommunicators: two disjoint groups of ranks, where a rank sends to
// and receives from the ranks of the other group (its remote group); a
// destination or source rank of a point-to-point call is a rank of the
// remote group. Barrier, Allreduce and Allgather work over them as MPI
// defines (each group gets the other group's data); the rooted collectives
// (Bcast, Scatter, Gather, Reduce and their forms), whose roots MPI names
// with MPI_ROOT and MPI_PROC_NULL, are ErrUnsupported over them for now.

// IsInter reports whether c is an intercommunicator (MPI_Comm_test_inter).
func (c *Comm) IsInter() bool { return c.valid("IsInter").inter }

// RemoteSize returns the size of an intercommunicator's remote group
// (MPI_Comm_remote_size); for an intracommunicator, Size().
func (c *Comm) RemoteSize() int { return c.valid("RemoteSize").peers }

// IntercommCreate joins two disjoint groups of ranks into an
// intercommunicator (MPI_Intercomm_create). Collective over c (the local
// group) and the two leaders: localLeader is a rank of c, remoteLeader the
// other group's leader as a rank of bridge (meaningful at localLeader only),
// and tag a tag free on bridge.
func (c *Comm) IntercommCreate(localLeader int, bridge *Comm, remoteLeader, tag int) (*Comm, error) {
	const op = "IntercommCreate"
	if err := c.checkIntercommCreate(op, localLeader, bridge, remoteLeader, tag); err != nil {
		if !seenByAll(err) {
			// The other group waits in its half of the call, out of reach
			// of any agreement within this group.
			abortOnArgError(c, op, err)
		}
		return nil, err
	}
	b := commNull
	if bridge != nil {
		b = bridge.h
	}
	h := commNull
	rc := mpiIntercommCreate(c.h, localLeader, b, remoteLeader, tag, &h)
	if err := mpiError(op, rc); err != nil {
		return nil, err
	}
	return newComm(h, false)
}

func (c *Comm) checkIntercommCreate(op string, localLeader int, bridge *Comm, remoteLeader, tag int) error {
	if err := c.check(op); err != nil {
		return err
	}
	if err := c.checkRank(op, "root", localLeader, false); err != nil {
		return err
	}
	if err := checkTag(op, tag, false); err != nil {
		return err
	}
	if c.rank == localLeader {
		if err := bridge.check(op); err != nil {
			return rankLocal(err)
		}
		if err := bridge.checkRank(op, "remote leader", remoteLeader, false); err != nil {
			return err
		}
	}
	return nil
}

// Merge returns the intracommunicator of both groups of intercommunicator c
// (MPI_Intercomm_merge): the group whose ranks pass high false comes first.
func (c *Comm) Merge(high bool) (*Comm, error) {
	if err := c.check("Merge"); err != nil {
		return nil, err
	}
	if !c.inter {
		return nil, errorf(ClassComm, "Merge", "not an intercommunicator")
	}
	h := commNull
	rc := mpiIntercommMerge(c.h, high, &h)
	if err := mpiError("Merge", rc); err != nil {
		return nil, err
	}
	return newComm(h, false)
}

// checkIntra refuses an intercommunicator for op.
func (c *Comm) checkIntra(op string) error {
	if c.inter {
		return errorf(ClassUnsupported, op, "not over an intercommunicator")
	}
	return nil
}

// checkIntraOnly checks c and refuses an intercommunicator for op.
func (c *Comm) checkIntraOnly(op string) error {
	if err := c.check(op); err != nil {
		return err
	}
	return c.checkIntra(op)
}
