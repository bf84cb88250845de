package mpi

import (
	"errors"
	"io"
	"os"
	"strings"
	"sync/atomic"
)

// File is a file opened by every rank of a communicator for parallel I/O
// (MPI-IO, MPI_File). Ranks read and write it at explicit offsets
// (ReadBufAt, WriteBufAtAll, …), through a file pointer of their own
// (ReadBuf, WriteBufAll) or one they share (WriteShared, WriteOrdered); the
// calls ending in All are collective, and let MPI merge the ranks' accesses.
// A view (SetView) decides which parts of the file a rank sees and in what
// unit offsets count: with a Subarray file type, each rank of a
// domain decomposition sees its block of a global array as if it were
// contiguous. Without a view, offsets are in bytes.
//
// File is also an io.ReaderAt and io.WriterAt of bytes (ReadAt, WriteAt),
// while its view is the default one.
type File struct {
	h      fileHandle
	comm   *Comm
	name   string
	etype  int64 // bytes of the view's elementary type (1 without a view)
	closed atomic.Bool
	split  atomic.Pointer[splitIO] // the split collective under way (file_split.go)
}

// File open flags: os.O_RDONLY, os.O_WRONLY, os.O_RDWR, os.O_CREATE,
// os.O_EXCL, os.O_APPEND and os.O_TRUNC (the file is emptied once opened,
// which MPI has no mode for), and these MPI modes.
const (
	ODeleteOnClose = 1 << 40 // MPI_MODE_DELETE_ON_CLOSE
	OUniqueOpen    = 1 << 41 // MPI_MODE_UNIQUE_OPEN: no one else opens the file meanwhile
	OSequential    = 1 << 42 // MPI_MODE_SEQUENTIAL: shared file pointer only
)

// fileMode is an access mode of MPI_File_open, named by the flag that asks
// for it (calls.tab maps each to the library's MPI_MODE_*).
type fileMode int

const (
	modeRdonly        fileMode = fileMode(os.O_RDONLY)
	modeWronly        fileMode = fileMode(os.O_WRONLY)
	modeRdwr          fileMode = fileMode(os.O_RDWR)
	modeCreate        fileMode = fileMode(os.O_CREATE)
	modeExcl          fileMode = fileMode(os.O_EXCL)
	modeAppend        fileMode = fileMode(os.O_APPEND)
	modeDeleteOnClose fileMode = ODeleteOnClose
	modeUniqueOpen    fileMode = OUniqueOpen
	modeSequential    fileMode = OSequential
)

// seekWhence is a whence of MPI_File_seek, by io's names.
type seekWhence int

const (
	seekSet seekWhence = io.SeekStart
	seekCur seekWhence = io.SeekCurrent
	seekEnd seekWhence = io.SeekEnd
)

const knownOpenFlags = os.O_RDONLY | os.O_WRONLY | os.O_RDWR | os.O_CREATE | os.O_EXCL | os.O_APPEND | os.O_TRUNC |
	ODeleteOnClose | OUniqueOpen | OSequential

// OpenFile opens name on every rank of c (MPI_File_open, collective: every
// rank passes the same name and flags). flag is as for os.OpenFile (the
// permission bits are MPI's to choose); info gives hints, or nil. A missing
// file, a bad flag, a directory that does not exist are errors on every
// rank, as MPI returns them (ErrOther with the library's message for I/O
// failures; ErrArg for flags caught here).
func OpenFile(c *Comm, name string, flag int, info *Info) (*File, error) {
	const op = "OpenFile"
	err := c.checkIntraOnly(op)
	if err == nil && flag&^knownOpenFlags != 0 {
		err = errorf(ClassArg, op, "unknown flags %#x", flag&^knownOpenFlags)
	}
	amode, _ := enumfileMode.toC(fileMode(flag & (os.O_RDONLY | os.O_WRONLY | os.O_RDWR)))
	for _, m := range []fileMode{modeCreate, modeExcl, modeAppend, modeDeleteOnClose, modeUniqueOpen, modeSequential} {
		if flag&int(m) != 0 {
			bits, _ := enumfileMode.toC(m)
			amode |= bits
		}
	}
	if err == nil && flag&(os.O_WRONLY|os.O_RDWR) == 0 && flag&(os.O_CREATE|os.O_TRUNC|os.O_EXCL) != 0 {
		err = errorf(ClassArg, op, "O_CREATE, O_EXCL and O_TRUNC need O_WRONLY or O_RDWR")
	}
	ih, ierr := info.handle(op)
	if err == nil {
		err = ierr
	}
	if err := c.enter(op, err); err != nil {
		return nil, err
	}
	h := fileNull
	rc := mpiFileOpen(c.h, name, amode, ih, &h)
	if err := mpiError(op, rc); err != nil {
		return nil, fileError(err, name)
	}
	f := &File{h: h, comm: c, name: name, etype: 1}
	if flag&os.O_TRUNC != 0 {
		if err := f.SetSize(0); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// fileError adds the file's name to an error of MPI.
func fileError(err error, name string) error {
	var e *Error
	if errors.As(err, &e) {
		e.Msg += " (" + name + ")"
	}
	return err
}

// DeleteFile deletes name (MPI_File_delete); info gives hints, or nil.
func DeleteFile(name string, info *Info) error {
	if err := checkState("DeleteFile"); err != nil {
		return err
	}
	ih, err := info.handle("DeleteFile")
	if err != nil {
		return err
	}
	return fileError(mpiError("DeleteFile", mpiFileDelete(name, ih)), name)
}

func (f *File) check(op string) error {
	if err := checkState(op); err != nil {
		return err
	}
	if f == nil || f.closed.Load() {
		return errorf(ClassArg, op, "nil or closed File")
	}
	return nil
}

// Name returns the name f was opened with.
func (f *File) Name() string { return f.name }

// Close closes f (MPI_File_close), collective; using f afterwards is ErrArg,
// and so is closing it while a split collective (ReadAllBegin, …) has not
// ended.
func (f *File) Close() error {
	const op = "File.Close"
	err := f.check(op)
	if s := f.splitUnderWay(); err == nil && s != nil {
		err = errorf(ClassArg, op, "%s has not ended", callNames[s.begin])
	}
	if err := f.enter(op, err); err != nil {
		return err
	}
	if f.closed.Swap(true) {
		return errorf(ClassArg, op, "File already closed")
	}
	h := f.h
	return mpiError("File.Close", mpiFileClose(&h))
}

// ctl checks f and runs control call do, named op.
func (f *File) ctl(op string, do func() int) error {
	if err := f.check(op); err != nil {
		return err
	}
	return mpiError(op, do())
}

// Size returns the file's size in bytes (MPI_File_get_size).
func (f *File) Size() (int64, error) {
	var n int64
	err := f.ctl("File.Size", func() int { return mpiFileGetSize(f.h, &n) })
	return n, err
}

// SetSize truncates or extends the file to n bytes (MPI_File_set_size), collective.
func (f *File) SetSize(n int64) error {
	if n < 0 {
		return f.enter("File.SetSize", errorf(ClassArg, "File.SetSize", "negative size %d", n))
	}
	return f.ctl("File.SetSize", func() int { return mpiFileSetSize(f.h, n) })
}

// Preallocate makes sure the first n bytes of the file have storage
// (MPI_File_preallocate), collective.
func (f *File) Preallocate(n int64) error {
	if n < 0 {
		return f.enter("File.Preallocate", errorf(ClassArg, "File.Preallocate", "negative size %d", n))
	}
	return f.ctl("File.Preallocate", func() int { return mpiFilePreallocate(f.h, n) })
}

// Sync writes what this rank wrote to storage and makes what others wrote
// and synced visible (MPI_File_sync), collective.
func (f *File) Sync() error {
	return f.ctl("File.Sync", func() int { return mpiFileSync(f.h) })
}

// Seek moves this rank's file pointer (MPI_File_seek), in units of the
// view's elementary type; whence is io.SeekStart, io.SeekCurrent or io.SeekEnd.
// It returns the new position.
func (f *File) Seek(offset int64, whence int) (int64, error) {
	if whence < io.SeekStart || whence > io.SeekEnd {
		return 0, errorf(ClassArg, "File.Seek", "whence %d", whence)
	}
	w, _ := enumseekWhence.toC(seekWhence(whence))
	if err := f.ctl("File.Seek", func() int { return mpiFileSeek(f.h, offset, w) }); err != nil {
		return 0, err
	}
	var pos int64
	err := f.ctl("File.Seek", func() int { return mpiFileGetPosition(f.h, &pos) })
	return pos, err
}

// SetView sets what this rank sees of the file (MPI_File_set_view,
// collective, data representation "native"): from byte disp on, the file is
// filetype repeated, of which this rank sees the bytes filetype reaches, as
// a sequence of etype; offsets then count etypes. etype nil means bytes;
// filetype nil means etype. The file pointers go back to 0.
func (f *File) SetView(disp int64, etype, filetype *Datatype) error {
	return f.setView("File.SetView", disp, etype, filetype, "native", nil)
}

func (f *File) setView(op string, disp int64, etype, filetype *Datatype, datarep string, info *Info) error {
	err := f.check(op)
	et, ft := byteType, byteType
	esize := int64(1)
	if err == nil && disp < 0 {
		err = errorf(ClassArg, op, "negative displacement %d", disp)
	}
	if err == nil && (datarep == "" || len(datarep) > maxDatarep || strings.IndexByte(datarep, 0) >= 0) {
		err = errorf(ClassArg, op, "data representation %q: want 1–%d bytes, no NUL", datarep, maxDatarep)
	}
	if err == nil && etype != nil {
		err = etype.usable(op)
		et, ft, esize = etype.h, etype.h, etype.size
	}
	if err == nil && filetype != nil {
		err = filetype.usable(op)
		ft = filetype.h
	}
	if err == nil && (esize == 0 || filetype != nil && filetype.size%esize != 0) {
		err = errorf(ClassType, op, "the file type's bytes are not whole elementary types")
	}
	ih := infoNull
	if err == nil {
		ih, err = info.handle(op)
	}
	if err := f.enter(op, err); err != nil {
		return err
	}
	if err := mpiError(op, mpiFileSetView(f.h, disp, et, ft, datarep, ih)); err != nil {
		return err
	}
	f.etype = esize
	return nil
}

// View returns f's view (MPI_File_get_view): the displacement, the
// elementary type and the file type, and the data representation ("native"
// after SetView). A type that is not predefined comes back as a new
// Datatype, a copy of the one SetView was given, for the caller to Free;
// a predefined one (MPI_BYTE without a view) cannot be freed.
func (f *File) View() (disp int64, etype, filetype *Datatype, datarep string, err error) {
	const op = "File.View"
	if err := f.check(op); err != nil {
		return 0, nil, nil, "", err
	}
	et, ft := dtypeNull, dtypeNull
	rep := make([]byte, libDatarep+1)
	if err := mpiError(op, mpiFileGetView(f.h, &disp, &et, &ft, rep)); err != nil {
		return 0, nil, nil, "", err
	}
	if etype, err = viewType(op, et, "elementary type of "+f.name); err == nil {
		filetype, err = viewType(op, ft, "file type of "+f.name)
	}
	return disp, etype, filetype, cString(rep), err
}

// viewType wraps a datatype MPI_File_get_view returned.
func viewType(op string, h dtypeHandle, name string) (*Datatype, error) {
	var ints, addrs, types, combiner int
	if err := mpiError(op, mpiTypeGetEnvelope(h, &ints, &addrs, &types, &combiner)); err != nil {
		return nil, err
	}
	d, err := newDatatype(op, h, name, nil)
	if err == nil {
		d.predefined = combiner == combinerNamed
	}
	return d, err
}

// ioKind tells whether an MPI-IO data call reads, and whether it is collective.
func ioKind(c rawCall) (read, collective bool) {
	switch c {
	case callFileReadAt, callFileRead, callFileReadShared, callFileIreadAt, callFileIread, callFileIreadShared:
		return true, false
	case callFileReadAtAll, callFileReadAll, callFileReadOrdered, callFileIreadAtAll, callFileIreadAll,
		callFileReadAtAllBegin, callFileReadAllBegin, callFileReadOrderedBegin:
		return true, true
	case callFileWriteAtAll, callFileWriteAll, callFileWriteOrdered, callFileIwriteAtAll, callFileIwriteAll,
		callFileWriteAtAllBegin, callFileWriteAllBegin, callFileWriteOrderedBegin:
		return false, true
	}
	return false, false
}

// io runs one read or write of b (call: callFileReadAt …), at offset off for
// the explicit-offset calls; the collective ones go through CollectiveErrors.
func (f *File) io(op string, call rawCall, b Buffer, off int64) (Status, error) {
	op = "File." + op
	_, collective := ioKind(call)
	a, err := f.ioArgs(op, call, b, off)
	if collective {
		err = f.enter(op, err)
	}
	if err != nil {
		return Status{}, err
	}
	rc := runLong(call, &a)
	st := a.status()
	if b.t != nil {
		st.elemSize = b.unit()
	}
	return st, mpiError(op, rc)
}

func (f *File) ioArgs(op string, call rawCall, b Buffer, off int64) (args, error) {
	if err := f.check(op); err != nil {
		return args{}, err
	}
	read, _ := ioKind(call)
	var dt dtypeHandle
	var err error
	if read {
		dt, err = b.checkRecvBuf(op)
	} else {
		dt, err = b.check(op)
	}
	if err != nil {
		return args{}, err
	}
	if off < 0 {
		return args{}, errorf(ClassArg, op, "negative offset %d", off)
	}
	var a args
	a.file, a.off, a.buf, a.n, a.dt = f.h, off, b.ptr, b.n, dt
	return a, nil
}

// ReadBufAt reads b from offset off (MPI_File_read_at); Status.Count says
// how many elements there were (fewer at the end of the file).
func (f *File) ReadBufAt(b Buffer, off int64) (Status, error) {
	return f.io("ReadBufAt", callFileReadAt, b, off)
}

// WriteBufAt writes b at offset off (MPI_File_write_at).
func (f *File) WriteBufAt(b Buffer, off int64) (Status, error) {
	return f.io("WriteBufAt", callFileWriteAt, b, off)
}

// ReadBufAtAll is ReadBufAt made by every rank together (MPI_File_read_at_all).
func (f *File) ReadBufAtAll(b Buffer, off int64) (Status, error) {
	return f.io("ReadBufAtAll", callFileReadAtAll, b, off)
}

// WriteBufAtAll is WriteBufAt made by every rank together (MPI_File_write_at_all).
func (f *File) WriteBufAtAll(b Buffer, off int64) (Status, error) {
	return f.io("WriteBufAtAll", callFileWriteAtAll, b, off)
}

// ReadBuf reads b at this rank's file pointer and moves it (MPI_File_read).
func (f *File) ReadBuf(b Buffer) (Status, error) { return f.io("ReadBuf", callFileRead, b, 0) }

// WriteBuf writes b at this rank's file pointer and moves it (MPI_File_write).
func (f *File) WriteBuf(b Buffer) (Status, error) { return f.io("WriteBuf", callFileWrite, b, 0) }

// ReadBufAll is ReadBuf made by every rank together (MPI_File_read_all).
func (f *File) ReadBufAll(b Buffer) (Status, error) { return f.io("ReadBufAll", callFileReadAll, b, 0) }

// WriteBufAll is WriteBuf made by every rank together (MPI_File_write_all).
func (f *File) WriteBufAll(b Buffer) (Status, error) {
	return f.io("WriteBufAll", callFileWriteAll, b, 0)
}

// ReadShared reads b at the file pointer the ranks share, and moves it
// (MPI_File_read_shared): the ranks' reads follow each other in no set order.
func (f *File) ReadShared(b Buffer) (Status, error) {
	return f.io("ReadShared", callFileReadShared, b, 0)
}

// WriteShared writes b at the shared file pointer (MPI_File_write_shared),
// as a log written by several ranks.
func (f *File) WriteShared(b Buffer) (Status, error) {
	return f.io("WriteShared", callFileWriteShared, b, 0)
}

// ReadOrdered reads at the shared pointer, collectively, in rank order (MPI_File_read_ordered).
func (f *File) ReadOrdered(b Buffer) (Status, error) {
	return f.io("ReadOrdered", callFileReadOrdered, b, 0)
}

// WriteOrdered writes at the shared pointer, collectively, in rank order
// (MPI_File_write_ordered): rank 0's part first, then rank 1's, ….
func (f *File) WriteOrdered(b Buffer) (Status, error) {
	return f.io("WriteOrdered", callFileWriteOrdered, b, 0)
}

// IreadBufAt starts ReadBufAt (MPI_File_iread_at); b is pinned, and must
// not be used, until the Request completes.
func (f *File) IreadBufAt(b Buffer, off int64) (*Request, error) {
	return f.istart("IreadBufAt", callFileIreadAt, b, off)
}

// IwriteBufAt starts WriteBufAt (MPI_File_iwrite_at); b is pinned until the
// Request completes.
func (f *File) IwriteBufAt(b Buffer, off int64) (*Request, error) {
	return f.istart("IwriteBufAt", callFileIwriteAt, b, off)
}

func (f *File) istart(op string, call rawCall, b Buffer, off int64) (*Request, error) {
	op = "File." + op
	_, collective := ioKind(call)
	a, err := f.ioArgs(op, call, b, off)
	if collective {
		err = f.enter(op, err)
	}
	if err != nil {
		return nil, err
	}
	return start(op, call, &a, reqSend, b)
}

// ReadAt reads len(p) bytes at byte offset off (io.ReaderAt; independent
// MPI_File_read_at). Fewer bytes, at the end of the file, come with io.EOF.
// Only while the view is the default one, of bytes (ErrArg otherwise).
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if err := f.bytesView("File.ReadAt"); err != nil {
		return 0, err
	}
	st, err := f.ReadBufAt(Buf(p), off)
	n := st.Bytes()
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

// WriteAt writes p at byte offset off (io.WriterAt; MPI_File_write_at),
// while the view is the default one.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if err := f.bytesView("File.WriteAt"); err != nil {
		return 0, err
	}
	st, err := f.WriteBufAt(Buf(p), off)
	if err != nil {
		return st.Bytes(), err
	}
	return len(p), nil
}

func (f *File) bytesView(op string) error {
	if f != nil && f.etype != 1 {
		return errorf(ClassArg, op, "the file has a view of %d-byte elements; ReadAt and WriteAt count bytes", f.etype)
	}
	return nil
}

var (
	_ io.ReaderAt = (*File)(nil)
	_ io.WriterAt = (*File)(nil)
)
