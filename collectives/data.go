package collectives

import (
	"fmt"
	"reflect"
	"unsafe"
)

// plain reports whether values of t are plain memory: no pointers, so
// their bytes can be sent as they are.
func plain(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.Array:
		return plain(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !plain(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}

// asBytes views s as its bytes; T must be plain.
func asBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

func checkPlain[T any](op string) error {
	if t := reflect.TypeFor[T](); !plain(t) {
		return fmt.Errorf("collectives: %s: element type %v holds pointers and cannot be sent as memory", op, t)
	}
	return nil
}

// recvExactly receives exactly len(buf) bytes from src.
func recvExactly(t Transport, buf []byte, src, tag int) error {
	n, err := t.Recv(buf, src, tag)
	return wantLength(t, n, err, src, len(buf))
}

// wantLength is err, or the error of receiving n bytes from src where want were due.
func wantLength(t Transport, n int, err error, src, want int) error {
	if err == nil && n != want {
		err = fmt.Errorf("collectives: rank %d received %d bytes from %d, want %d (lengths differ between ranks?)", t.Rank(), n, src, want)
	}
	return err
}

// exchange sends out to dest and receives exactly len(in) bytes from src,
// at once (Transport.Sendrecv): one message time, where a send followed by
// a receive takes two (recursive doubling of 8 B on 2 ranks: 1.1 µs, 1.55×
// MPI_Allreduce, that way).
func exchange(t Transport, out []byte, dest int, in []byte, src, tag int) error {
	n, err := t.Sendrecv(out, dest, in, src, tag)
	return wantLength(t, n, err, src, len(in))
}
