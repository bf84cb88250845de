package mpi

// Reductions: the collectives that combine the ranks' data with an Op
// (MPI_Reduce, MPI_Allreduce, MPI_Scan, MPI_Exscan, MPI_Reduce_scatter and
// its block form), and MPI_Reduce_local. They run as the other collectives
// do (collective.go); the Op's Go function, if it has one, runs in callbacks
// from MPI (op.go).

// reduceArgs checks a reduction. send and recv have the same type and
// length (recv: Size() times longer for ReduceScatterBlock's send); InPlace
// may stand for send (at the root only, for Reduce); recv matters at the root
// only for Reduce.
func (c *Comm) reduceArgs(op string, kind rawCall, send, recv Buffer, o *Op, root int) (args, error) {
	if kind == callReduce && c.isInter() {
		return c.interReduceArgs(op, send, recv, o, root)
	}
	a := args{root: root, inPlace: send.inPlace}
	if kind == callReduce {
		if err := c.checkRoot(op, root); err != nil {
			return a, err
		}
	} else if err := c.check(op); err != nil {
		return a, err
	}
	useRecv := kind != callReduce || c.rank == root
	if send.inPlace && !useRecv {
		return a, bufErr(op, "InPlace is only allowed at the root")
	}
	ref := send // the buffer whose type and length define the reduction
	if send.inPlace {
		ref = recv
	} else if _, err := send.check(op); err != nil {
		return a, err
	}
	if useRecv {
		if _, err := recv.check(op); err != nil {
			return a, err
		}
		if err := sameType(op, ref, recv); err != nil {
			return a, err
		}
	}
	n := ref.n
	switch {
	case kind == callReduceScatterBlock && send.inPlace:
		if recv.n%c.size != 0 {
			return a, bufErr(op, "in-place buffer of %d elements does not split into %d parts", recv.n, c.size)
		}
		n = recv.n / c.size
	case kind == callReduceScatterBlock:
		if send.n != c.size*recv.n {
			return a, bufErr(op, "send buffer has %d elements, want %d ranks × %d", send.n, c.size, recv.n)
		}
		n = recv.n
	case useRecv && !send.inPlace && recv.n != send.n:
		return a, bufErr(op, "send buffer has %d elements but receive buffer %d", send.n, recv.n)
	}
	if ref.dt != nil || useRecv && recv.dt != nil {
		return a, errorf(ClassType, op, "reductions take Buf buffers, not Typed ones")
	}
	h, dt, count, err := o.resolve(op, ref.t, n)
	a.op, a.dt, a.n = h, dt, count
	a.buf = send.ptr
	if useRecv {
		a.rbuf = recv.ptr
	}
	return a, err
}

// Reduce combines send of every rank element by element with o into recv at
// rank root (MPI_Reduce). recv matters only at the root; the root may pass
// InPlace as send, its recv then holding its input.
func (c *Comm) Reduce(send, recv Buffer, o *Op, root int) error {
	return c.reduce("Reduce", callReduce, send, recv, o, root)
}

// Allreduce combines send of every rank with o into recv at every rank (MPI_Allreduce).
func (c *Comm) Allreduce(send, recv Buffer, o *Op) error {
	return c.reduce("Allreduce", callAllreduce, send, recv, o, 0)
}

// Scan puts into recv at rank i the reduction of send over ranks 0…i (MPI_Scan).
func (c *Comm) Scan(send, recv Buffer, o *Op) error {
	return c.reduce("Scan", callScan, send, recv, o, 0)
}

// Exscan puts into recv at rank i the reduction of send over ranks 0…i-1
// (MPI_Exscan); recv at rank 0 is left unchanged.
func (c *Comm) Exscan(send, recv Buffer, o *Op) error {
	return c.reduce("Exscan", callExscan, send, recv, o, 0)
}

// ReduceScatterBlock reduces send (Size() parts of len(recv)) over all ranks
// and leaves part i of the result in recv at rank i (MPI_Reduce_scatter_block).
func (c *Comm) ReduceScatterBlock(send, recv Buffer, o *Op) error {
	return c.reduce("ReduceScatterBlock", callReduceScatterBlock, send, recv, o, 0)
}

func (c *Comm) reduce(op string, kind rawCall, send, recv Buffer, o *Op, root int) error {
	a, err := c.reduceArgs(op, kind, send, recv, o, root)
	return c.collective(op, kind, &a, o, err)
}

// Ireduce starts a Reduce (MPI_Ireduce).
func (c *Comm) Ireduce(send, recv Buffer, o *Op, root int) (*Request, error) {
	a, err := c.reduceArgs("Ireduce", callReduce, send, recv, o, root)
	return c.ireduction("Ireduce", callReduce, &a, o, err)
}

// Iallreduce starts an Allreduce (MPI_Iallreduce).
func (c *Comm) Iallreduce(send, recv Buffer, o *Op) (*Request, error) {
	a, err := c.reduceArgs("Iallreduce", callAllreduce, send, recv, o, 0)
	return c.ireduction("Iallreduce", callAllreduce, &a, o, err)
}

// Iscan starts a Scan (MPI_Iscan).
func (c *Comm) Iscan(send, recv Buffer, o *Op) (*Request, error) {
	a, err := c.reduceArgs("Iscan", callScan, send, recv, o, 0)
	return c.ireduction("Iscan", callScan, &a, o, err)
}

// Iexscan starts an Exscan (MPI_Iexscan).
func (c *Comm) Iexscan(send, recv Buffer, o *Op) (*Request, error) {
	a, err := c.reduceArgs("Iexscan", callExscan, send, recv, o, 0)
	return c.ireduction("Iexscan", callExscan, &a, o, err)
}

// IreduceScatterBlock starts a ReduceScatterBlock (MPI_Ireduce_scatter_block).
func (c *Comm) IreduceScatterBlock(send, recv Buffer, o *Op) (*Request, error) {
	a, err := c.reduceArgs("IreduceScatterBlock", callReduceScatterBlock, send, recv, o, 0)
	return c.ireduction("IreduceScatterBlock", callReduceScatterBlock, &a, o, err)
}

// ReduceScatter reduces send over all ranks with o and leaves the i-th part
// of the result, of counts[i] elements, in recv at rank i
// (MPI_Reduce_scatter): send holds the sum of counts elements, recv
// counts[Rank()]; InPlace as send takes the input from recv, which then
// holds the sum of counts.
func (c *Comm) ReduceScatter(send, recv Buffer, counts []int, o *Op) error {
	a, err := c.reduceScatterArgs("ReduceScatter", send, recv, counts, o)
	return c.collective("ReduceScatter", callReduceScatter, &a, o, err)
}

// IreduceScatter starts a ReduceScatter (MPI_Ireduce_scatter).
func (c *Comm) IreduceScatter(send, recv Buffer, counts []int, o *Op) (*Request, error) {
	a, err := c.reduceScatterArgs("IreduceScatter", send, recv, counts, o)
	return c.ireduction("IreduceScatter", callReduceScatter, &a, o, err)
}

func (c *Comm) reduceScatterArgs(op string, send, recv Buffer, counts []int, o *Op) (args, error) {
	if err := c.check(op); err != nil {
		return args{}, err
	}
	if len(counts) != c.size {
		return args{}, bufErr(op, "need %d counts, have %d", c.size, len(counts))
	}
	total := 0
	for i, n := range counts {
		if n < 0 || n > maxCount {
			return args{}, errorf(ClassCount, op, "counts[%d] is %d", i, n)
		}
		total += n
	}
	in := send
	if send.inPlace {
		in = recv
	}
	if in.n != total {
		return args{}, bufErr(op, "input has %d elements, want the sum of counts, %d", in.n, total)
	}
	if !send.inPlace && recv.n != counts[c.rank] {
		return args{}, bufErr(op, "receive buffer has %d elements, want counts[%d] = %d", recv.n, c.rank, counts[c.rank])
	}
	// reduceArgs checks types and op on a buffer pair of equal lengths.
	ref := recv
	if !send.inPlace {
		ref = Buffer{ptr: recv.ptr, n: send.n, t: recv.t, dt: recv.dt}
	}
	a, err := c.reduceArgs(op, callAllreduce, send, ref, o, 0)
	if err != nil {
		return args{}, err
	}
	scale := 1 // a predefined op on arrays reduces their scalars
	if total > 0 {
		scale = a.n / total
	}
	scaled := make([]int, len(counts))
	for i, n := range counts {
		scaled[i] = n * scale
	}
	a.parts = &parts{counts: cints(scaled)}
	return a, nil
}

// ReduceLocal computes inout[i] = in[i] o inout[i] on this rank alone
// (MPI_Reduce_local): in and inout have the same type and length.
func ReduceLocal(in, inout Buffer, o *Op) error {
	const op = "ReduceLocal"
	if err := checkState(op); err != nil {
		return err
	}
	if _, err := in.check(op); err != nil {
		return err
	}
	if _, err := inout.check(op); err != nil {
		return err
	}
	if err := sameType(op, in, inout); err != nil {
		return err
	}
	if in.n != inout.n {
		return bufErr(op, "in has %d elements but inout %d", in.n, inout.n)
	}
	if in.dt != nil {
		return errorf(ClassType, op, "reductions take Buf buffers, not Typed ones")
	}
	h, dt, n, err := o.resolve(op, in.t, in.n)
	if err != nil {
		return err
	}
	a := args{buf: in.ptr, rbuf: inout.ptr, n: n, dt: dt, op: h}
	if err := mpiError(op, run(callReduceLocal, &a)); err != nil {
		return err
	}
	return o.takePanic(op)
}
