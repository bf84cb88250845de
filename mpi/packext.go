package mpi

// Packing in the portable representation external32 (MPI_Pack_external):
// big-endian, fixed sizes, the same bytes from any MPI on any machine, for
// data that outlives the job or crosses to another library or language.

// external32 is the only data representation MPI_Pack_external takes.
const external32 = "external32"

// PackExternalSize returns the bytes PackExternal needs for b
// (MPI_Pack_external_size).
func PackExternalSize(b Buffer) (int, error) {
	const op = "PackExternalSize"
	if err := checkState(op); err != nil {
		return 0, err
	}
	dt, err := b.check(op)
	if err != nil {
		return 0, err
	}
	var n int64
	err = mpiError(op, mpiPackExternalSize(external32, b.n, dt, &n))
	return int(n), err
}

// PackExternal packs b into out from byte pos on in external32, and returns
// the position after it (MPI_Pack_external). Too little room (less than
// PackExternalSize(b) from pos) is ErrTruncate; nothing is written past out.
func PackExternal(b Buffer, out []byte, pos int) (int, error) {
	return packExternal("PackExternal", false, b, out, pos)
}

// UnpackExternal unpacks into b what PackExternal put in in from byte pos
// on, and returns the position after it (MPI_Unpack_external).
func UnpackExternal(in []byte, pos int, b Buffer) (int, error) {
	return packExternal("UnpackExternal", true, b, in, pos)
}

func packExternal(op string, unpack bool, b Buffer, packed []byte, pos int) (int, error) {
	if err := checkState(op); err != nil {
		return pos, err
	}
	dt, p, err := packArgs(op, unpack, b, packed, pos, func(dt dtypeHandle) (int64, int) {
		var need int64
		rc := mpiPackExternalSize(external32, b.n, dt, &need)
		return need, rc
	})
	if err != nil {
		return pos, err
	}
	at := int64(pos)
	var rc int
	if unpack {
		rc = mpiUnpackExternal(external32, p, int64(len(packed)), &at, b.ptr, b.n, dt)
	} else {
		rc = mpiPackExternal(external32, b.ptr, b.n, dt, p, int64(len(packed)), &at)
	}
	return int(at), mpiError(op, rc)
}
