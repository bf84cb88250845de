package mpi_test

import (
	"testing"

	"github.com/mpigo/mpigo/mpi"
)

func BenchmarkTicks(b *testing.B) {
	var s int64
	for b.Loop() {
		s += mpi.Ticks()
	}
	if s == 0 {
		b.Fatal("no ticks")
	}
}
