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

// maxInfoKey and maxInfoValue are MPI's bounds on keys and values (OpenMPI 4.1: 36 and 256).
const maxInfoKey, maxInfoValue = 36, 256

// Set sets key to value (MPI_Info_set). Keys of 1 to 36 bytes, values of up to 256.
func (i *Info) Set(key, value string) error {
	if err := i.check("Info.Set"); err != nil {
		return err
	}
	if len(key) == 0 || len(key) > maxInfoKey || len(value) > maxInfoValue {
		return errorf(ClassArg, "Info.Set", "key of %d bytes, value of %d: want 1–%d and at most %d", len(key), len(value), maxInfoKey, maxInfoValue)
	}
	return mpiError("Info.Set", mpiInfoSet(i.h, key, value))
}

// Get returns key's value and whether it is set (MPI_Info_get).
func (i *Info) Get(key string) (string, bool, error) {
	if err := i.check("Info.Get"); err != nil {
		return "", false, err
	}
	if len(key) == 0 || len(key) > maxInfoKey {
		return "", false, errorf(ClassArg, "Info.Get", "key of %d bytes: want 1–%d", len(key), maxInfoKey)
	}
	buf := make([]byte, libInfoVal+1)
	var ok bool
	rc := mpiInfoGet(i.h, key, libInfoVal, buf, &ok)
	return cString(buf), ok, mpiError("Info.Get", rc)
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
