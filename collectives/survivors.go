package collectives

import (
	"errors"
	"fmt"

	"github.com/mpigo/mpigo/mpi"
)

// ErrDataLost is BcastSurvivors' error when every rank that had the data
// died before any survivor received it.
var ErrDataLost = errors.New("collectives: every rank that had the broadcast's data has died")

// BcastSurvivors is Bcast over c that completes among the survivors when
// ranks die during it, in a fault-tolerant job (mpi.FaultTolerant). After
// each attempt the ranks vote (Comm.Agree) on whether every one of them has
// the data; if a rank died, they revoke the communicator, shrink it to the
// survivors and broadcast again, from the lowest-ranked survivor that has
// the data. It returns the communicator the broadcast completed over: c when
// no rank died, else a new one of the survivors (the caller frees it), on
// which the computation goes on. Each attempt adds to the Report's counts.
// Without fault tolerance it is Bcast (a dead rank ends the job).
func BcastSurvivors(c *mpi.Comm, data []byte, root int, algorithm string, opts ...Option) (*mpi.Comm, Report, error) {
	rep, err := Bcast(FromComm(c), data, root, algorithm, opts...)
	rep.Attempts = 1
	if !mpi.FaultTolerant() || root < 0 || root >= c.Size() {
		return c, rep, err // no survivors to save, or the same argument error on every rank
	}
	have := err == nil || c.Rank() == root // the root's sends may fail, to a dead rank
	comm := c
	for rep.Attempts <= c.Size() { // each attempt after the first follows a death
		if err != nil {
			// Ranks below this one in the tree wait for what it will not
			// send: the revoke ends their wait, and all vote.
			comm.Revoke()
		}
		all, aerr := comm.Agree(b2i(have))
		if aerr == nil && all == 1 {
			return comm, rep, nil
		}
		if aerr != nil && !errors.Is(aerr, mpi.ErrProcFailed) {
			return comm, rep, aerr
		}
		// A rank died (before, during or after its part): go on over the survivors.
		comm.Revoke()
		next, serr := comm.Shrink()
		if comm != c {
			comm.Free()
		}
		if serr != nil {
			return nil, rep, serr
		}
		comm = next
		if all == 1 {
			return comm, rep, nil // every survivor has the data
		}
		// The lowest-ranked survivor with the data broadcasts it again. A
		// failed reduction or broadcast (another death) leads to another vote.
		var from int
		if from, err = lowestWith(comm, have); err == nil {
			if from == comm.Size() {
				return comm, rep, ErrDataLost
			}
			var r Report
			r, err = Bcast(FromComm(comm), data, from, algorithm, opts...)
			rep.Messages += r.Messages
			rep.Bytes += r.Bytes
			have = have || err == nil
		}
		rep.Attempts++
	}
	return comm, rep, fmt.Errorf("collectives: BcastSurvivors: no agreement after %d attempts", rep.Attempts)
}

// lowestWith returns the lowest rank of c whose have is true (c.Size() if
// none).
func lowestWith(c *mpi.Comm, have bool) (int, error) {
	mine, low := int32(c.Size()), int32(0)
	if have {
		mine = int32(c.Rank())
	}
	err := c.Allreduce(mpi.One(&mine), mpi.One(&low), mpi.Min)
	return int(low), err
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
