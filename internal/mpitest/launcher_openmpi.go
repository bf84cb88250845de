//go:build !mpich

package mpitest

import (
	"fmt"
	"regexp"
)

// launcher: OpenMPI's mpiexec, each output line tagged "[job,rank]<stdout>:"
// (OpenMPI 5's PRRTE adds a space after the colon); the job started is job 1
// (jobs it spawns are 2, 3, …: their ranks' passes are not the launched ranks').
var launcher = launcherSpec{"mpiexec", []string{"--tag-output"}, regexp.MustCompile(`(?m)^\[1,(\d+)\]<stdout>: *--- PASS`), 1}

// OpenMPI reports whether the tests run on OpenMPI (the default build).
func OpenMPI() bool { return true }

// RankLine is a regular expression for the start of a line of rank r's
// standard error in a job's output.
func RankLine(r int) string { return fmt.Sprintf(`(?m)^\[1,%d\]<stderr>: ?`, r) }
