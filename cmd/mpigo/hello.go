package main

import (
	"fmt"
	"strings"

	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

var helloCommand = &cli.Command{
	Name:  "hello",
	Usage: "every rank reports itself; rank 0 prints them in rank order",
	Action: func(*cli.Context) error {
		mpi.Run(func(world *mpi.Comm) error {
			host, err := mpi.ProcessorName()
			if err != nil {
				return err
			}
			line := fmt.Sprintf("hello from rank %d of %d on %s (thread level %v)",
				world.Rank(), world.Size(), host, mpi.Provided())
			lines, err := mpi.GatherValues(world, line, 0)
			if err != nil {
				return err
			}
			if world.Rank() == 0 {
				fmt.Println(strings.Join(lines, "\n"))
			}
			return nil
		})
		return nil
	},
}

var versionCommand = &cli.Command{
	Name:  "version",
	Usage: "print the MPI library this binary runs on",
	Action: func(*cli.Context) error {
		mpi.Run(func(world *mpi.Comm) error {
			v, err := mpi.LibraryVersion()
			if err != nil {
				return err
			}
			if world.Rank() == 0 {
				first, _, _ := strings.Cut(v, "\n")
				fmt.Println(strings.TrimSpace(first))
			}
			return nil
		})
		return nil
	},
}
