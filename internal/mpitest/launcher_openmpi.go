//go:build !mpich

package mpitest

import (
	"regexp"
	"time"
)

// launcher: OpenMPI's mpiexec, each output line tagged "[job,rank]<stdout>:".
var launcher = struct {
	command  string
	tagArgs  []string
	passLine *regexp.Regexp // a rank's report of a passed test; group 1 is the rank
	crowded  time.Duration  // a job's timeout multiplies by this when the ranks outnumber the cores
}{"mpiexec", []string{"--tag-output"}, regexp.MustCompile(`(?m)^\[\d+,(\d+)\]<stdout>:--- PASS`), 1}
