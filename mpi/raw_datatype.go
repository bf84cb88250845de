package mpi

// The datatype chapter's raw calls that take more than one MPI call: a new
// type is made and committed, its shape read in three calls.

// newType runs constructor make, which fills in a new type, and commits it.
func newType(make func(t *dtypeHandle) int) (dtypeHandle, int) {
	h := dtypeNull
	rc := make(&h)
	if rc == rcSuccess {
		rc = mpiTypeCommit(&h)
	}
	return h, rc
}

func rawTypeContiguous(n int, old dtypeHandle) (dtypeHandle, int) {
	return newType(func(t *dtypeHandle) int { return mpiTypeContiguous(n, old, t) })
}

func rawTypeVector(count, blocklen, stride int, old dtypeHandle) (dtypeHandle, int) {
	return newType(func(t *dtypeHandle) int { return mpiTypeVector(count, blocklen, stride, old, t) })
}

func rawTypeHvector(count, blocklen int, stride int64, old dtypeHandle) (dtypeHandle, int) {
	return newType(func(t *dtypeHandle) int { return mpiTypeCreateHvector(count, blocklen, stride, old, t) })
}

func rawTypeIndexed(blocklens, displs []int, old dtypeHandle) (dtypeHandle, int) {
	return newType(func(t *dtypeHandle) int { return mpiTypeIndexed(len(blocklens), blocklens, displs, old, t) })
}

func rawTypeHindexed(blocklens []int, displs []int64, old dtypeHandle) (dtypeHandle, int) {
	return newType(func(t *dtypeHandle) int { return mpiTypeCreateHindexed(len(blocklens), blocklens, displs, old, t) })
}

func rawTypeIndexedBlock(blocklen int, displs []int, old dtypeHandle) (dtypeHandle, int) {
	return newType(func(t *dtypeHandle) int { return mpiTypeCreateIndexedBlock(len(displs), blocklen, displs, old, t) })
}

func rawTypeHindexedBlock(blocklen int, displs []int64, old dtypeHandle) (dtypeHandle, int) {
	return newType(func(t *dtypeHandle) int { return mpiTypeCreateHindexedBlock(len(displs), blocklen, displs, old, t) })
}

func rawTypeSubarray(sizes, subsizes, starts []int, old dtypeHandle) (dtypeHandle, int) {
	return newType(func(t *dtypeHandle) int { return mpiTypeCreateSubarray(len(sizes), sizes, subsizes, starts, old, t) })
}

func rawTypeResized(old dtypeHandle, lb, extent int64) (dtypeHandle, int) {
	return newType(func(t *dtypeHandle) int { return mpiTypeCreateResized(old, lb, extent, t) })
}

func rawTypeStruct(blocklens []int, displs []int64, types []dtypeHandle) (dtypeHandle, int) {
	return newType(func(t *dtypeHandle) int { return mpiTypeCreateStruct(len(blocklens), blocklens, displs, types, t) })
}

func rawTypeDup(old dtypeHandle) (dtypeHandle, int) {
	return newType(func(t *dtypeHandle) int { return mpiTypeDup(old, t) })
}

func rawTypeFree(h dtypeHandle) int { return mpiTypeFree(&h) }

// rawTypeShape returns t's size, lower bound, extent, true lower bound and
// true extent in bytes.
func rawTypeShape(h dtypeHandle) (shape [5]int64, rc int) {
	if rc = mpiTypeSizeX(h, &shape[0]); rc != rcSuccess {
		return shape, rc
	}
	if rc = mpiTypeGetExtentX(h, &shape[1], &shape[2]); rc != rcSuccess {
		return shape, rc
	}
	return shape, mpiTypeGetTrueExtentX(h, &shape[3], &shape[4])
}
