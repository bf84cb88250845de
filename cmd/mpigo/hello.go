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
			v, err := libraryLine()
			if err == nil && world.Rank() == 0 {
				fmt.Println(v)
			}
			return err
		})
		return nil
	},
}

// libraryLine is the first line of the MPI library's version string (MPICH's
// runs to several lines).
func libraryLine() (string, error) {
	v, err := mpi.LibraryVersion()
	first, _, _ := strings.Cut(v, "\n")
	return strings.TrimSpace(first), err
}
