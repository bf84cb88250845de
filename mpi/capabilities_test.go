package mpi_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestCapabilityTable keeps doc/capabilities.md true: every name its Go
// column lists is a function, type, constant, variable or method of package
// mpi, every row's state is complete, partial or missing, and a complete
// or partial row names something.
func TestCapabilityTable(t *testing.T) {
	names := exportedNames(t)
	table, err := os.ReadFile("../doc/capabilities.md")
	if err != nil {
		t.Fatal(err)
	}
	ident := regexp.MustCompile("`([A-Z][A-Za-z0-9]*(?:\\.[A-Z][A-Za-z0-9]*)?)`")
	rows, states := 0, map[string]int{}
	for line := range strings.SplitSeq(string(table), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 7 || strings.TrimSpace(cells[1]) == "chapter" || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") {
			continue
		}
		rows++
		state, goCol := strings.TrimSpace(cells[3]), cells[4]
		states[state]++
		listed := ident.FindAllStringSubmatch(goCol, -1)
		switch state {
		case "complete", "partial":
			if len(listed) == 0 && !strings.Contains(cells[5], "package ") {
				t.Errorf("%s / %s is %s but lists nothing", cells[1], cells[2], state)
			}
		case "missing":
		default:
			t.Errorf("%s / %s: state %q, want complete, partial or missing", cells[1], cells[2], state)
		}
		for _, m := range listed {
			if !names[m[1]] {
				t.Errorf("%s / %s lists %s, which package mpi does not have", cells[1], cells[2], m[1])
			}
		}
	}
	if rows < 40 {
		t.Errorf("%d rows read from doc/capabilities.md; want the whole table", rows)
	}
	// The README's summary of the table.
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("complete (%d of %d rows),\n  partial (%d) and missing (%d)", states["complete"], rows, states["partial"], states["missing"])
	if !strings.Contains(string(readme), want) {
		t.Errorf("README.md does not summarize doc/capabilities.md as it is: want %q", want)
	}
}

// exportedNames is package mpi's exported top-level names and methods
// (as Type.Method), read from its source.
func exportedNames(t *testing.T) map[string]bool {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range pkgs["mpi"].Files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					names[d.Name.Name] = true
					continue
				}
				rt := d.Recv.List[0].Type
				if s, ok := rt.(*ast.StarExpr); ok {
					rt = s.X
				}
				if id, ok := rt.(*ast.Ident); ok {
					names[id.Name+"."+d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						names[s.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range s.Names {
							names[n.Name] = true
						}
					}
				}
			}
		}
	}
	return names
}
