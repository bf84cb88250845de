package mpi

import (
	"fmt"
	"io/fs"
)

// Class is the kind of an MPI error: the library's error class (MPI_Error_class)
// translated to a number that is the same whatever MPI library is linked, plus
// a few classes for misuse that this package detects itself.
type Class int

// Error classes. The first group mirrors MPI's MPI_ERR_* classes.
const (
	ClassUnknown Class = iota
	ClassBuffer
	ClassCount
	ClassType
	ClassTag
	ClassComm
	ClassRank
	ClassRequest
	ClassRoot
	ClassGroup
	ClassOp
	ClassArg
	ClassTruncate
	ClassOther
	ClassIntern
	ClassInStatus
	ClassPending
	ClassNoMem
	ClassUnsupported
	ClassWin        // an invalid window (one-sided communication)
	ClassRMASync    // a one-sided operation or call outside the epoch it needs
	ClassFile       // a bad file, mode or data representation (MPI-IO)
	ClassNoSuchFile // errors.Is(err, fs.ErrNotExist) too
	ClassFileExists // errors.Is(err, fs.ErrExist) too
	ClassAccess     // permission denied or read-only; errors.Is(err, fs.ErrPermission) too
	ClassIO         // an I/O failure, no space, over quota
	ClassSpawn      // processes could not be started (Spawn)
	ClassPort       // a bad port name, or no one accepts on it (Connect)
	ClassName       // a service name not published, or a bad one (LookupName)
	// Detected by this package, not by MPI.
	ClassNotInitialized // a call before Init
	ClassFinalized      // a call after Finalize
	ClassMismatch       // ranks disagree on a collective's arguments (AgreeOnArgErrors, MPIGO_CHECK)
	// Fault tolerance (ULFM, ft.go): a rank has died.
	ClassProcFailed        // a rank this call needed has failed (MPIX_ERR_PROC_FAILED)
	ClassProcFailedPending // a receive from any source, still pending, that a failed rank might have matched
	ClassRevoked           // the communicator was revoked (Comm.Revoke): only Shrink, Agree and the queries work
	// MPI-4's (OpenMPI 5, MPICH 4).
	ClassSession       // an invalid session (MPI_ERR_SESSION)
	ClassProcAborted   // a peer process has aborted (MPI_ERR_PROC_ABORTED)
	ClassValueTooLarge // a value too large for the place it goes (MPI_ERR_VALUE_TOO_LARGE)
)

var classNames = [...]string{
	ClassUnknown: "unknown error", ClassBuffer: "invalid buffer", ClassCount: "invalid count",
	ClassType: "invalid datatype", ClassTag: "invalid tag", ClassComm: "invalid communicator",
	ClassRank: "invalid rank", ClassRequest: "invalid request", ClassRoot: "invalid root",
	ClassGroup: "invalid group", ClassOp: "invalid reduction op", ClassArg: "invalid argument",
	ClassTruncate: "message truncated", ClassOther: "other error", ClassIntern: "internal error",
	ClassInStatus: "error in status", ClassPending: "pending request", ClassNoMem: "out of memory",
	ClassUnsupported: "unsupported operation", ClassNotInitialized: "MPI not initialized",
	ClassFinalized: "MPI already finalized", ClassWin: "invalid window", ClassRMASync: "one-sided call out of its epoch",
	ClassFile: "invalid file", ClassNoSuchFile: "no such file", ClassFileExists: "file exists",
	ClassAccess: "permission denied", ClassIO: "I/O error", ClassSpawn: "spawn failed",
	ClassPort: "invalid port", ClassName: "no such service name",
	ClassMismatch:   "ranks disagree",
	ClassProcFailed: "a rank has failed", ClassProcFailedPending: "a rank has failed; the receive is still pending",
	ClassRevoked: "communicator revoked", ClassSession: "invalid session", ClassProcAborted: "a peer process has aborted",
	ClassValueTooLarge: "value too large",
}

func (c Class) String() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("class %d", int(c))
}

// Error is every error this package returns. Class says what went wrong;
// Code is the MPI library's error code (0 when the package caught the problem
// before calling MPI); Op names the operation; Msg is the detail, from the
// library (MPI_Error_string) or from this package's own check.
type Error struct {
	Class Class
	Code  int
	Op    string
	Msg   string

	local bool // found in this rank's own arguments, whatever the class (see seenByAll)
}

func (e *Error) Error() string {
	if e.Op == "" {
		return "mpi: " + e.Msg
	}
	return "mpi: " + e.Op + ": " + e.Msg
}

// Is makes errors.Is(err, mpi.ErrTruncate) and the like true for any error
// of that class, and errors.Is(err, fs.ErrNotExist), fs.ErrExist and
// fs.ErrPermission true for the file errors that mean them.
func (e *Error) Is(target error) bool {
	switch target {
	case fs.ErrNotExist:
		return e.Class == ClassNoSuchFile
	case fs.ErrExist:
		return e.Class == ClassFileExists
	case fs.ErrPermission:
		return e.Class == ClassAccess
	}
	t, ok := target.(*Error)
	return ok && t.Op == "" && t.Code == 0 && t.Class == e.Class
}

// Sentinel errors, one per common class, for errors.Is.
var (
	ErrBuffer         = &Error{Class: ClassBuffer, Msg: ClassBuffer.String()}
	ErrCount          = &Error{Class: ClassCount, Msg: ClassCount.String()}
	ErrType           = &Error{Class: ClassType, Msg: ClassType.String()}
	ErrTag            = &Error{Class: ClassTag, Msg: ClassTag.String()}
	ErrComm           = &Error{Class: ClassComm, Msg: ClassComm.String()}
	ErrRank           = &Error{Class: ClassRank, Msg: ClassRank.String()}
	ErrRequest        = &Error{Class: ClassRequest, Msg: ClassRequest.String()}
	ErrRoot           = &Error{Class: ClassRoot, Msg: ClassRoot.String()}
	ErrGroup          = &Error{Class: ClassGroup, Msg: ClassGroup.String()}
	ErrOp             = &Error{Class: ClassOp, Msg: ClassOp.String()}
	ErrArg            = &Error{Class: ClassArg, Msg: ClassArg.String()}
	ErrTruncate       = &Error{Class: ClassTruncate, Msg: ClassTruncate.String()}
	ErrOther          = &Error{Class: ClassOther, Msg: ClassOther.String()}
	ErrUnsupported    = &Error{Class: ClassUnsupported, Msg: ClassUnsupported.String()}
	ErrWin            = &Error{Class: ClassWin, Msg: ClassWin.String()}
	ErrRMASync        = &Error{Class: ClassRMASync, Msg: ClassRMASync.String()}
	ErrFile           = &Error{Class: ClassFile, Msg: ClassFile.String()}
	ErrNoSuchFile     = &Error{Class: ClassNoSuchFile, Msg: ClassNoSuchFile.String()}
	ErrFileExists     = &Error{Class: ClassFileExists, Msg: ClassFileExists.String()}
	ErrAccess         = &Error{Class: ClassAccess, Msg: ClassAccess.String()}
	ErrIO             = &Error{Class: ClassIO, Msg: ClassIO.String()}
	ErrSpawn          = &Error{Class: ClassSpawn, Msg: ClassSpawn.String()}
	ErrPort           = &Error{Class: ClassPort, Msg: ClassPort.String()}
	ErrName           = &Error{Class: ClassName, Msg: ClassName.String()}
	ErrNotInitialized = &Error{Class: ClassNotInitialized, Msg: ClassNotInitialized.String()}
	ErrFinalized      = &Error{Class: ClassFinalized, Msg: ClassFinalized.String()}
	ErrMismatch       = &Error{Class: ClassMismatch, Msg: ClassMismatch.String()}

	ErrProcFailed        = &Error{Class: ClassProcFailed, Msg: ClassProcFailed.String()}
	ErrProcFailedPending = &Error{Class: ClassProcFailedPending, Msg: ClassProcFailedPending.String()}
	ErrRevoked           = &Error{Class: ClassRevoked, Msg: ClassRevoked.String()}

	ErrSession       = &Error{Class: ClassSession, Msg: ClassSession.String()}
	ErrProcAborted   = &Error{Class: ClassProcAborted, Msg: ClassProcAborted.String()}
	ErrValueTooLarge = &Error{Class: ClassValueTooLarge, Msg: ClassValueTooLarge.String()}
)

// errorf is an error this package detected before calling MPI.
func errorf(class Class, op, format string, a ...any) *Error {
	return &Error{Class: class, Op: op, Msg: fmt.Sprintf(format, a...)}
}

// mpiError turns a return code of the MPI library into an error (nil for success).
func mpiError(op string, rc int) error {
	if rc == 0 {
		return nil
	}
	return libraryError(op, rc)
}

func libraryError(op string, rc int) error {
	if rc == rcFinalized {
		return &Error{Class: ClassFinalized, Op: op, Msg: "MPI was finalized while this call waited"}
	}
	class, msg := rawErrorInfo(rc)
	return &Error{Class: class, Code: rc, Op: op, Msg: msg}
}
