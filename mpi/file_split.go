package mpi

import (
	"runtime"
	"sync"
)

// Split collective I/O (MPI_File_read_all_begin … _end): every rank begins
// a collective read or write, may compute meanwhile, and ends it. MPI
// allows one at a time per File, and keeps the buffer from begin to end,
// so Begin pins it and End, which needs no buffer (it uses Begin's),
// unpins it. MPI asks that one thread call both; OpenMPI (OMPIO) and
// MPICH (ROMIO) keep the operation in the file handle, not in the thread,
// so a goroutine may end what another began.

// splitIO is the split collective a File has begun.
type splitIO struct {
	begin rawCall
	b     Buffer
	ptr   args // the begin call's operands, for the end call
	pin   *runtime.Pinner
}

// splitsOpen keeps begun splits' Pinners reachable: a File dropped between
// Begin and End must not take a pinned Pinner with it (the garbage collector
// panics on one).
var splitsOpen sync.Map // *splitIO → struct{}

// splitEnds maps each begin call to its end call.
var splitEnds = map[rawCall]rawCall{
	callFileReadAtAllBegin:    callFileReadAtAllEnd,
	callFileWriteAtAllBegin:   callFileWriteAtAllEnd,
	callFileReadAllBegin:      callFileReadAllEnd,
	callFileWriteAllBegin:     callFileWriteAllEnd,
	callFileReadOrderedBegin:  callFileReadOrderedEnd,
	callFileWriteOrderedBegin: callFileWriteOrderedEnd,
}

// ReadAtAllBegin begins ReadBufAtAll (MPI_File_read_at_all_begin); b is
// pinned, and must not be used, until ReadAtAllEnd.
func (f *File) ReadAtAllBegin(b Buffer, off int64) error {
	return f.splitBegin("ReadAtAllBegin", callFileReadAtAllBegin, b, off)
}

// ReadAtAllEnd ends ReadAtAllBegin (MPI_File_read_at_all_end) and returns its Status.
func (f *File) ReadAtAllEnd() (Status, error) {
	return f.splitEnd("ReadAtAllEnd", callFileReadAtAllBegin)
}

// WriteAtAllBegin begins WriteBufAtAll (MPI_File_write_at_all_begin); b is
// pinned, and must not change, until WriteAtAllEnd.
func (f *File) WriteAtAllBegin(b Buffer, off int64) error {
	return f.splitBegin("WriteAtAllBegin", callFileWriteAtAllBegin, b, off)
}

// WriteAtAllEnd ends WriteAtAllBegin (MPI_File_write_at_all_end).
func (f *File) WriteAtAllEnd() (Status, error) {
	return f.splitEnd("WriteAtAllEnd", callFileWriteAtAllBegin)
}

// ReadAllBegin begins ReadBufAll (MPI_File_read_all_begin) at this rank's
// file pointer, which it moves.
func (f *File) ReadAllBegin(b Buffer) error {
	return f.splitBegin("ReadAllBegin", callFileReadAllBegin, b, 0)
}

// ReadAllEnd ends ReadAllBegin (MPI_File_read_all_end).
func (f *File) ReadAllEnd() (Status, error) { return f.splitEnd("ReadAllEnd", callFileReadAllBegin) }

// WriteAllBegin begins WriteBufAll (MPI_File_write_all_begin).
func (f *File) WriteAllBegin(b Buffer) error {
	return f.splitBegin("WriteAllBegin", callFileWriteAllBegin, b, 0)
}

// WriteAllEnd ends WriteAllBegin (MPI_File_write_all_end).
func (f *File) WriteAllEnd() (Status, error) { return f.splitEnd("WriteAllEnd", callFileWriteAllBegin) }

// ReadOrderedBegin begins ReadOrdered (MPI_File_read_ordered_begin).
func (f *File) ReadOrderedBegin(b Buffer) error {
	return f.splitBegin("ReadOrderedBegin", callFileReadOrderedBegin, b, 0)
}

// ReadOrderedEnd ends ReadOrderedBegin (MPI_File_read_ordered_end).
func (f *File) ReadOrderedEnd() (Status, error) {
	return f.splitEnd("ReadOrderedEnd", callFileReadOrderedBegin)
}

// WriteOrderedBegin begins WriteOrdered (MPI_File_write_ordered_begin).
func (f *File) WriteOrderedBegin(b Buffer) error {
	return f.splitBegin("WriteOrderedBegin", callFileWriteOrderedBegin, b, 0)
}

// WriteOrderedEnd ends WriteOrderedBegin (MPI_File_write_ordered_end).
func (f *File) WriteOrderedEnd() (Status, error) {
	return f.splitEnd("WriteOrderedEnd", callFileWriteOrderedBegin)
}

// splitBegin checks b and that no split collective is under way on f,
// pins b and runs begin.
func (f *File) splitBegin(op string, begin rawCall, b Buffer, off int64) error {
	op = "File." + op
	a, err := f.ioArgs(op, begin, b, off)
	s := &splitIO{begin: begin, b: b}
	if err == nil && !f.split.CompareAndSwap(nil, s) {
		err = errorf(ClassArg, op, "a split collective has not ended: one at a time per File")
		if cur := f.split.Load(); cur != nil { // another goroutine may have ended it meanwhile
			err = errorf(ClassArg, op, "%s has not ended: one split collective at a time per File", callNames[cur.begin])
		}
	}
	if err := f.enter(op, err); err != nil {
		if f != nil {
			f.split.CompareAndSwap(s, nil)
		}
		return err
	}
	s.pin = pinners.Get().(*runtime.Pinner)
	if a.buf != nil {
		pinGo(s.pin, a.buf)
	}
	splitsOpen.Store(s, struct{}{})
	s.ptr = a
	if err := mpiError(op, runLong(begin, &a)); err != nil {
		s.release()
		f.split.Store(nil)
		return err
	}
	return nil
}

// splitEnd ends the split collective that begin began on f.
func (f *File) splitEnd(op string, begin rawCall) (Status, error) {
	op = "File." + op
	err := f.check(op)
	var s *splitIO
	if err == nil {
		s = f.split.Load()
		switch {
		case s == nil:
			err = errorf(ClassArg, op, "no split collective has begun on %s", f.name)
		case s.begin != begin:
			err = errorf(ClassArg, op, "the split collective under way is %s", callNames[s.begin])
		}
	}
	if err := f.enter(op, err); err != nil {
		return Status{}, err
	}
	a := s.ptr
	rc := runLong(splitEnds[begin], &a)
	s.release()
	f.split.Store(nil)
	st := a.status()
	if s.b.t != nil {
		st.elemSize = s.b.unit()
	}
	return st, mpiError(op, rc)
}

// splitUnderWay is the split collective begun on f, or nil.
func (f *File) splitUnderWay() *splitIO {
	if f == nil {
		return nil
	}
	return f.split.Load()
}

func (s *splitIO) release() {
	s.pin.Unpin()
	pinners.Put(s.pin)
	splitsOpen.Delete(s)
}

// IreadBufAtAll starts ReadBufAtAll (MPI_File_iread_at_all), collective;
// b is pinned until the Request completes.
func (f *File) IreadBufAtAll(b Buffer, off int64) (*Request, error) {
	return f.istart("IreadBufAtAll", callFileIreadAtAll, b, off)
}

// IwriteBufAtAll starts WriteBufAtAll (MPI_File_iwrite_at_all), collective.
func (f *File) IwriteBufAtAll(b Buffer, off int64) (*Request, error) {
	return f.istart("IwriteBufAtAll", callFileIwriteAtAll, b, off)
}

// IreadBuf starts ReadBuf (MPI_File_iread) at this rank's file pointer,
// which moves now, before the data has come.
func (f *File) IreadBuf(b Buffer) (*Request, error) { return f.istart("IreadBuf", callFileIread, b, 0) }

// IwriteBuf starts WriteBuf (MPI_File_iwrite).
func (f *File) IwriteBuf(b Buffer) (*Request, error) {
	return f.istart("IwriteBuf", callFileIwrite, b, 0)
}

// IreadBufAll starts ReadBufAll (MPI_File_iread_all), collective.
func (f *File) IreadBufAll(b Buffer) (*Request, error) {
	return f.istart("IreadBufAll", callFileIreadAll, b, 0)
}

// IwriteBufAll starts WriteBufAll (MPI_File_iwrite_all), collective.
func (f *File) IwriteBufAll(b Buffer) (*Request, error) {
	return f.istart("IwriteBufAll", callFileIwriteAll, b, 0)
}

// IreadShared starts ReadShared (MPI_File_iread_shared).
func (f *File) IreadShared(b Buffer) (*Request, error) {
	return f.istart("IreadShared", callFileIreadShared, b, 0)
}

// IwriteShared starts WriteShared (MPI_File_iwrite_shared).
func (f *File) IwriteShared(b Buffer) (*Request, error) {
	return f.istart("IwriteShared", callFileIwriteShared, b, 0)
}
