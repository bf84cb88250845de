package main

import (
	"fmt"

	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

// rmaWindow is the number of gets in flight per get-bw sample, as osu_get_bw's.
const rmaWindow = 64

var rmaCommand = &cli.Command{
	Name:  "rma",
	Usage: "one-sided latency and bandwidth, OSU's method: Put + Flush (put-latency) and 64 Gets + Flush (get-bw)",
	Description: "A window of WinAllocate memory; rank 0 locks rank 1's once and puts (or gets) --size bytes, with a\n" +
		"Flush each time, --iters times after --warm untimed rounds; rank 1 waits in a barrier. Prints\n" +
		"\"mpigo BENCH SIZE VALUE\" (µs a put, MB/s of gets). bench/c/rma.c is the same in C: make bench-rma.",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "bench", Value: "put-latency", Usage: "put-latency or get-bw"},
		&cli.IntFlag{Name: "size", Value: 8, Usage: "bytes a put or get"},
		&cli.IntFlag{Name: "iters", Value: 10000, Usage: "timed rounds"},
		&cli.IntFlag{Name: "warm", Value: 100, Usage: "untimed rounds first"},
	},
	Action: func(c *cli.Context) error {
		bench, size, iters, warm := c.String("bench"), c.Int("size"), c.Int("iters"), c.Int("warm")
		if bench != "put-latency" && bench != "get-bw" {
			return flagError(fmt.Errorf("--bench %q: want put-latency or get-bw", bench))
		}
		if size < 1 || size > 1<<24 || iters < 1 || warm < 0 {
			return flagError(fmt.Errorf("--size %d, --iters %d, --warm %d: want 1 B to 16 MiB, at least 1 round, warm 0 or more", size, iters, warm))
		}
		runJob(mpi.ThreadMultiple, func(world *mpi.Comm) error {
			if world.Size() < 2 {
				return jobError{fmt.Errorf("rma needs 2 ranks, the job has %d", world.Size())}
			}
			return rmaBench(world, bench, size, iters, warm)
		})
		return nil
	},
}

func rmaBench(world *mpi.Comm, bench string, size, iters, warm int) error {
	bw := bench == "get-bw"
	span := size
	if bw {
		span = size * rmaWindow
	}
	local := make([]byte, span)
	for i := range local {
		local[i] = byte(world.Rank() + 1) // written before timing
	}
	win, mem, err := mpi.WinAllocate[byte](world, span)
	if err != nil {
		return err
	}
	for i := range mem {
		mem[i] = 7
	}
	if err := world.Barrier(); err != nil {
		return err
	}
	if world.Rank() == 0 {
		if err := win.Lock(1, false); err != nil {
			return err
		}
		var t0 float64
		for i := range warm + iters {
			if i == warm {
				t0 = mpi.Wtime()
			}
			if bw {
				for j := range rmaWindow {
					if err := win.Get(mpi.Buf(local[j*size:(j+1)*size]), 1, j*size); err != nil {
						return err
					}
				}
			} else if err := win.Put(mpi.Buf(local), 1, 0); err != nil {
				return err
			}
			if err := win.Flush(1); err != nil {
				return err
			}
		}
		t := mpi.Wtime() - t0
		if err := win.Unlock(1); err != nil {
			return err
		}
		if bw {
			fmt.Printf("mpigo %s %d %.2f\n", bench, size, float64(size*rmaWindow*iters)/t/1e6)
		} else {
			fmt.Printf("mpigo %s %d %.3f\n", bench, size, t/float64(iters)*1e6)
		}
	}
	if err := world.Barrier(); err != nil {
		return err
	}
	return win.Free()
}
