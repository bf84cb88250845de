//go:build mpich

package mpitest

import "regexp"

// launcher: MPICH's hydra (mpiexec.mpich, never the alternatives link, which
// may point at OpenMPI), each output line prefixed "[rank] ".
var launcher = struct {
	command  string
	tagArgs  []string
	passLine *regexp.Regexp // a rank's report of a passed test; group 1 is the rank
}{"mpiexec.mpich", []string{"-prepend-rank"}, regexp.MustCompile(`(?m)^\[(\d+)\] --- PASS`)}
