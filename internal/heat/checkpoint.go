package heat

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"

	"github.com/mpigo/mpigo/mpi"
)

// A checkpoint is the whole N×N field as float64s in row-major order, in
// the machine's byte order (little-endian here), nothing else: what a
// serial program would write. Every rank writes or reads its own block of
// it in one collective MPI-IO call, through two Subarray datatypes: the
// block's place in the file (the view) and its interior in memory, halo
// left out.

// views returns the datatypes of b's block in the file and in memory.
func (b *block) views() (inFile, inMemory *mpi.Datatype, err error) {
	f64, err := mpi.TypeOf[float64]()
	if err != nil {
		return nil, nil, err
	}
	inFile, err = mpi.Subarray([]int{b.n, b.n}, []int{b.ny, b.nx}, []int{b.y0, b.x0}, f64)
	if err != nil {
		return nil, nil, err
	}
	inMemory, err = mpi.Subarray([]int{b.ny + 2, b.nx + 2}, []int{b.ny, b.nx}, []int{1, 1}, f64)
	if err != nil {
		inFile.Free()
	}
	return inFile, inMemory, err
}

// checkpoint writes the field to path, collectively over comm.
func (b *block) checkpoint(comm *mpi.Comm, path string) error {
	return b.withFile(comm, path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, func(f *mpi.File, mem mpi.Buffer) error {
		_, err := f.WriteBufAll(mem)
		return err
	})
}

// restart reads the field from path, collectively over comm, into both of
// b's arrays.
func (b *block) restart(comm *mpi.Comm, path string) error {
	return b.withFile(comm, path, os.O_RDONLY, func(f *mpi.File, mem mpi.Buffer) error {
		size, err := f.Size()
		if err != nil {
			return err
		}
		if want := int64(b.n) * int64(b.n) * 8; size != want {
			return fmt.Errorf("heat: %s has %d bytes, not a %d×%d field of float64 (%d)", path, size, b.n, b.n, want)
		}
		st, err := f.ReadBufAll(mem)
		if err == nil && st.Count() != 1 {
			err = fmt.Errorf("heat: %s: a short read of this rank's block", path)
		}
		copy(b.next, b.cur)
		return err
	})
}

// withFile opens path with flag, sets the view of b's block, runs io with
// b's interior as the memory side, and closes the file.
func (b *block) withFile(comm *mpi.Comm, path string, flag int, io func(f *mpi.File, mem mpi.Buffer) error) error {
	inFile, inMemory, err := b.views()
	if err != nil {
		return err
	}
	defer inFile.Free()
	defer inMemory.Free()
	f, err := mpi.OpenFile(comm, path, flag, nil)
	if err != nil {
		return err
	}
	f64, _ := mpi.TypeOf[float64]()
	err = f.SetView(0, f64, inFile)
	if err == nil {
		err = io(f, mpi.Typed(b.cur, inMemory, 1))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ReadField reads a checkpoint of an n×n field with plain os calls.
func ReadField(path string, n int) ([]float64, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(raw) != n*n*8 {
		return nil, fmt.Errorf("heat: %s has %d bytes, not a %d×%d field of float64", path, len(raw), n, n)
	}
	field := make([]float64, n*n)
	for i := range field {
		field[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
	}
	return field, nil
}
