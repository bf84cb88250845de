// Command gompi-pingpong is the ping-pong of mpigo's benchmarks written with
// github.com/sbromberger/gompi v0.1.0, the Go MPI binding users would
// otherwise pick. It lives in a module of its own so that mpigo's module
// graph never includes gompi (which hard-codes OpenMPI's include paths).
// Usage: gompi-pingpong SIZE...; prints "size=N oneway_us=X" per size.
package main

import (
	"fmt"
	"os"
	"strconv"

	mpi "github.com/sbromberger/gompi"
)

func main() {
	mpi.Start()
	defer mpi.Stop()
	comm := mpi.NewCommunicator(nil)
	r := comm.Rank()
	for _, a := range os.Args[1:] {
		size, err := strconv.Atoi(a)
		if err != nil || size < 1 { // gompi panics on empty slices
			fmt.Fprintln(os.Stderr, "bad size", a)
			os.Exit(2)
		}
		send, recv := make([]byte, size), make([]byte, size)
		for i := range send {
			send[i], recv[i] = 'a', 'b'
		}
		iters := 10000
		if size > 8192 {
			iters = 1000
		}
		warm := iters/10 + 1
		var t0 float64
		for k := range iters + warm {
			if k == warm {
				comm.Barrier()
				t0 = mpi.WorldTime()
			}
			if r == 0 {
				comm.SendBytes(send, 1, 1)
				comm.RecvPreallocBytes(recv, 1, 1)
			} else if r == 1 {
				comm.RecvPreallocBytes(recv, 0, 1)
				comm.SendBytes(send, 0, 1)
			}
		}
		if r == 0 {
			fmt.Printf("size=%d oneway_us=%.4f\n", size, (mpi.WorldTime()-t0)*1e6/float64(2*iters))
		}
	}
}
