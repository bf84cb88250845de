package mpi_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mpigo/mpigo/internal/mpitest"
)

// Built without cgo, the package's first error says what it needs
// (a_needs_cgo.go), not "undefined: commHandle".
func TestBuildWithoutCgoSaysWhy(t *testing.T) {
	if mpitest.IsRank() {
		return
	}
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", os.DevNull, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("the package built without cgo")
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 || !strings.Contains(lines[1], "mpigo_needs_cgo_and_an_MPI_library") {
		t.Fatalf("the first error does not say that cgo is needed:\n%s", out)
	}
}
