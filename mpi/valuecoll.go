package mpi

// The collective Go-value calls beyond BcastValue, ScatterValues and
// GatherValues (value.go): all-to-all, and reductions with a Go function
// (mpi4py's lowercase alltoall, reduce, allreduce, scan, exscan). Each
// encodes the values, moves the bytes with the native collectives (lengths
// first, then MPI_Alltoallv or MPI_Allgatherv), and decodes; a reduction
// folds the values in rank order, so fn need not commute, and a panic in fn
// ends the job as any panic does under Run. Arguments that are wrong on some
// ranks only go through the same rule as every collective's (see
// CollectiveErrors): they never leave the other ranks waiting.

// AlltoallValues sends items[j] to rank j and returns what each rank sent
// this one, in rank order (MPI_Alltoall of the lengths, MPI_Alltoallv of the
// bytes). len(items) must be Size() on every rank.
func AlltoallValues[T any](c *Comm, items []T) ([]T, error) {
	const op = "AlltoallValues"
	err := c.checkIntraOnly(op)
	if err == nil && len(items) != c.size {
		err = bufErr(op, "%d items for %d ranks", len(items), c.size)
	}
	if err := c.enter(op, err); err != nil {
		return nil, err
	}
	data, counts, displs, encErr := encodeAll(items)
	lengths := make([]int64, c.size)
	for i := range lengths {
		lengths[i] = -1 // this rank could not encode its items
		if encErr == nil {
			lengths[i] = int64(counts[i])
		}
	}
	theirs := make([]int64, c.size)
	if err := c.Alltoall(Buf(lengths), Buf(theirs)); err != nil {
		return nil, err
	}
	rcounts, rdispls, total := partsOf(theirs)
	if encErr != nil { // send nothing, but take part
		counts, displs = make([]int, c.size), make([]int, c.size)
	}
	in := make([]byte, total)
	if err := c.Alltoallv(Buf(data), counts, displs, Buf(in), rcounts, rdispls); err != nil {
		return nil, err
	}
	if encErr != nil {
		return nil, encodeErr(op, encErr)
	}
	for i, n := range theirs {
		if n < 0 {
			return nil, errorf(ClassOther, op, "rank %d could not encode its items", i)
		}
	}
	return decodeAll[T](op, in, rcounts, rdispls)
}

// ReduceValues combines every rank's v with fn in rank order at root,
// fn(…fn(fn(v₀, v₁), v₂)…, vₚ₋₁) (the values gathered there, then folded);
// other ranks get the zero T. Errors: a root out of range, a nil fn.
func ReduceValues[T any](c *Comm, v T, fn func(a, b T) T, root int) (T, error) {
	var zero T
	const op = "ReduceValues"
	err := c.checkRoot(op, root)
	if err == nil {
		err = checkFn(op, fn)
	}
	if err := c.enter(op, err); err != nil {
		return zero, err
	}
	all, err := gatherValues[T](c, v, root, false)
	if err != nil || c.rank != root {
		return zero, err
	}
	return fold(all, fn), nil
}

// AllreduceValues is ReduceValues with the result on every rank (the values
// allgathered, then folded on each rank alike).
func AllreduceValues[T any](c *Comm, v T, fn func(a, b T) T) (T, error) {
	all, err := reduceAll(c, "AllreduceValues", v, fn)
	if err != nil {
		var zero T
		return zero, err
	}
	return fold(all, fn), nil
}

// ScanValues returns on rank r the fold of the values of ranks 0 to r, in
// rank order (an inclusive prefix reduction, MPI_Scan's).
func ScanValues[T any](c *Comm, v T, fn func(a, b T) T) (T, error) {
	all, err := reduceAll(c, "ScanValues", v, fn)
	if err != nil {
		var zero T
		return zero, err
	}
	return fold(all[:c.rank+1], fn), nil
}

// ExscanValues returns on rank r the fold of the values of ranks 0 to r-1
// (an exclusive prefix reduction, MPI_Exscan's); rank 0 gets the zero T and
// ok false.
func ExscanValues[T any](c *Comm, v T, fn func(a, b T) T) (result T, ok bool, err error) {
	all, err := reduceAll(c, "ExscanValues", v, fn)
	if err != nil || c.rank == 0 {
		return result, false, err
	}
	return fold(all[:c.rank], fn), true, nil
}

// reduceAll checks a reduction's arguments and allgathers the values.
func reduceAll[T any](c *Comm, op string, v T, fn func(a, b T) T) ([]T, error) {
	err := c.checkIntraOnly(op)
	if err == nil {
		err = checkFn(op, fn)
	}
	if err := c.enter(op, err); err != nil {
		return nil, err
	}
	return gatherValues[T](c, v, 0, true)
}

func checkFn[T any](op string, fn func(a, b T) T) error {
	if fn == nil {
		return errorf(ClassOp, op, "nil reduction function")
	}
	return nil
}

// fold combines vs left to right with fn.
func fold[T any](vs []T, fn func(a, b T) T) T {
	acc := vs[0]
	for _, v := range vs[1:] {
		acc = fn(acc, v)
	}
	return acc
}
