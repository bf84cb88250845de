package mpi_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/mpigo/mpigo/mpi"
)

// The examples run as a 1-rank MPI job (the test binary without mpiexec); a
// real program starts with mpi.Run (or mpi.Init) and runs as
// `mpiexec -n 4 ./program`, where every rank prints the same.

func ExampleRun() {
	// In main: mpi.Run initializes MPI, runs the function on every rank, and
	// aborts the whole job if it fails on any rank; then it finalizes MPI.
	//
	//	mpi.Run(func(world *mpi.Comm) error {
	//		fmt.Println("rank", world.Rank(), "of", world.Size())
	//		return nil
	//	})
	world := mpi.World()
	fmt.Println("rank", world.Rank(), "of", world.Size())
	// Output: rank 0 of 1
}

func ExampleRunThread() {
	// A program that uses MPI from one goroutine at a time can ask for
	// ThreadSingle, at which OpenMPI takes none of its internal locks; the
	// binding still makes one call at a time, whatever goroutine makes it.
	// A --thread flag can name the level:
	//
	//	level, err := mpi.ParseThreadLevel(*thread) // "single", …, "multiple"
	//	if err != nil {
	//		log.Fatal(err)
	//	}
	//	mpi.RunThread(level, func(world *mpi.Comm) error { … })
	level, err := mpi.ParseThreadLevel("single")
	fmt.Println(level, level == mpi.ThreadSingle, err)
	_, err = mpi.ParseThreadLevel("many")
	fmt.Println(err)
	// Output:
	// single true <nil>
	// mpi: ParseThreadLevel: unknown thread level "many" (want single, funneled, serialized or multiple)
}

func ExampleComm_Send() {
	world := mpi.World()
	next := (world.Rank() + 1) % world.Size()
	prev := (world.Rank() + world.Size() - 1) % world.Size()
	// Isend, so that a rank sending to itself does not wait for its own Recv.
	req, err := world.Isend(mpi.Buf([]float64{1.5, 2.5, 3.5}), next, 7)
	if err != nil {
		panic(err)
	}
	got := make([]float64, 3)
	st, err := world.Recv(mpi.Buf(got), prev, 7)
	if _, werr := req.Wait(); err == nil {
		err = werr
	}
	fmt.Println(got, st.Count(), st.Tag, err)
	// Output: [1.5 2.5 3.5] 3 7 <nil>
}

func ExampleComm_SendInit() {
	world := mpi.World()
	next := (world.Rank() + 1) % world.Size()
	prev := (world.Rank() + world.Size() - 1) % world.Size()
	// Made once: the requests, the pins of their buffers, MPI's requests.
	send, recv := make([]int64, 2), make([]int64, 2)
	sq, err := world.SendInit(mpi.Buf(send), next, 3)
	if err != nil {
		panic(err)
	}
	rq, err := world.RecvInit(mpi.Buf(recv), prev, 3)
	if err != nil {
		panic(err)
	}
	defer sq.Free()
	defer rq.Free()
	// Started as often as needed: each start sends what send holds then.
	for step := int64(1); step <= 3; step++ {
		send[0], send[1] = step, step*step
		if err := mpi.StartAll(rq, sq); err != nil {
			panic(err)
		}
		if err := mpi.WaitAll(rq, sq); err != nil {
			panic(err)
		}
		fmt.Println(recv)
	}
	// Output:
	// [1 1]
	// [2 4]
	// [3 9]
}

func ExampleComm_Bcast() {
	world := mpi.World()
	data := make([]int32, 4)
	if world.Rank() == 0 {
		copy(data, []int32{10, 20, 30, 40})
	}
	if err := world.Bcast(mpi.Buf(data), 0); err != nil {
		panic(err)
	}
	fmt.Println(data)
	// Output: [10 20 30 40]
}

func ExampleComm_Scatter() {
	world := mpi.World()
	var all []int // only the root's send buffer matters
	if world.Rank() == 0 {
		for i := range world.Size() * 2 {
			all = append(all, i*i)
		}
	}
	mine := make([]int, 2)
	if err := world.Scatter(mpi.Buf(all), mpi.Buf(mine), 0); err != nil {
		panic(err)
	}
	r := world.Rank()
	fmt.Println(mine[0] == 4*r*r, mine[1] == (2*r+1)*(2*r+1))
	// Output: true true
}

func ExampleComm_Gather() {
	world := mpi.World()
	mine := []float64{float64(world.Rank())}
	all := make([]float64, world.Size()) // matters at the root only
	if err := world.Gather(mpi.Buf(mine), mpi.Buf(all), 0); err != nil {
		panic(err)
	}
	if world.Rank() == 0 {
		fmt.Println(len(all), all[0])
	}
	// Output: 1 0
}

func ExampleComm_Allreduce() {
	world := mpi.World()
	local := []float64{1, float64(world.Rank())}
	total := make([]float64, 2)
	if err := world.Allreduce(mpi.Buf(local), mpi.Buf(total), mpi.Sum); err != nil {
		panic(err)
	}
	p := float64(world.Size())
	fmt.Println(total[0] == p, total[1] == p*(p-1)/2)
	// Output: true true
}

func ExampleNewOp() {
	world := mpi.World()
	// 2×2 matrices multiplied in rank order: a reduction that does not commute.
	matmul := func(a, b [4]float64) [4]float64 {
		return [4]float64{a[0]*b[0] + a[1]*b[2], a[0]*b[1] + a[1]*b[3], a[2]*b[0] + a[3]*b[2], a[2]*b[1] + a[3]*b[3]}
	}
	op, err := mpi.NewOp(matmul, false)
	if err != nil {
		panic(err)
	}
	defer op.Free()
	m := [4]float64{1, 2, 3, 4}
	var product [4]float64
	if err := world.Allreduce(mpi.One(&m), mpi.One(&product), op); err != nil {
		panic(err)
	}
	fmt.Println(product) // with one rank, its own matrix
	// Output: [1 2 3 4]
}

func ExampleComm_SendValue() {
	world := mpi.World()
	type pet struct {
		A int
		B string
	}
	self := world.Rank()
	done := make(chan error, 1)
	go func() { done <- world.SendValue(pet{A: 7, B: "cat"}, self, 0) }()
	var got pet
	if _, err := world.RecvValue(&got, self, 0); err != nil {
		panic(err)
	}
	fmt.Printf("%+v %v\n", got, <-done)
	// Output: {A:7 B:cat} <nil>
}

func ExampleComm_BcastValue() {
	world := mpi.World()
	var data map[string][]string
	if world.Rank() == 0 {
		data = map[string][]string{"key1": {"1", "2", "3"}, "key2": {"type", "cat"}}
	}
	if err := world.BcastValue(&data, 0); err != nil {
		panic(err)
	}
	fmt.Println(data["key1"], data["key2"])
	// Output: [1 2 3] [type cat]
}

func ExampleScatterValues() {
	world := mpi.World()
	var items []int // at the root: the x-th item is (x+1) to the power x
	if world.Rank() == 0 {
		for x := range world.Size() {
			v := 1
			for range x {
				v *= x + 1
			}
			items = append(items, v)
		}
	}
	mine, err := mpi.ScatterValues(world, items, 0)
	fmt.Println(mine, err)
	// Output: 1 <nil>
}

func ExampleSetCollectiveErrors() {
	// By default a collective whose arguments are wrong on some ranks only
	// aborts the job from that rank, since the other ranks already wait in
	// MPI. While developing, agreeing first returns the error on every rank:
	old := mpi.SetCollectiveErrors(mpi.AgreeOnArgErrors)
	defer mpi.SetCollectiveErrors(old)
	world := mpi.World()
	send := make([]int, world.Size()+1) // not Size() parts of one element
	var part int
	err := world.Scatter(mpi.Buf(send), mpi.One(&part), 0)
	fmt.Println(old, errors.Is(err, mpi.ErrBuffer))
	// Output: AbortOnArgError true
}

// A goroutine's work as one more request: WaitAll returns when the message
// has come and the file has been read, whichever ends last.
func ExampleGoRequest() {
	world := mpi.World()
	got := make([]int32, 1)
	recv, _ := world.Irecv(mpi.Buf(got), 0, 5)
	var config string
	load, _ := mpi.GoRequest(func(ctx context.Context) error {
		config = "loaded" // os.ReadFile, an HTTP call, a computation …
		return nil
	})
	world.Send(mpi.Buf([]int32{42}), 0, 5)
	err := mpi.WaitAll(recv, load)
	fmt.Println(got[0], config, err)
	// Output: 42 loaded <nil>
}
