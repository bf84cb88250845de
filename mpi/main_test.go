package mpi_test

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"unsafe"

	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

// TestMain runs the rank side of mpitest jobs. In the parent process
// (plain go test) MPI starts as a 1-rank job (singleton) for the runnable
// examples, after which mpitest.Run still launches jobs with mpiexec.
func TestMain(m *testing.M) {
	if mpitest.IsRank() {
		mpitest.Main(m)
		return
	}
	if err := mpi.Init(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	code := m.Run()
	if err := mpi.Finalize(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 3
	}
	os.Exit(code)
}

// fill writes a pattern that depends on seed into the memory of s, byte by
// byte (bools get 0 or 1), so received data can be compared as raw memory.
func fill[T any](s []T, seed int) {
	b := rawBytes(s)
	_, isBool := any(s).([]bool)
	for i := range b {
		v := byte(seed*131 + i*7 + i>>8)
		if isBool {
			v &= 1
		}
		b[i] = v
	}
}

func rawBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// sameMemory reports whether got holds the pattern fill(want, seed) would write.
func checkPattern[T any](t *testing.T, what string, got []T, seed int) {
	t.Helper()
	want := make([]T, len(got))
	fill(want, seed)
	if gb, wb := rawBytes(got), rawBytes(want); !bytes.Equal(gb, wb) {
		i := 0
		for i < len(gb) && gb[i] == wb[i] {
			i++
		}
		t.Fatalf("%s: %d elements of %T differ from the pattern of seed %d at byte %d", what, len(got), got, seed, i)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
