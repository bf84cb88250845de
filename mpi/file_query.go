package mpi

import "io"

// What a File is and how it is opened: its mode, group, hints, atomicity,
// data representation and the shared file pointer.

// Amode returns the flags f was opened with, as OpenFile takes them
// (MPI_File_get_amode): os.O_RDONLY, O_WRONLY or O_RDWR, with O_CREATE,
// O_EXCL, O_APPEND and the MPI modes that were asked for. O_TRUNC is not
// among them: MPI has no such mode (OpenFile empties the file itself).
func (f *File) Amode() (int, error) {
	var amode int
	if err := f.ctl("File.Amode", func() int { return mpiFileGetAmode(f.h, &amode) }); err != nil {
		return 0, err
	}
	flag := 0
	for _, m := range []fileMode{modeWronly, modeRdwr, modeCreate, modeExcl, modeAppend, modeDeleteOnClose, modeUniqueOpen, modeSequential} {
		if bits, _ := enumfileMode.toC(m); amode&bits != 0 {
			flag |= int(m)
		}
	}
	return flag, nil
}

// Group returns the group of the communicator f was opened on
// (MPI_File_get_group), for the caller to Free.
func (f *File) Group() (*Group, error) {
	if err := f.check("File.Group"); err != nil {
		return nil, err
	}
	return newGroup("File.Group", func(out *groupHandle) int { return mpiFileGetGroup(f.h, out) })
}

// Info returns the hints in use on f (MPI_File_get_info): those OpenFile or
// SetInfo gave that the library took, and the library's own (OpenMPI:
// none of its own; ROMIO: cb_buffer_size, striping_factor, …). The caller
// frees it.
func (f *File) Info() (*Info, error) {
	return infoFrom("File.Info", f.check("File.Info"), func(h *infoHandle) int { return mpiFileGetInfo(f.h, h) })
}

// SetInfo gives f more hints (MPI_File_set_info), collective; the library
// may ignore any of them.
func (f *File) SetInfo(info *Info) error {
	const op = "File.SetInfo"
	err := f.check(op)
	h := infoNull
	if err == nil {
		h, err = info.given(op)
	}
	if err := f.enter(op, err); err != nil {
		return err
	}
	return mpiError(op, mpiFileSetInfo(f.h, h))
}

// enter is f.comm.enter for a collective call on f, which err (nil if
// its arguments passed their checks) then governs (see CollectiveErrors).
// A nil or closed f is an error returned as it is: every rank of a correct
// program sees its File alike.
func (f *File) enter(op string, err error) error {
	if cerr := f.check(op); cerr != nil {
		return cerr
	}
	return f.comm.enter(op, err)
}

// SetAtomicity sets whether the ranks' accesses to f are atomic
// (MPI_File_set_atomicity), collective: with atomic mode, a read that
// overlaps another rank's write sees all of it or none, without Sync.
func (f *File) SetAtomicity(atomic bool) error {
	flag := 0
	if atomic {
		flag = 1
	}
	if err := f.enter("File.SetAtomicity", f.check("File.SetAtomicity")); err != nil {
		return err
	}
	return mpiError("File.SetAtomicity", mpiFileSetAtomicity(f.h, flag))
}

// Atomicity tells whether f is in atomic mode (MPI_File_get_atomicity).
func (f *File) Atomicity() (bool, error) {
	var flag int
	err := f.ctl("File.Atomicity", func() int { return mpiFileGetAtomicity(f.h, &flag) })
	return flag != 0, err
}

// ByteOffset returns the file's byte offset of offset off of the current
// view (MPI_File_get_byte_offset), in etypes as the view counts them.
func (f *File) ByteOffset(off int64) (int64, error) {
	if off < 0 {
		return 0, errorf(ClassArg, "File.ByteOffset", "negative offset %d", off)
	}
	var disp int64
	err := f.ctl("File.ByteOffset", func() int { return mpiFileGetByteOffset(f.h, off, &disp) })
	return disp, err
}

// TypeExtent returns d's extent in the file, in bytes, under the view's
// data representation (MPI_File_get_type_extent): its extent in memory for
// "native", its packed external32 size for "external32".
func (f *File) TypeExtent(d *Datatype) (int64, error) {
	const op = "File.TypeExtent"
	err := f.check(op)
	if err == nil {
		err = d.usable(op)
	}
	if err != nil {
		return 0, err
	}
	var extent int64
	err = mpiError(op, mpiFileGetTypeExtent(f.h, d.h, &extent))
	return extent, err
}

// SeekShared moves the shared file pointer (MPI_File_seek_shared), a
// collective call in which every rank passes the same offset and whence
// (io.SeekStart, io.SeekCurrent, io.SeekEnd); it returns the new position.
func (f *File) SeekShared(offset int64, whence int) (int64, error) {
	const op = "File.SeekShared"
	err := f.check(op)
	if err == nil && (whence < io.SeekStart || whence > io.SeekEnd) {
		err = errorf(ClassArg, op, "whence %d", whence)
	}
	if err := f.enter(op, err); err != nil {
		return 0, err
	}
	w, _ := enumseekWhence.toC(seekWhence(whence))
	if err := mpiError(op, mpiFileSeekShared(f.h, offset, w)); err != nil {
		return 0, err
	}
	return f.PositionShared()
}

// PositionShared returns the shared file pointer, in etypes
// (MPI_File_get_position_shared).
func (f *File) PositionShared() (int64, error) {
	var pos int64
	err := f.ctl("File.PositionShared", func() int { return mpiFileGetPositionShared(f.h, &pos) })
	return pos, err
}

// SetViewRep is SetView with a data representation and hints
// (MPI_File_set_view): datarep "native" (memory's bytes, as SetView),
// "internal" (the library's choice) or "external32" (the standard's
// portable big-endian form: a file that any MPI on any machine reads;
// the library converts on every access); info may be nil.
func (f *File) SetViewRep(disp int64, etype, filetype *Datatype, datarep string, info *Info) error {
	return f.setView("File.SetViewRep", disp, etype, filetype, datarep, info)
}

// maxDatarep bounds a data representation's name (MPI_MAX_DATAREP_STRING
// is 128 on OpenMPI and MPICH, with the NUL).
const maxDatarep = 127
