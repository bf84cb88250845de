package main

import (
	"fmt"
	"syscall"
	"time"

	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

var idleCommand = &cli.Command{
	Name:  "idle",
	Usage: "how an idle rank waits: CPU used by rank 1 while it waits in Recv, and how late it wakes",
	Description: "Rank 0 sleeps --seconds, then sends; rank 1 waits in one Recv meanwhile and reports the CPU its\n" +
		"process used (getrusage) and the wake-up latency from the send to the end of its Recv (one machine,\n" +
		"one clock). The binding's wait policy comes from --wait (or MPIGO_WAIT): see mpi.WaitPolicy.\n" +
		"bench/c/idle.c is the same in C: make bench-idle runs both.",
	Flags: []cli.Flag{
		&cli.Float64Flag{Name: "seconds", Value: 10, Usage: "how long rank 1 waits"},
		&cli.StringFlag{Name: "wait", Usage: "wait policy, as MPIGO_WAIT: yield=D,sleep=D,nap=D or spin (default: the binding's)"},
	},
	Action: func(c *cli.Context) error {
		seconds := c.Float64("seconds")
		if seconds <= 0 || seconds > 3600 {
			return flagError(fmt.Errorf("--seconds %v: want more than 0, at most 3600", seconds))
		}
		policy := mpi.DefaultWaitPolicy
		if s := c.String("wait"); s != "" {
			p, err := mpi.ParseWaitPolicy(s)
			if err != nil {
				return flagError(fmt.Errorf("--wait: %w", err))
			}
			policy = p
		}
		runJob(mpi.ThreadMultiple, func(world *mpi.Comm) error {
			if world.Size() < 2 {
				return jobError{fmt.Errorf("idle needs 2 ranks, the job has %d", world.Size())}
			}
			mpi.SetWaitPolicy(policy)
			if err := world.Barrier(); err != nil {
				return err
			}
			switch world.Rank() {
			case 0:
				time.Sleep(time.Duration(seconds * float64(time.Second)))
				t := time.Now().UnixNano() // one clock for both ranks (MPI_Wtime's base is per process)
				return world.Send(mpi.One(&t), 1, 0)
			case 1:
				var sent int64
				c0, w0 := cpuSeconds(), time.Now()
				if _, err := world.Recv(mpi.One(&sent), 0, 0); err != nil {
					return err
				}
				now := time.Now()
				waited := now.Sub(w0).Seconds()
				fmt.Printf("mpigo-idle seconds=%.1f cpu_pct=%.1f wake_us=%.1f policy=%v\n", waited, 100*(cpuSeconds()-c0)/waited, float64(now.UnixNano()-sent)/1e3, policy)
			}
			return nil
		})
		return nil
	},
}

// cpuSeconds is the CPU time (user and system) this process has used.
func cpuSeconds() float64 {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return float64(u.Utime.Sec+u.Stime.Sec) + float64(u.Utime.Usec+u.Stime.Usec)*1e-6
}
