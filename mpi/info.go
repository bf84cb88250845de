package mpi

import "sync/atomic"

// Info is a set of key–value hints for MPI (MPI_Info): file striping and
// buffering hints for OpenFile, and the like. A nil *Info stands for
// MPI_INFO_NULL wherever an *Info is taken.
type Info struct {
	h     infoHandle
	freed atomic.Bool
}

// NewInfo returns an empty Info (MPI_Info_create).
func NewInfo() (*Info, error) {
	if err := checkState("NewInfo"); err != nil {
		return nil, err
	}
	h := infoNull
	rc := mpiInfoCreate(&h)
	if err := mpiError("NewInfo", rc); err != nil {
		return nil, err
	}
	return &Info{h: h}, nil
}

func (i *Info) check(op string) error {
	if err := checkState(op); err != nil {
		return err
	}
	if i == nil || i.freed.Load() {
		return errorf(ClassArg, op, "nil or freed Info")
	}
	return nil
}

// handle is i's MPI handle, MPI_INFO_NULL for nil.
func (i *Info) handle(op string) (infoHandle, error) {
	if i == nil {
		return infoNull, nil
	}
	if err := i.check(op); err != nil {
		return infoNull, err
	}
	return i.h, nil
}

// infoFrom returns the Info that get (MPI_Comm_get_info and the like)
// makes, once the object's own check passed (check nil).
func infoFrom(op string, check error, get func(h *infoHandle) int) (*Info, error) {
	if check != nil {
		return nil, check
	}
	h := infoNull
	if err := mpiError(op, get(&h)); err != nil {
		return nil, err
	}
	return &Info{h: h}, nil
}

// given is i's handle where an Info must be given (SetInfo): nil is ErrArg.
func (i *Info) given(op string) (infoHandle, error) {
	if i == nil {
		return infoNull, errorf(ClassArg, op, "nil Info")
	}
	return i.handle(op)
}

// maxInfoKey and maxInfoValue bound keys and values: OpenMPI's
// MPI_MAX_INFO_KEY is 36 and its MPI_MAX_INFO_VAL 256 with the NUL (a value
// of 256 bytes is MPI_ERR_INFO_VALUE; MPICH's bounds are larger).
const maxInfoKey, maxInfoValue = 36, 255

// Set sets key to value (MPI_Info_set). Keys of 1 to 36 bytes, values of 1
// to 255 (OpenMPI refuses an empty value, MPICH takes it: refused on both).
func (i *Info) Set(key, value string) error {
	if err := i.check("Info.Set"); err != nil {
		return err
	}
	if len(key) == 0 || len(key) > maxInfoKey || len(value) == 0 || len(value) > maxInfoValue {
		return errorf(ClassArg, "Info.Set", "key of %d bytes, value of %d: want 1–%d and 1–%d", len(key), len(value), maxInfoKey, maxInfoValue)
	}
	return mpiError("Info.Set", mpiInfoSet(i.h, key, value))
}

// Get returns key's value and whether it is set: MPI-4's
// MPI_Info_get_string, which gives a value of any length (one the library
// set, say), where the library has it; MPI_Info_get (values of up to
// MPI_MAX_INFO_VAL bytes) on OpenMPI 4.1.
func (i *Info) Get(key string) (string, bool, error) {
	if err := i.check("Info.Get"); err != nil {
		return "", false, err
	}
	if len(key) == 0 || len(key) > maxInfoKey {
		return "", false, errorf(ClassArg, "Info.Get", "key of %d bytes: want 1–%d", len(key), maxInfoKey)
	}
	var ok bool
	if !haveMPI4 {
		buf := make([]byte, libInfoVal+1)
		rc := mpiInfoGet(i.h, key, libInfoVal, buf, &ok)
		return cString(buf), ok, mpiError("Info.Get", rc)
	}
	// The first call says how long the value is (its NUL counted), the
	// second fetches it; a value set in between, longer, comes back cut
	// short, and is fetched again.
	buf := make([]byte, 1)
	for {
		n := len(buf)
		if err := mpiError("Info.Get", mpiInfoGetString(i.h, key, &n, buf, &ok)); err != nil || !ok {
			return "", false, err
		}
		if n <= len(buf) {
			return cString(buf), true, nil
		}
		buf = make([]byte, n)
	}
}

// InfoCreateEnv returns the Info of the job's environment (MPI-4's
// MPI_Info_create_env): how it was started, as keys such as "command",
// "maxprocs" and "thread_level" (which ones, the library decides).
// ErrUnsupported on OpenMPI 4.1.
func InfoCreateEnv() (*Info, error) {
	const op = "InfoCreateEnv"
	if err := checkState(op); err != nil {
		return nil, err
	}
	if err := needMPI4(op, "MPI_Info_create_env"); err != nil {
		return nil, err
	}
	h := infoNull
	if err := mpiError(op, mpiInfoCreateEnv(&h)); err != nil {
		return nil, err
	}
	return &Info{h: h}, nil
}

// Delete removes key (MPI_Info_delete); a key that is not set is ErrArg.
func (i *Info) Delete(key string) error {
	if err := i.check("Info.Delete"); err != nil {
		return err
	}
	if _, ok, err := i.Get(key); err != nil || !ok {
		if err == nil {
			err = errorf(ClassArg, "Info.Delete", "key %q is not set", key)
		}
		return err
	}
	return mpiError("Info.Delete", mpiInfoDelete(i.h, key))
}

// Keys returns the keys that are set, in MPI's order (MPI_Info_get_nthkey).
func (i *Info) Keys() ([]string, error) {
	if err := i.check("Info.Keys"); err != nil {
		return nil, err
	}
	var n int
	if err := mpiError("Info.Keys", mpiInfoGetNkeys(i.h, &n)); err != nil {
		return nil, err
	}
	keys := make([]string, n)
	buf := make([]byte, libInfoKey+1)
	for k := range keys {
		if err := mpiError("Info.Keys", mpiInfoGetNthkey(i.h, k, buf)); err != nil {
			return nil, err
		}
		keys[k] = cString(buf)
	}
	return keys, nil
}

// Dup returns a copy of i (MPI_Info_dup).
func (i *Info) Dup() (*Info, error) {
	if err := i.check("Info.Dup"); err != nil {
		return nil, err
	}
	h := infoNull
	rc := mpiInfoDup(i.h, &h)
	if err := mpiError("Info.Dup", rc); err != nil {
		return nil, err
	}
	return &Info{h: h}, nil
}

// Free frees i (MPI_Info_free); using it afterwards is ErrArg.
func (i *Info) Free() error {
	if err := i.check("Info.Free"); err != nil {
		return err
	}
	if i.freed.Swap(true) {
		return errorf(ClassArg, "Info.Free", "Info already freed")
	}
	h := i.h
	return mpiError("Info.Free", mpiInfoFree(&h))
}
