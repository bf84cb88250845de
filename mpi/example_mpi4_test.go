package mpi_test

import (
	"errors"
	"fmt"
	"sync"

	"github.com/mpigo/mpigo/mpi"
)

func ExampleComm_AllreduceInit() {
	// A solver's residual: the same Allreduce every step, made once. Each
	// Start reduces what local holds then; Wait completes it.
	world := mpi.World()
	local, global := []float64{0}, []float64{0}
	req, err := world.AllreduceInit(mpi.Buf(local), mpi.Buf(global), mpi.Sum)
	if err != nil {
		panic(err)
	}
	defer req.Free()
	for step := 1; step <= 3; step++ {
		local[0] = 1.0 / float64(step) // this rank's part of the residual
		if err := req.Start(); err != nil {
			panic(err)
		}
		// (work that needs no residual overlaps the reduction here)
		if _, err := req.Wait(); err != nil {
			panic(err)
		}
		fmt.Printf("step %d: residual %.3f\n", step, global[0])
	}
	// Output:
	// step 1: residual 1.000
	// step 2: residual 0.500
	// step 3: residual 0.333
}

func ExampleComm_Isendrecv() {
	// A ring shift as one Request. Where the library has no usable
	// MPI_Isendrecv (OpenMPI 4.1: no MPI-4; MPICH: a wrong Status) the call
	// is an ErrUnsupported error, and Isend with Irecv do the same.
	world := mpi.World()
	next := (world.Rank() + 1) % world.Size()
	prev := (world.Rank() + world.Size() - 1) % world.Size()
	got := make([]int, 2)
	req, err := world.Isendrecv(mpi.Buf([]int{10, 20}), next, 3, mpi.Buf(got), prev, 3)
	if errors.Is(err, mpi.ErrUnsupported) {
		var sreq, rreq *mpi.Request
		if rreq, err = world.Irecv(mpi.Buf(got), prev, 3); err == nil {
			sreq, err = world.Isend(mpi.Buf([]int{10, 20}), next, 3)
		}
		if err == nil {
			err = mpi.WaitAll(sreq, rreq)
		}
	} else if err == nil {
		_, err = req.Wait()
	}
	fmt.Println(got, err)
	// Output: [10 20] <nil>
}

func ExampleComm_PsendInit() {
	// One message in 4 partitions, each filled by a goroutine of its own and
	// marked ready when done; the receiver may use each partition as it
	// arrives (Parrived). Here the rank sends to itself. (Not run on the
	// OpenMPI 4.1 the examples build with: it has no MPI-4, and PsendInit
	// is ErrUnsupported there.)
	world := mpi.World()
	me := world.Rank()
	const parts, each = 4, 1024
	out, in := make([]float64, parts*each), make([]float64, parts*each)
	send, err := world.PsendInit(mpi.Buf(out), parts, me, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer send.Free()
	recv, err := world.PrecvInit(mpi.Buf(in), parts, me, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer recv.Free()
	if err := mpi.StartAll(send, recv); err != nil {
		fmt.Println(err)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				out[p*each+i] = float64(p)
			}
			if err := send.Pready(p); err != nil { // partition p may go now
				fmt.Println(err)
			}
		}()
	}
	wg.Wait()
	if err := mpi.WaitAll(send, recv); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(in[0], in[each], in[2*each], in[3*each])
}

func ExampleSessionInit() {
	// A library's own communicator over every rank of the job, made from a
	// session, without World. (Not run on the OpenMPI 4.1 the examples
	// build with: it has no sessions, and SessionInit is ErrUnsupported.)
	s, err := mpi.SessionInit()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Finalize()
	g, err := s.Group("mpi://WORLD")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer g.Free()
	comm, err := mpi.CommCreateFromGroup(g, "example.com/mylib")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer comm.Free()
	fmt.Println("rank", comm.Rank(), "of", comm.Size())
}

func ExampleComm_Shrink() {
	// The recovery pattern of a fault-tolerant job (OpenMPI 5, mpiexec
	// --with-ft ulfm): a step that fails because a rank died revokes the
	// communicator, so every rank stops waiting, and goes on over the
	// survivors.
	comm := mpi.World()
	err := comm.Barrier() // a step of the computation
	if errors.Is(err, mpi.ErrProcFailed) || errors.Is(err, mpi.ErrRevoked) {
		comm.Revoke()
		if comm, err = comm.Shrink(); err != nil {
			panic(err)
		}
		// … restore the dead ranks' part from a checkpoint, redistribute …
	}
	// In a job without fault tolerance each of these calls says so.
	_, err = comm.Shrink()
	fmt.Println(mpi.FaultTolerant(), errors.Is(err, mpi.ErrUnsupported))
	// Output: false true
}
