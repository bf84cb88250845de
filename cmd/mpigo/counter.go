package main

import (
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/mpigo/mpigo/bench"
	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

var counterCommand = &cli.Command{
	Name:  "counter",
	Usage: "a dynamic work queue: ranks take task numbers from a shared counter (one-sided FetchAndOp), against a master and workers (point-to-point)",
	Description: "Every task is a fixed amount of arithmetic (--work iterations) whose result rank 0 checks: each task\n" +
		"done exactly once, the results' sum equal to a serial run's. As the heat demo, each row runs on the\n" +
		"first 1, 2, 4, … ranks of the job (the others sleep). With the counter every rank works, and takes its\n" +
		"next task from rank 0's window with MPI_Fetch_and_op; with the master, rank 0 only hands out tasks\n" +
		"(Recv of a request, Send of a number) and the others work. OpenMPI 4.1 makes windows across hosts only\n" +
		"below ThreadMultiple with --mca osc sm,pt2pt: run it there with --thread serialized.",
	Flags: []cli.Flag{
		&cli.IntFlag{Name: "tasks", Value: 4000, Usage: "tasks to do"},
		&cli.IntFlag{Name: "work", Value: 20000, Usage: "iterations of arithmetic a task (20000: ~20 µs here)"},
		threadFlag,
	},
	Action: func(c *cli.Context) error {
		tasks, work := c.Int("tasks"), c.Int("work")
		if tasks < 1 || tasks > 1<<24 {
			return flagError(fmt.Errorf("--tasks %d: want 1 to %d", tasks, 1<<24))
		}
		if work < 0 || work > 1<<30 {
			return flagError(fmt.Errorf("--work %d: want 0 to %d", work, 1<<30))
		}
		level, err := threadLevel(c)
		if err != nil {
			return flagError(err)
		}
		runJob(level, func(world *mpi.Comm) error { return runCounter(world, tasks, work) })
		return nil
	},
}

// task is task i's work: an LCG run for work steps; its result depends on i.
func task(i, work int) uint64 {
	x := uint64(i)*0x9e3779b97f4a7c15 + 1
	for range work {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x >> 11
}

// done is what a rank did: the tasks it took and the sum of their results.
type done struct {
	Tasks []int64
	Sum   uint64
}

func runCounter(world *mpi.Comm, tasks, work int) error {
	var want uint64
	if world.Rank() == 0 {
		t0 := time.Now()
		for i := range tasks {
			want += task(i, work)
		}
		serial := float64(tasks) / time.Since(t0).Seconds()
		fmt.Printf("# work queue: %d tasks of %d iterations; %d ranks (rank 0 may use %d cores), thread level %v\n", tasks, work, world.Size(), runtime.NumCPU(), mpi.Provided())
		fmt.Printf("# counter: every rank takes tasks with FetchAndOp on rank 0's window; master: rank 0 hands them out by Send/Recv\n")
		fmt.Printf("# tasks/s: the slowest rank's, median of 3 runs; speed-up against 1 rank with the same queue\n")
		fmt.Printf("%5s  %-8s %12s %9s  %s\n", "ranks", "queue", "tasks/s", "speed-up", "check")
		fmt.Printf("%5s  %-8s %12.0f %9s  %s\n", "-", "serial", serial, "", "(no MPI)")
	}
	base := map[string]float64{}
	for _, k := range scalingSizes(world.Size(), true) {
		for _, queue := range []string{"counter", "master"} {
			if _, err := onFirst(world, k, func(sub *mpi.Comm) error {
				return queueOn(sub, queue, tasks, work, want, base)
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

// queueOn runs every task once over comm, the counter or the master way,
// and prints the row at its rank 0.
func queueOn(comm *mpi.Comm, queue string, tasks, work int, want uint64, base map[string]float64) error {
	// Three runs, the median reported: the first pays one-time costs (the
	// first window's set-up, first messages), which inflated a 2-rank
	// speed-up to 3.8 on 2 cores when a row was one run.
	var mine done
	var times []float64
	for range 3 {
		if err := comm.Barrier(); err != nil {
			return err
		}
		t0 := mpi.Wtime()
		var err error
		if queue == "counter" {
			mine, err = byCounter(comm, tasks, work)
		} else {
			mine, err = byMaster(comm, tasks, work)
		}
		if err != nil {
			return err
		}
		elapsed, slowest := mpi.Wtime()-t0, 0.0
		if err := comm.Allreduce(mpi.One(&elapsed), mpi.One(&slowest), mpi.Max); err != nil {
			return err
		}
		times = append(times, slowest)
	}
	slowest := bench.Summarize(times).Median
	all, err := mpi.GatherValues(comm, mine, 0)
	if err != nil || comm.Rank() != 0 {
		return err
	}
	var taken []int64
	var sum uint64
	for _, d := range all {
		taken = append(taken, d.Tasks...)
		sum += d.Sum
	}
	slices.Sort(taken)
	check := "each task once"
	for i, t := range taken {
		if t != int64(i) {
			check = fmt.Sprintf("WRONG: task %d taken at place %d", t, i)
			break
		}
	}
	if len(taken) != tasks {
		check = fmt.Sprintf("WRONG: %d tasks done of %d", len(taken), tasks)
	} else if sum != want {
		check = "WRONG: the results' sum differs from the serial one"
	}
	rate := float64(tasks) / slowest
	if comm.Size() == 1 {
		base[queue] = rate
	}
	speedup := "-"
	if b := base[queue]; b > 0 {
		speedup = fmt.Sprintf("%.2f", rate/b)
	}
	fmt.Printf("%5d  %-8s %12.0f %9s  %s\n", comm.Size(), queue, rate, speedup, check)
	if check != "each task once" {
		return fmt.Errorf("counter: %s", check)
	}
	return nil
}

// byCounter: every rank takes task numbers from a counter in rank 0's
// window (FetchAndOp, then Flush to have the number) until they run out.
func byCounter(comm *mpi.Comm, tasks, work int) (done, error) {
	var d done
	win, counter, err := mpi.WinAllocate[int64](comm, 1)
	if err != nil {
		return d, err
	}
	counter[0] = 0
	if err := comm.Barrier(); err != nil { // the counter is 0 before anyone takes
		win.Free()
		return d, err
	}
	if err := win.LockAll(); err != nil {
		win.Free()
		return d, err
	}
	for {
		one, next := int64(1), int64(0)
		if err := win.FetchAndOp(mpi.One(&one), mpi.One(&next), 0, 0, mpi.Sum); err != nil {
			return d, err
		}
		if err := win.Flush(0); err != nil {
			return d, err
		}
		if next >= int64(tasks) {
			break
		}
		d.Tasks = append(d.Tasks, next)
		d.Sum += task(int(next), work)
	}
	if err := win.UnlockAll(); err != nil {
		return d, err
	}
	return d, win.Free()
}

// byMaster: rank 0 answers each worker's request with a task number, or -1
// once they run out; with one rank it does every task itself.
func byMaster(comm *mpi.Comm, tasks, work int) (done, error) {
	var d done
	const tagAsk, tagTask = 1, 2
	p := comm.Size()
	if p == 1 {
		for i := range tasks {
			d.Tasks = append(d.Tasks, int64(i))
			d.Sum += task(i, work)
		}
		return d, nil
	}
	if comm.Rank() == 0 {
		next, finished := int64(0), 0
		for finished < p-1 {
			var ask int64
			st, err := comm.Recv(mpi.One(&ask), mpi.AnySource, tagAsk)
			if err != nil {
				return d, err
			}
			give := int64(-1)
			if next < int64(tasks) {
				give, next = next, next+1
			} else {
				finished++
			}
			if err := comm.Send(mpi.One(&give), st.Source, tagTask); err != nil {
				return d, err
			}
		}
		return d, nil
	}
	for {
		ask, got := int64(0), int64(0)
		if _, err := comm.Sendrecv(mpi.One(&ask), 0, tagAsk, mpi.One(&got), 0, tagTask); err != nil {
			return d, err
		}
		if got < 0 {
			return d, nil
		}
		d.Tasks = append(d.Tasks, got)
		d.Sum += task(int(got), work)
	}
}
