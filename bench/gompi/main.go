// Command bench-gompi is the gompi baseline of mpigo's benchmark suite
// (package bench): the benchmarks github.com/sbromberger/gompi v0.1.0 — the
// Go MPI binding users would otherwise pick — can express (it has no
// nonblocking calls, no scatter, gather or all-to-all), measured as the Go
// suite measures them. It lives in a module of its own so that mpigo's
// module graph never includes gompi (which hard-codes OpenMPI's paths).
//
// gompi v0.1.0's BcastBytes passes MPI_INT with a count of bytes, so it
// broadcasts 4× the buffer and overruns it on every receiving rank (the Go
// heap was corrupted here: "fatal error: invalid g status"). The broadcast
// is therefore timed with BcastInt32s, of size/4 int32s, from 4 bytes up.
//
// Usage: bench-gompi -b BENCH,... -s SIZES -c COLLSIZES -x SCALE [-v] [-n]
// Rank 0 writes the raw lines of bench/raw.go.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	mpi "github.com/sbromberger/gompi"
)

// iterations is bench.Iterations.
func iterations(bench string, size int, scale float64) (int, int) {
	large := size > 8192
	var n, w int
	switch {
	case bench == "latency" && large:
		n, w = 1000, 100
	case bench == "latency":
		n, w = 10000, 1000
	case large:
		n, w = 100, 10
	default:
		n, w = 1000, 100
	}
	return max(2, int(math.Floor(float64(n)*scale+0.5))), max(1, int(math.Floor(float64(w)*scale+0.5)))
}

func list(s string) []int {
	var v []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			fmt.Fprintln(os.Stderr, "bench-gompi: bad size", f)
			os.Exit(2)
		}
		v = append(v, n)
	}
	return v
}

var hugepages bool

// buffer returns n bytes: from make, or with -H mapped on 2 MiB boundaries
// and marked for transparent huge pages, as mpi.Alloc does (never freed:
// the program is short).
func buffer(n int) []byte {
	if !hugepages || n == 0 {
		return make([]byte, n)
	}
	rounded := (n + 2<<20 - 1) &^ (2<<20 - 1) // whole huge pages, or none forms
	m, err := syscall.Mmap(-1, 0, rounded+2<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
	if err != nil {
		panic(err)
	}
	skip := (2<<20 - int(uintptr(unsafe.Pointer(&m[0]))%(2<<20))) % (2 << 20)
	syscall.Madvise(m[skip:skip+rounded], syscall.MADV_HUGEPAGE)
	return m[skip : skip+n]
}

func fill(n int, c byte) []byte {
	b := buffer(n)
	for i := range b {
		b[i] = c
	}
	return b
}

func micros(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

func main() {
	benches := flag.String("b", "", "benchmarks")
	sizes := flag.String("s", "1", "point-to-point sizes")
	csizes := flag.String("c", "1", "collective sizes")
	scale := flag.Float64("x", 1, "iteration scale")
	flag.Bool("v", false, "accepted; validation is the Go suite's")
	flag.Bool("n", false, "accepted; no algorithms here")
	flag.BoolVar(&hugepages, "H", false, "buffers on transparent huge pages")
	limitFlag := flag.String("l", "", "the sizes each benchmark runs at: name:min:max,... (bench.Limits)")
	flag.Parse()
	allowed := limitsOf(*limitFlag)
	mpi.Start()
	defer mpi.Stop()
	comm := mpi.NewCommunicator(nil)
	rank, p := comm.Rank(), comm.Size()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	if rank == 0 {
		fmt.Fprintf(out, "meta library %s\n", libraryVersion())
		pages := "ordinary"
		if hugepages {
			pages = "huge"
		}
		fmt.Fprintf(out, "meta version gompi v0.1.0, %s, MPI_Init (thread level SINGLE), %s pages\n", runtime.Version(), pages)
	}
	emit := func(bench string, size int, v []float64) {
		if rank != 0 {
			return
		}
		fmt.Fprintf(out, "sample gompi - %s %d us", bench, size)
		for _, x := range v {
			fmt.Fprintf(out, " %.7g", x)
		}
		fmt.Fprintln(out)
		out.Flush()
	}
	for _, bench := range strings.Split(*benches, ",") {
		switch bench {
		case "latency":
			if p < 2 {
				continue
			}
			for _, size := range list(*sizes) {
				if size < 1 { // gompi panics on empty slices
					continue
				}
				iters, warm := iterations(bench, size, *scale)
				send, recv := fill(size, 'a'), fill(size, 'b')
				v := make([]float64, iters)
				comm.Barrier()
				epoch := time.Now() // then one monotonic clock read an iteration, as mpigo's suite and C
				last := time.Since(epoch)
				for k := -warm; k < iters; k++ {
					if rank == 0 {
						comm.SendBytes(send, 1, 1)
						comm.RecvPreallocBytes(recv, 1, 1)
					} else if rank == 1 {
						comm.RecvPreallocBytes(recv, 0, 1)
						comm.SendBytes(send, 0, 1)
					}
					now := time.Since(epoch)
					if k >= 0 {
						v[k] = micros(now-last) / 2
					}
					last = now
				}
				emit(bench, size, v)
				comm.Barrier()
			}
		case "bcast", "reduce", "allreduce", "barrier":
			todo := list(*csizes)
			if bench == "barrier" {
				todo = []int{0}
			}
			for _, size := range todo {
				if !allowed(bench, size) || bench == "bcast" && size < 4 { // gompi broadcasts int32s
					continue
				}
				iters, warm := iterations(bench, size, *scale)
				buf := unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(buffer(size/4*4)))), size/4)
				for i := range buf {
					buf[i] = int32(i)
				}
				x := unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(buffer(size/8*8)))), size/8)
				y := unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(buffer(size/8*8)))), size/8)
				for i := range x {
					x[i] = float64((i%11 + 1) * (rank + 1))
				}
				t, v := make([]float64, iters), make([]float64, iters)
				epoch := time.Now() // then monotonic reads only
				for k := -warm; k < iters; k++ {
					comm.Barrier()
					t0 := time.Since(epoch)
					switch bench {
					case "bcast":
						comm.BcastInt32s(buf, 0)
					case "reduce":
						comm.ReduceFloat64s(y, x, mpi.OpSum, 0)
					case "allreduce":
						comm.AllreduceFloat64s(y, x, mpi.OpSum, 0)
					default:
						comm.Barrier()
					}
					if k >= 0 {
						t[k] = micros(time.Since(epoch) - t0)
					}
				}
				comm.AllreduceFloat64s(v, t, mpi.OpMax, 0)
				emit(bench, size, v)
			}
		}
	}
}

// limitsOf reads the driver's -l flag: the sizes each benchmark runs at
// (bench.Limits), so that this program keeps no list of its own.
func limitsOf(flag string) func(bench string, size int) bool {
	type bounds struct{ min, max int }
	l := map[string]bounds{}
	for _, t := range strings.Split(flag, ",") {
		var b bounds
		name, rest, ok := strings.Cut(t, ":")
		if ok {
			if _, err := fmt.Sscanf(rest, "%d:%d", &b.min, &b.max); err == nil {
				l[name] = b
			}
		}
	}
	return func(bench string, size int) bool {
		b, ok := l[bench]
		return !ok || size >= b.min && (b.max == 0 || size <= b.max)
	}
}
