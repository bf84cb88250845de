//go:build mpich

package mpitest

import (
	"fmt"
	"regexp"
)

// launcher: MPICH's hydra (mpiexec.mpich, never the alternatives link, which
// may point at OpenMPI), each output line prefixed "[rank] ". MPICH's own
// waits (its blocking collectives) never yield the core, so with more ranks
// than cores a job runs several times slower: TestReductions with 4 ranks on
// 2 cores took 21–60 s (OpenMPI: 2 s); its jobs get three times as long.
var launcher = launcherSpec{"mpiexec.mpich", []string{"-prepend-rank"}, regexp.MustCompile(`(?m)^\[(\d+)\] --- PASS`), 3}

// OpenMPI reports whether the tests run on OpenMPI (false: MPICH).
func OpenMPI() bool { return false }

// RankLine is a regular expression for the start of a line of rank r's
// standard error in a job's output (hydra tags both streams alike).
func RankLine(r int) string { return fmt.Sprintf(`(?m)^\[%d\] `, r) }
