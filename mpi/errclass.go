package mpi

import "strings"

// Error classes and codes of the program's own (MPI_Add_error_class,
// MPI_Add_error_code, MPI_Add_error_string), for a library built on MPI
// whose C code reports its errors as MPI error codes; ErrorFromCode turns
// such a code, or any MPI return code from the caller's own cgo code, into
// this package's *Error.

// maxErrorString bounds an error string (MPI_MAX_ERROR_STRING is 256 on
// OpenMPI, 1024 on MPICH, with the NUL).
const maxErrorString = 255

// AddErrorClass makes a new error class (MPI_Add_error_class) and returns
// its number in MPI. Its *Errors have Class ClassUnknown (the package's
// classes are MPI's); their Code and Msg say which error it was.
func AddErrorClass() (int, error) {
	if err := checkState("AddErrorClass"); err != nil {
		return 0, err
	}
	var class int
	err := mpiError("AddErrorClass", mpiAddErrorClass(&class))
	return class, err
}

// AddErrorCode makes a new error code of class (MPI_Add_error_code): a
// class of AddErrorClass, or one of MPI's (Class.MPI gives its number):
// the *Error of a code of ClassArg is then ErrArg to errors.Is.
func AddErrorCode(class int) (int, error) {
	if err := checkState("AddErrorCode"); err != nil {
		return 0, err
	}
	var code int
	err := mpiError("AddErrorCode", mpiAddErrorCode(class, &code))
	return code, err
}

// AddErrorString sets the text of code, or of a class of AddErrorClass
// (MPI_Add_error_string): what MPI_Error_string says of it, and so the Msg
// of its *Error. 1 to 255 bytes, no NUL.
func AddErrorString(code int, s string) error {
	if err := checkState("AddErrorString"); err != nil {
		return err
	}
	if s == "" || len(s) > maxErrorString || strings.IndexByte(s, 0) >= 0 {
		return errorf(ClassArg, "AddErrorString", "a string of %d bytes: want 1–%d, no NUL", len(s), maxErrorString)
	}
	return mpiError("AddErrorString", mpiAddErrorString(code, s))
}

// ErrorFromCode returns nil for MPI_SUCCESS and otherwise the *Error of
// MPI error code code, as the package's own calls return it: its Class
// (MPI_Error_class; ClassUnknown for a class of AddErrorClass), Code, and
// Msg (MPI_Error_string), with op as its Op. For the return codes of MPI
// calls in the caller's own cgo code (see Comm.Handle).
func ErrorFromCode(op string, code int) error {
	if code == rcSuccess {
		return nil
	}
	if err := checkState("ErrorFromCode"); err != nil {
		return err
	}
	return libraryError(op, code)
}

// Pcontrol passes level to the profiling layer, if one is linked in
// (MPI_Pcontrol): 0 turns profiling off, 1 on, 2 flushes; others are the
// profiler's. Without a profiler it does nothing.
func Pcontrol(level int) error {
	if err := checkState("Pcontrol"); err != nil {
		return err
	}
	return mpiError("Pcontrol", mpiPcontrol(level))
}

// MPI returns the library's number of class c (MPI_ERR_ARG for ClassArg),
// for AddErrorCode and C code; -1 for a class the library does not have.
func (c Class) MPI() int {
	if v, ok := enumClass.toC(c); ok {
		return v
	}
	return -1
}
