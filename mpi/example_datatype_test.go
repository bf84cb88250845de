package mpi_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mpigo/mpigo/mpi"
)

// Examples of datatypes, topologies, groups and windows; like the others they run as
// a job of one rank, which sends to itself.

func ExampleVector() {
	world := mpi.World()
	f64, _ := mpi.TypeOf[float64]()
	// A 3×4 matrix in row-major order; column 1 is every 4th element from m[1].
	m := []float64{
		0, 1, 2, 3,
		10, 11, 12, 13,
		20, 21, 22, 23,
	}
	col, err := mpi.Vector(3, 1, 4, f64) // 3 blocks of 1 element, 4 apart
	if err != nil {
		panic(err)
	}
	defer col.Free()
	got := make([]float64, 3)
	_, err = world.Sendrecv(mpi.Typed(m[1:], col, 1), 0, 0, mpi.Buf(got), 0, 0)
	fmt.Println(got, err)
	// Laid past the end of its slice, a datatype is refused before MPI sees it.
	_, err = world.Sendrecv(mpi.Typed(m[4:], col, 2), 0, 0, mpi.Buf(got), 0, 0)
	fmt.Println(err != nil)
	// Output:
	// [1 11 21] <nil>
	// true
}

func ExampleSubarray() {
	f64, _ := mpi.TypeOf[float64]()
	// The 2×2 block at row 1, column 1 of a 4×4 grid, packed into bytes and
	// unpacked into a slice of its own.
	grid := make([]float64, 16)
	for i := range grid {
		grid[i] = float64(i)
	}
	block, err := mpi.Subarray([]int{4, 4}, []int{2, 2}, []int{1, 1}, f64)
	if err != nil {
		panic(err)
	}
	defer block.Free()
	world := mpi.World()
	n, _ := mpi.PackSize(mpi.Typed(grid, block, 1), world)
	packed := make([]byte, n)
	pos, err := mpi.Pack(mpi.Typed(grid, block, 1), packed, 0, world)
	out := make([]float64, 4)
	if err == nil {
		_, err = mpi.Unpack(packed[:pos], 0, mpi.Buf(out), world)
	}
	fmt.Println(out, block.Size(), err)
	// Output: [5 6 9 10] 32 <nil>
}

func ExampleBuf_structs() {
	// A slice of pointer-free structs is a Buffer: a struct datatype is made
	// once for the Go type, padding included where Go puts it.
	type particle struct {
		X, Y, Z float64
		ID      int32
	}
	world := mpi.World()
	out := []particle{{1, 2, 3, 7}, {4, 5, 6, 8}}
	in := make([]particle, 2)
	_, err := world.Sendrecv(mpi.Buf(out), 0, 0, mpi.Buf(in), 0, 0)
	fmt.Println(in, err)
	// Output: [{1 2 3 7} {4 5 6 8}] <nil>
}

func ExampleComm_CartCreate() {
	// A balanced grid for 12 ranks, then a 1×1 grid of this one-rank job,
	// periodic in its first dimension only.
	dims, _ := mpi.DimsCreate(12, []int{0, 0})
	fmt.Println(dims)
	cart, err := mpi.World().CartCreate([]int{1, 1}, []bool{true, false}, false)
	if err != nil {
		panic(err)
	}
	defer cart.Free()
	up, down, _ := cart.Shift(0, 1)    // periodic: this rank both ways
	left, right, _ := cart.Shift(1, 1) // not periodic: nobody
	fmt.Println(cart.Coords(), up, down, left == mpi.ProcNull, right == mpi.ProcNull)
	// Output:
	// [4 3]
	// [0 0] 0 0 true true
}

func ExampleGroup_Incl() {
	world := mpi.World()
	g, _ := world.Group()
	defer g.Free()
	first, err := g.Incl([]int{0})
	if err != nil {
		panic(err)
	}
	defer first.Free()
	comm, err := world.Create(first) // nil at the ranks outside the group
	if err != nil {
		panic(err)
	}
	defer comm.Free()
	fmt.Println(first.Size(), comm.Size(), comm.Rank())
	// Output: 1 1 0
}

func ExampleWinAllocate() {
	// A shared counter at rank 0: every rank takes numbers from it with
	// FetchAndOp, inside one passive-target epoch.
	world := mpi.World()
	win, counter, err := mpi.WinAllocate[int64](world, 1)
	if err != nil {
		panic(err)
	}
	defer win.Free()
	counter[0] = 100
	world.Barrier()
	win.LockAll()
	var taken []int64
	for range 3 {
		one, old := int64(1), int64(0)
		if err := win.FetchAndOp(mpi.One(&one), mpi.One(&old), 0, 0, mpi.Sum); err != nil {
			panic(err)
		}
		win.Flush(0) // old is valid once the operation is complete
		taken = append(taken, old)
	}
	win.UnlockAll()
	fmt.Println(taken, counter[0])
	// Output: [100 101 102] 103
}

func ExampleOpenFile() {
	// Every rank writes its part of a file at its own offset, collectively;
	// here one rank, in a temporary directory. A File is an io.ReaderAt too.
	dir, _ := os.MkdirTemp("", "mpigo-example-")
	defer os.RemoveAll(dir)
	world := mpi.World()
	f, err := mpi.OpenFile(world, filepath.Join(dir, "out"), os.O_RDWR|os.O_CREATE, nil)
	if err != nil {
		panic(err)
	}
	part := []byte(fmt.Sprintf("rank %d\n", world.Rank()))
	if _, err := f.WriteBufAtAll(mpi.Buf(part), int64(world.Rank()*len(part))); err != nil {
		panic(err)
	}
	back := make([]byte, 7)
	n, err := f.ReadAt(back, 0)
	size, _ := f.Size()
	fmt.Printf("%q %d %v %d\n", back[:n], n, err, size)
	f.Close()
	// Output: "rank 0\n" 7 <nil> 7
}
