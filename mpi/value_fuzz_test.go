package mpi

import (
	"encoding/binary"
	"testing"
)

// Lengths read from the wire, fuzzed: a chunk header and the sizes of the
// messages that follow it come from a peer, which may lie. The oracle,
// written apart from the code: the value is accepted exactly when the
// header announces more than one message carries and the messages are the
// sender's chunking of that total; and memory never grows past twice what
// really arrived.
func FuzzChunkedValue(f *testing.F) {
	defer func(old int) { valueChunk = old }(valueChunk)
	const chunk = 16
	header := func(total uint64) []byte {
		return binary.LittleEndian.AppendUint64([]byte(chunkMagic), total)
	}
	f.Add(header(40), []byte{16, 16, 8})
	f.Add(header(40), []byte{16, 16, 9})
	f.Add(header(1<<62), []byte{16, 16})
	f.Add(header(1<<63+5), []byte{16})
	f.Add(header(16), []byte{16})
	f.Add(header(17), []byte{16, 1})
	f.Add([]byte("\xffmpigo-chunk"), []byte{1})
	f.Add(binary.LittleEndian.AppendUint64([]byte(rawMagic+"\x0e"), 40), []byte{16, 16, 8}) // raw float64s
	f.Add(binary.LittleEndian.AppendUint64([]byte(rawMagic+"\x0e"), 41), []byte{16, 16, 9})
	f.Add(binary.LittleEndian.AppendUint64([]byte(rawMagic+"\x18"), 3), []byte{3}) // raw string
	f.Add(binary.LittleEndian.AppendUint64([]byte(rawMagic+"\x19"), 8), []byte{8}) // no such kind
	f.Fuzz(func(t *testing.T, first, sizes []byte) {
		valueChunk = chunk
		total, _, isHeader, herr := chunked(first)
		isRaw := len(first) == len(rawMagic)+9 && string(first[:len(rawMagic)]) == rawMagic
		wantHeader := isRaw || len(first) == len(chunkMagic)+8 && string(first[:len(chunkMagic)]) == chunkMagic
		if isHeader != wantHeader {
			t.Fatalf("chunked(%q) says header %v", first, isHeader)
		}
		if !isHeader {
			return
		}
		announced := binary.LittleEndian.Uint64(first[len(first)-8:])
		wantErr := announced <= chunk || announced > 1<<63-1
		if isRaw { // any length of whole elements of a kind that travels raw
			sizes := map[byte]uint64{1: 1, 2: 8, 3: 1, 4: 2, 5: 4, 6: 8, 7: 8, 8: 1, 9: 2, 10: 4, 11: 8, 13: 4, 14: 8, 24: 1}
			size, known := sizes[first[len(rawMagic)]]
			wantErr = !known || announced > 1<<63-1 || announced%size != 0
		}
		if (herr != nil) != wantErr {
			t.Fatalf("header %q announcing %d: error %v", first, announced, herr)
		}
		if herr != nil {
			return
		}
		arrived, i := 0, 0
		data, err := assembleChunks(total, func(into func(int) []byte) error {
			if i == len(sizes) {
				return errNoMore
			}
			size := int(sizes[i])
			i++
			arrived += size
			b := into(size)
			if len(b) != size {
				t.Fatalf("into(%d) gave %d bytes", size, len(b))
			}
			for k := range b {
				b[k] = byte(arrived - size + k)
			}
			return nil
		})
		// The oracle: the sender's chunking of total, as far as messages came.
		ok := true
		left, k := int(announced), 0
		for ; left > 0 && k < len(sizes); k++ {
			want := min(chunk, left)
			if int(sizes[k]) != want {
				ok = false
				break
			}
			left -= want
		}
		ok = ok && left == 0
		if (err == nil) != ok {
			t.Fatalf("total %d, messages %v: error %v, want ok=%v", total, sizes, err, ok)
		}
		if err == nil {
			if len(data) != total {
				t.Fatalf("assembled %d bytes of %d", len(data), total)
			}
			for k := range data {
				if data[k] != byte(k) {
					t.Fatalf("byte %d is %d", k, data[k])
				}
			}
		}
		if cap(data) > 2*arrived+chunk {
			t.Fatalf("%d bytes arrived but %d were allocated", arrived, cap(data))
		}
	})
}

var errNoMore = errorf(ClassOther, "fuzz", "no more messages")

// Decoding a peer's bytes into the types a program receives never panics
// nor takes memory the message does not hold: it returns an error.
func FuzzValueDecode(f *testing.F) {
	type point struct {
		X, Y float64
		Name string
		Tags []string
		M    map[string]int
	}
	for _, v := range []any{1, "text", []int{1, 2, 3}, map[string]any{"a": 1.5}, point{1, 2, "p", []string{"x"}, map[string]int{"k": 1}}} {
		b, err := CBOR().Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}) // an array announcing 2^64-1 items
	f.Add([]byte{0x5b, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00}) // a byte string of 64 GiB
	f.Fuzz(func(t *testing.T, data []byte) {
		var a any
		var p point
		var s []float64
		var m map[string][]int
		for _, dst := range []any{&a, &p, &s, &m} {
			_ = CBOR().Unmarshal(data, dst) // an error is fine; a panic or OOM fails the fuzzer
		}
		var z struct { // through the mirror of complex numbers (valuecomplex.go)
			Z  complex128
			Zs []complex64
			M  map[string]complex128
			P  *complex128
		}
		_ = unmarshal(data, &z)
	})
}
