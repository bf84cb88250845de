package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedUpToDate fails when calls.tab and the files generated from
// it differ: run go generate in mpi/ and commit both.
func TestGeneratedUpToDate(t *testing.T) {
	files, err := generate("../..")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("../..", name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is out of date: run go generate in mpi/", name)
		}
	}
	old, _ := filepath.Glob("../../zraw_*.go")
	for _, p := range old {
		if _, ok := files[filepath.Base(p)]; !ok {
			t.Errorf("%s is generated from no chapter of calls.tab: remove it (go generate does)", p)
		}
	}
}

// TestTableErrors checks that the generator refuses what it cannot
// translate, naming the line, rather than writing wrong code.
func TestTableErrors(t *testing.T) {
	for _, tc := range []struct{ table, want string }{
		{"ctl int MPI_X(int a)\n", "before the first chapter"},
		{"chapter p2p\nctl int MPI_X(struct foo *a)\n", "cannot read parameter"},
		{"chapter p2p\nctl int MPI_X(MPI_Errhandler h)\n", "no Go form"},
		{"chapter p2p\ncoll X MPI_X(bogus)\n", "no operand"},
		{"chapter p2p\ndirect X MPI_X(buf)\ndirect X MPI_Y(buf)\n", "named on line 2"},
		{"chapter p2p\nenum T int A MPI_A windows\n", "unknown condition"},
		{"chapter p2p\nfoo X\n", "unknown kind"},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "calls.tab"), []byte(tc.table), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := generate(dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("table %q: got %v, want an error saying %q", tc.table, err, tc.want)
		}
	}
}

// TestCtlParams checks the Go form of each kind of C parameter.
func TestCtlParams(t *testing.T) {
	for _, tc := range []struct{ c, decl, arg string }{
		{"int count", "count int", "C.int(count)"},
		{"bool reorder", "reorder bool", "cbool(reorder)"},
		{"int *rank", "rank *int", "&rank_"},
		{"const int ranks[]", "ranks []int", "cptr(ranks_)"},
		{"MPI_Comm comm", "comm commHandle", "C.mpigo_to_comm(comm)"},
		{"MPI_Comm *newcomm", "newcomm *commHandle", "&newcomm_"},
		{"const char *name", "name string", "name_"},
		{"MPI_Aint disp", "disp int64", "C.MPI_Aint(disp)"},
		{"MPI_Info info=MPI_INFO_NULL", "", "C.MPI_INFO_NULL"},
		{"int order=MPI_ORDER_C", "", "C.int(C.MPI_ORDER_C)"},
		{"void **base", "base *unsafe.Pointer", "unsafe.Pointer(&base_)"},
	} {
		p, err := ctlParam(tc.c)
		if err != nil || p.goDecl != tc.decl || p.arg != tc.arg {
			t.Errorf("%q: got (%q, %q, %v), want (%q, %q)", tc.c, p.goDecl, p.arg, err, tc.decl, tc.arg)
		}
	}
}
