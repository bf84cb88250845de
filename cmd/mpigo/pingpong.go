package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

var pingpongCommand = &cli.Command{
	Name:  "pingpong",
	Usage: "ping-pong latency (and --bw bandwidth) between rank pairs 0↔1, 2↔3, …",
	Description: "OSU method: warm-up excluded, separate send and receive buffers written before timing,\n" +
		"10000 iterations up to 8 KiB and 1000 above (--iters overrides). Rank 0 prints a table: per size\n" +
		"the one-way latency of pair 0 in µs (with --bw: MB/s through windows of 64 nonblocking sends;\n" +
		"with --goroutines: µs per message over all goroutines, and each goroutine's one-way latency).",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "sizes", Value: "1,1024,65536", Usage: "message sizes in bytes, comma-separated"},
		&cli.IntFlag{Name: "iters", Usage: "iterations per size (default: by size)"},
		&cli.BoolFlag{Name: "bw", Usage: "measure bandwidth (osu_bw) instead of latency"},
		&cli.IntFlag{Name: "goroutines", Usage: "ping-pong from this many goroutines per rank at once (blocking calls, one tag each)"},
		threadFlag,
	},
	Action: func(c *cli.Context) error {
		sizes, err := parseSizes(c.String("sizes"))
		if err != nil {
			return flagError(fmt.Errorf("--sizes: %w", err))
		}
		if n := c.Int("iters"); n < 0 {
			return flagError(fmt.Errorf("--iters %d: want 1 or more (0: by size)", n))
		}
		if n := c.Int("goroutines"); n < 0 || n > 10000 {
			return flagError(fmt.Errorf("--goroutines %d: want 0 to 10000", n))
		}
		level, err := threadLevel(c)
		if err != nil {
			return flagError(err)
		}
		runJob(level, func(world *mpi.Comm) error {
			if world.Size() < 2 {
				return jobError{fmt.Errorf("pingpong needs at least 2 ranks, the job has %d", world.Size())}
			}
			if world.Rank() == 0 {
				pairs := "rank pairs 0↔1, 2↔3, … at once; pair 0's numbers"
				switch {
				case c.Int("goroutines") > 0:
					fmt.Printf("# %d goroutines per rank ping-pong at once between ranks 0 and 1, thread level %v\n", c.Int("goroutines"), mpi.Provided())
					fmt.Printf("#%9s %12s %12s %10s\n", "size", "µs/message", "one-way µs", "iterations")
				case c.Bool("bw"):
					fmt.Printf("# osu_bw: windows of 64 nonblocking sends from rank 0 to rank 1, each acknowledged; thread level %v\n", mpi.Provided())
					fmt.Printf("#%9s %12s %10s\n", "size", "MB/s", "windows")
				default:
					fmt.Printf("# ping-pong: %d ranks, %s; thread level %v\n", world.Size(), pairs, mpi.Provided())
					fmt.Printf("#%9s %12s %10s\n", "size", "one-way µs", "iterations")
				}
			}
			for _, size := range sizes {
				if g := c.Int("goroutines"); g > 0 {
					if err := concurrentPingpong(world, size, g, c.Int("iters")); err != nil {
						return err
					}
				} else if c.Bool("bw") {
					if err := bandwidth(world, size, c.Int("iters")); err != nil {
						return err
					}
				} else if err := pingpong(world, size, c.Int("iters")); err != nil {
					return err
				}
			}
			return nil
		})
		return nil
	},
}

// maxPingpongSize bounds a message of pingpong: each rank holds a send and
// a receive buffer of it.
const maxPingpongSize = 1 << 30

func parseSizes(s string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad size %q", f)
		}
		if n > maxPingpongSize {
			return nil, fmt.Errorf("size %d: at most %d bytes (1 GiB)", n, maxPingpongSize)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

func iterations(size, override int) int {
	switch {
	case override > 0:
		return override
	case size <= 8192:
		return 10000
	}
	return 1000
}

// buffers returns separate send and receive buffers, both written, so that
// no page is the shared zero page when timing starts.
func buffers(size int) ([]byte, []byte) {
	send, recv := make([]byte, size), make([]byte, size)
	for i := range send {
		send[i], recv[i] = 'a', 'b'
	}
	return send, recv
}

// pingpong times size-byte round trips between rank pairs (2k, 2k+1) and
// prints the one-way latency of pair 0.
func pingpong(world *mpi.Comm, size, override int) error {
	r := world.Rank()
	peer := r ^ 1
	if peer >= world.Size() {
		peer = mpi.ProcNull // an odd rank out
	}
	send, recv := buffers(size)
	sb, rb := mpi.Buf(send), mpi.Buf(recv)
	iters := iterations(size, override)
	warm := iters/10 + 1
	var t0 float64
	for k := range iters + warm {
		if k == warm {
			if err := world.Barrier(); err != nil {
				return err
			}
			t0 = mpi.Wtime()
		}
		if r%2 == 0 {
			if err := world.Send(sb, peer, 1); err != nil {
				return err
			}
			if _, err := world.Recv(rb, peer, 1); err != nil {
				return err
			}
		} else {
			if _, err := world.Recv(rb, peer, 1); err != nil {
				return err
			}
			if err := world.Send(sb, peer, 1); err != nil {
				return err
			}
		}
	}
	us := (mpi.Wtime() - t0) * 1e6 / float64(2*iters)
	if r == 0 {
		fmt.Printf("%10d %12.3f %10d\n", size, us, iters)
	}
	return nil
}

// bandwidth is osu_bw: rank 0 posts a window of 64 nonblocking sends, rank
// 1 as many receives, then a short acknowledgement, repeated.
func bandwidth(world *mpi.Comm, size, override int) error {
	const window = 64
	r := world.Rank()
	if r > 1 {
		return world.Barrier()
	}
	send, recv := buffers(size)
	ack := make([]byte, 4)
	iters := iterations(size, override)/10 + 10
	reqs := make([]*mpi.Request, window)
	var t0 float64
	for k := range iters + 2 {
		if k == 2 {
			t0 = mpi.Wtime()
		}
		var err error
		for w := range reqs {
			if r == 0 {
				reqs[w], err = world.Isend(mpi.Buf(send), 1, 100)
			} else {
				reqs[w], err = world.Irecv(mpi.Buf(recv), 0, 100)
			}
			if err != nil {
				return err
			}
		}
		if err := mpi.WaitAll(reqs...); err != nil {
			return err
		}
		if r == 0 {
			_, err = world.Recv(mpi.Buf(ack), 1, 101)
		} else {
			err = world.Send(mpi.Buf(ack), 0, 101)
		}
		if err != nil {
			return err
		}
	}
	s := mpi.Wtime() - t0
	if r == 0 {
		fmt.Printf("%10d %12.1f %10d\n", size, float64(size)*window*float64(iters)/s/1e6, iters)
	}
	return world.Barrier()
}

// concurrentPingpong runs a ping-pong in each of g goroutines of ranks 0 and
// 1 at once, goroutine i of each rank with tag i, all with blocking calls, and
// prints the time per message (elapsed over all messages of rank 0) and the
// one-way latency each goroutine saw. A tenth as many round trips go first,
// untimed. Other ranks only join the barriers.
func concurrentPingpong(world *mpi.Comm, size, g, override int) error {
	r := world.Rank()
	iters := iterations(size, override) / 10
	phase := func(n int) error {
		if r > 1 {
			return nil
		}
		errs := make(chan error, g)
		for i := range g {
			go func() {
				send, recv := buffers(size)
				sb, rb := mpi.Buf(send), mpi.Buf(recv)
				for range n {
					var err error
					if r == 0 {
						if err = world.Send(sb, 1, i); err == nil {
							_, err = world.Recv(rb, 1, i)
						}
					} else if _, err = world.Recv(rb, 0, i); err == nil {
						err = world.Send(sb, 0, i)
					}
					if err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range g {
			if err := <-errs; err != nil {
				return err
			}
		}
		return nil
	}
	if err := phase(max(iters/10, 1)); err != nil {
		return err
	}
	if err := world.Barrier(); err != nil {
		return err
	}
	t0 := mpi.Wtime()
	if err := phase(iters); err != nil {
		return err
	}
	elapsed := (mpi.Wtime() - t0) * 1e6
	if r == 0 {
		fmt.Printf("%10d %12.3f %12.3f %10d\n", size, elapsed/float64(2*g*iters), elapsed/float64(2*iters), iters)
	}
	return world.Barrier()
}

// threadFlag is the --thread flag of the commands that measure.
var threadFlag = &cli.StringFlag{Name: "thread", Value: "multiple",
	Usage: "thread level to initialize MPI with (mpi.InitThread): single, funneled, serialized or multiple"}

func threadLevel(c *cli.Context) (mpi.ThreadLevel, error) {
	level, err := mpi.ParseThreadLevel(c.String("thread"))
	if err != nil {
		return 0, fmt.Errorf("--thread: %w", err)
	}
	return level, nil
}
