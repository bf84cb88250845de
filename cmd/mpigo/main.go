// Command mpigo holds mpigo's demos and benchmarks, each run as the ranks
// of an MPI job:
//
//	mpiexec -n 4 mpigo hello
//	mpiexec -n 2 mpigo pingpong --sizes 1,1024,65536
//
// Run "mpigo help" for the list.
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	app := &cli.App{
		Name:  "mpigo",
		Usage: "demos and benchmarks of the mpigo MPI runtime (run under mpiexec)",
		Commands: []*cli.Command{
			helloCommand,
			pingpongCommand,
			broadcastCommand,
			allreduceCommand,
			benchCommand,
			chatCommand,
			heatCommand,
			idleCommand,
			counterCommand,
			rmaCommand,
			ioCommand,
			mandelCommand,
			modesCommand,
			traceCommand,
			versionCommand,
		},
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "mpigo:", err)
		os.Exit(1)
	}
}
