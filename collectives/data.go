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
	if err == nil && n != len(buf) {
		err = fmt.Errorf("collectives: rank %d received %d bytes from %d, want %d (lengths differ between ranks?)", t.Rank(), n, src, len(buf))
	}
	return err
}

// exchange sends out to dest and receives in from src, sending first if
// sendFirst: blocking sends (rendezvous, for large messages) must be ordered
// so that no cycle of ranks waits on each other. Rings order by parity
// (ringFirst), pairs by rank (lower sends first).
func exchange(t Transport, out []byte, dest int, in []byte, src, tag int, sendFirst bool) error {
	send := func() error { return t.Send(out, dest, tag) }
	recv := func() error { return recvExactly(t, in, src, tag) }
	if !sendFirst {
		send, recv = recv, send
	}
	if err := send(); err != nil {
		return err
	}
	return recv()
}

// ringFirst: in a ring, even ranks send first and odd ranks receive first.
// With p odd, the last rank (even) sends to rank 0 (even), which by then has
// sent to rank 1 (odd, receiving first) and receives: no cycle.
func ringFirst(t Transport) bool { return t.Rank()%2 == 0 }
