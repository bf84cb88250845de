//go:build !mpich

package mpitest

import "regexp"

// launcher: OpenMPI's mpiexec, each output line tagged "[job,rank]<stdout>:".
var launcher = launcherSpec{"mpiexec", []string{"--tag-output"}, regexp.MustCompile(`(?m)^\[\d+,(\d+)\]<stdout>:--- PASS`), 1}
