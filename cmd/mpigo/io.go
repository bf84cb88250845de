package main

import (
	"fmt"
	"os"

	"github.com/mpigo/mpigo/bench"
	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

var ioCommand = &cli.Command{
	Name:  "io",
	Usage: "collective write bandwidth: every rank writes its block of one file (MPI_File_write_at_all)",
	Description: "Every rank writes --size bytes at offset rank×size of one file in FILE's directory (deleted on\n" +
		"close) in one collective call, --iters times after one untimed write (with --sync, File.Sync after each);\n" +
		"the time is the slowest rank's. Prints \"mpigo write-all SIZE MB/s\". bench/c/io.c is the same in C:\n" +
		"make bench-io.",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "file", Value: os.TempDir() + "/mpigo-io.bench", Usage: "the file (every rank must see it)"},
		&cli.IntFlag{Name: "size", Value: 4 << 20, Usage: "bytes each rank writes per call"},
		&cli.IntFlag{Name: "iters", Value: 20, Usage: "timed writes"},
		&cli.BoolFlag{Name: "sync", Usage: "File.Sync (MPI_File_sync) after each write: the disk's bandwidth, not the page cache's"},
		&cli.BoolFlag{Name: "hugepages", Aliases: []string{"H"}, Usage: "the buffer on transparent huge pages (mpi.Alloc) instead of the Go heap"},
	},
	Action: func(c *cli.Context) error {
		size, iters, name := c.Int("size"), c.Int("iters"), c.String("file")
		if size < 1 || size > 1<<30 || iters < 1 {
			return flagError(fmt.Errorf("--size %d, --iters %d: want 1 B to 1 GiB and at least 1 write", size, iters))
		}
		if err := bench.CheckOutputPath(name); err != nil {
			return flagError(fmt.Errorf("--file: %w", err))
		}
		runJob(mpi.ThreadMultiple, func(world *mpi.Comm) error {
			return ioBench(world, name, size, iters, c.Bool("sync"), c.Bool("hugepages"))
		})
		return nil
	},
}

func ioBench(world *mpi.Comm, name string, size, iters int, sync, huge bool) error {
	buf := make([]byte, size)
	if huge {
		var err error
		if buf, err = mpi.Alloc[byte](size); err != nil {
			return err
		}
		defer mpi.Free(buf)
	}
	for i := range buf {
		buf[i] = byte('a' + world.Rank()%26)
	}
	f, err := mpi.OpenFile(world, name, os.O_CREATE|os.O_RDWR|mpi.ODeleteOnClose, nil)
	if err != nil {
		return err
	}
	defer f.Close()
	off := int64(world.Rank()) * int64(size)
	if _, err := f.WriteBufAtAll(mpi.Buf(buf), off); err != nil { // untimed
		return err
	}
	var t float64
	for range iters {
		if err := world.Barrier(); err != nil {
			return err
		}
		t0 := mpi.Wtime()
		if _, err := f.WriteBufAtAll(mpi.Buf(buf), off); err != nil {
			return err
		}
		if sync {
			if err := f.Sync(); err != nil {
				return err
			}
		}
		t += mpi.Wtime() - t0
	}
	var slowest float64
	if err := world.Reduce(mpi.One(&t), mpi.One(&slowest), mpi.Max, 0); err != nil {
		return err
	}
	if world.Rank() == 0 {
		fmt.Printf("mpigo write-all %d %.1f\n", size, float64(size)*float64(world.Size())*float64(iters)/slowest/1e6)
	}
	return nil
}
