// Package tsc reads the processor's time-stamp counter, a clock cheaper
// than the vDSO's (~7 ns against ~20 here), for the mpi package's traces.
// (In a package of its own: a cgo package may not hold Go assembly.)
package tsc
