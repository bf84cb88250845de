package mpi

// Persistent collectives (MPI-4's MPI_Bcast_init and the rest; OpenMPI 4.1's
// MPIX_Bcast_init): a collective made once, with its buffers, and started
// many times, as a solver's loop makes the same Allreduce each step. Each
// returns a persistent Request: Start (or StartAll) runs the collective
// with what the buffers hold then, Wait or Test completes it, Free ends it.
// Its buffers (and counts) stay pinned until Free and must not be touched
// while it is active. A start allocates nothing.
//
// The arguments are checked as for the blocking form, and agreed among the
// ranks at the init (see CollectiveErrors), never at a start. Every rank
// must start its persistent collectives over a communicator in the same
// order, as it would call the blocking ones; MPI matches them by that order.

// On MPICH the binding makes persistent collectives itself: MPICH's own give
// wrong results (measured: on 4.0.2 and 4.2.1 a Gather_init leaves the
// root's part unwritten and a Scatter_init's second start fails with
// "Invalid communicator"; mpich#7078, #6423). Each Start then posts the
// nonblocking collective (MPI_Igather, …) with the arguments checked and
// agreed at the init, and buffers pinned since: the same semantics, without
// the library's reuse of its schedule.

// repost is what each Start of such a collective posts.
type repost struct {
	call rawCall
	a    args
}

// reposted makes the persistent collective call with a as a Request that
// posts the nonblocking form at each start, holding a's buffers pinned.
func reposted(op string, call rawCall, a *args) *Request {
	r := pinned(op, a, reqCollective, Buffer{})
	r.repost = &repost{call: call, a: *a}
	r.repost.a.persistent, r.repost.a.nonblocking = false, true
	r.persistent, r.done = true, true
	return r
}

// post starts idle Request r, made by reposted.
func (r *Request) post(op string) error {
	a := r.repost.a
	if err := mpiError(op, run(r.repost.call, &a)); err != nil {
		return err
	}
	r.h, r.done, r.st, r.err = a.req, false, Status{}, nil
	return nil
}

// init makes the persistent form of a collective whose arguments are a.
func (c *Comm) init(op string, call rawCall, a args, err error) (*Request, error) {
	a.persistent = true
	return c.icollective(op, call, &a, err)
}

// reductionInit is init for a reduction with o (a panic of o's Go function
// is the error of the completion it happened in).
func (c *Comm) reductionInit(op string, call rawCall, a args, o *Op, err error) (*Request, error) {
	a.persistent = true
	return c.ireduction(op, call, &a, o, err)
}

// BarrierInit makes a persistent Barrier (MPI_Barrier_init).
func (c *Comm) BarrierInit() (*Request, error) {
	return c.init("BarrierInit", callBarrier, args{}, c.check("BarrierInit"))
}

// BcastInit makes a persistent Bcast of b from root (MPI_Bcast_init).
func (c *Comm) BcastInit(b Buffer, root int) (*Request, error) {
	a, err := c.bcastArgs("BcastInit", b, root)
	return c.init("BcastInit", callBcast, a, err)
}

// ScatterInit makes a persistent Scatter (MPI_Scatter_init).
func (c *Comm) ScatterInit(send, recv Buffer, root int) (*Request, error) {
	a, err := c.rootedArgs("ScatterInit", send, recv, root, true)
	return c.init("ScatterInit", callScatter, a, err)
}

// GatherInit makes a persistent Gather (MPI_Gather_init).
func (c *Comm) GatherInit(send, recv Buffer, root int) (*Request, error) {
	a, err := c.rootedArgs("GatherInit", recv, send, root, false)
	return c.init("GatherInit", callGather, a, err)
}

// ScattervInit makes a persistent Scatterv (MPI_Scatterv_init).
func (c *Comm) ScattervInit(send Buffer, counts, displs []int, recv Buffer, root int) (*Request, error) {
	a, err := c.scattervArgs("ScattervInit", send, counts, displs, recv, root)
	return c.init("ScattervInit", callScatterv, a, err)
}

// GathervInit makes a persistent Gatherv (MPI_Gatherv_init).
func (c *Comm) GathervInit(send, recv Buffer, counts, displs []int, root int) (*Request, error) {
	a, err := c.gathervArgs("GathervInit", send, recv, counts, displs, root)
	return c.init("GathervInit", callGatherv, a, err)
}

// AllgatherInit makes a persistent Allgather (MPI_Allgather_init).
func (c *Comm) AllgatherInit(send, recv Buffer) (*Request, error) {
	a, err := c.allArgs("AllgatherInit", send, recv, false)
	return c.init("AllgatherInit", callAllgather, a, err)
}

// AllgathervInit makes a persistent Allgatherv (MPI_Allgatherv_init).
func (c *Comm) AllgathervInit(send, recv Buffer, counts, displs []int) (*Request, error) {
	a, err := c.allgathervArgs("AllgathervInit", send, recv, counts, displs)
	return c.init("AllgathervInit", callAllgatherv, a, err)
}

// AlltoallInit makes a persistent Alltoall (MPI_Alltoall_init).
func (c *Comm) AlltoallInit(send, recv Buffer) (*Request, error) {
	a, err := c.allArgs("AlltoallInit", send, recv, true)
	return c.init("AlltoallInit", callAlltoall, a, err)
}

// AlltoallvInit makes a persistent Alltoallv (MPI_Alltoallv_init).
func (c *Comm) AlltoallvInit(send Buffer, sendCounts, sendDispls []int, recv Buffer, recvCounts, recvDispls []int) (*Request, error) {
	a, err := c.alltoallvArgs("AlltoallvInit", send, sendCounts, sendDispls, recv, recvCounts, recvDispls)
	return c.init("AlltoallvInit", callAlltoallv, a, err)
}

// AlltoallwInit makes a persistent Alltoallw (MPI_Alltoallw_init).
func (c *Comm) AlltoallwInit(sends, recvs []Buffer) (*Request, error) {
	a, err := c.alltoallwArgs("AlltoallwInit", false, sends, recvs)
	return c.init("AlltoallwInit", callAlltoallw, a, err)
}

// ReduceInit makes a persistent Reduce (MPI_Reduce_init).
func (c *Comm) ReduceInit(send, recv Buffer, o *Op, root int) (*Request, error) {
	a, err := c.reduceArgs("ReduceInit", callReduce, send, recv, o, root)
	return c.reductionInit("ReduceInit", callReduce, a, o, err)
}

// AllreduceInit makes a persistent Allreduce (MPI_Allreduce_init).
func (c *Comm) AllreduceInit(send, recv Buffer, o *Op) (*Request, error) {
	a, err := c.reduceArgs("AllreduceInit", callAllreduce, send, recv, o, 0)
	return c.reductionInit("AllreduceInit", callAllreduce, a, o, err)
}

// ScanInit makes a persistent Scan (MPI_Scan_init).
func (c *Comm) ScanInit(send, recv Buffer, o *Op) (*Request, error) {
	a, err := c.reduceArgs("ScanInit", callScan, send, recv, o, 0)
	return c.reductionInit("ScanInit", callScan, a, o, err)
}

// ExscanInit makes a persistent Exscan (MPI_Exscan_init).
func (c *Comm) ExscanInit(send, recv Buffer, o *Op) (*Request, error) {
	a, err := c.reduceArgs("ExscanInit", callExscan, send, recv, o, 0)
	return c.reductionInit("ExscanInit", callExscan, a, o, err)
}

// ReduceScatterBlockInit makes a persistent ReduceScatterBlock (MPI_Reduce_scatter_block_init).
func (c *Comm) ReduceScatterBlockInit(send, recv Buffer, o *Op) (*Request, error) {
	a, err := c.reduceArgs("ReduceScatterBlockInit", callReduceScatterBlock, send, recv, o, 0)
	return c.reductionInit("ReduceScatterBlockInit", callReduceScatterBlock, a, o, err)
}

// ReduceScatterInit makes a persistent ReduceScatter (MPI_Reduce_scatter_init).
func (c *Comm) ReduceScatterInit(send, recv Buffer, counts []int, o *Op) (*Request, error) {
	a, err := c.reduceScatterArgs("ReduceScatterInit", send, recv, counts, o)
	return c.reductionInit("ReduceScatterInit", callReduceScatter, a, o, err)
}

// NeighborAllgatherInit makes a persistent NeighborAllgather (MPI_Neighbor_allgather_init).
func (c *Comm) NeighborAllgatherInit(send, recv Buffer) (*Request, error) {
	a, err := c.neighborAllgatherArgs("NeighborAllgatherInit", send, recv)
	return c.init("NeighborAllgatherInit", callNeighborAllgather, a, err)
}

// NeighborAllgathervInit makes a persistent NeighborAllgatherv (MPI_Neighbor_allgatherv_init).
func (c *Comm) NeighborAllgathervInit(send, recv Buffer, counts, displs []int) (*Request, error) {
	a, err := c.neighborAllgathervArgs("NeighborAllgathervInit", send, recv, counts, displs)
	return c.init("NeighborAllgathervInit", callNeighborAllgatherv, a, err)
}

// NeighborAlltoallInit makes a persistent NeighborAlltoall (MPI_Neighbor_alltoall_init).
func (c *Comm) NeighborAlltoallInit(send, recv Buffer) (*Request, error) {
	a, err := c.neighborAlltoallArgs("NeighborAlltoallInit", send, recv)
	a.persistent = true
	return c.ineighbor("NeighborAlltoallInit", callNeighborAlltoall, a, err)
}

// NeighborAlltoallvInit makes a persistent NeighborAlltoallv (MPI_Neighbor_alltoallv_init).
func (c *Comm) NeighborAlltoallvInit(send Buffer, sendCounts, sendDispls []int, recv Buffer, recvCounts, recvDispls []int) (*Request, error) {
	a, err := c.neighborAlltoallvArgs("NeighborAlltoallvInit", send, sendCounts, sendDispls, recv, recvCounts, recvDispls)
	a.persistent = true
	return c.ineighbor("NeighborAlltoallvInit", callNeighborAlltoallv, a, err)
}

// NeighborAlltoallwInit makes a persistent NeighborAlltoallw (MPI_Neighbor_alltoallw_init).
func (c *Comm) NeighborAlltoallwInit(sends, recvs []Buffer) (*Request, error) {
	a, err := c.alltoallwArgs("NeighborAlltoallwInit", true, sends, recvs)
	a.persistent = true
	return c.ineighbor("NeighborAlltoallwInit", callNeighborAlltoallw, a, err)
}
