package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mpigo/mpigo/collectives"
)

// chainOverlay is the reports of a chain 0→1→2→3 over hosts 0,0,1,1, plus a
// redundant 0→3.
func chainOverlay() overlay {
	reps := []collectives.Report{
		{Sent: map[int]int{1: 8, 3: 8}, From: -1},
		{Sent: map[int]int{2: 8}, From: 0},
		{Sent: map[int]int{3: 8}, From: 1},
		{From: 2},
	}
	return overlay{algo: "chain", reps: reps, hosts: []int{0, 0, 1, 1}, root: 0}
}

func TestOverlayLevelsAndEdges(t *testing.T) {
	o := chainOverlay()
	if lv := o.levels(); !slices.Equal(lv, []int{0, 1, 2, 3}) {
		t.Fatalf("levels %v, want 0 1 2 3", lv)
	}
	want := []edge{{0, 1, true}, {0, 3, false}, {1, 2, true}, {2, 3, true}}
	if es := o.edges(); !slices.Equal(es, want) {
		t.Fatalf("edges %v, want %v", es, want)
	}
}

func TestDotAndPNG(t *testing.T) {
	dir := t.TempDir()
	dot, pic := filepath.Join(dir, "t.dot"), filepath.Join(dir, "t.png")
	runs := []overlay{chainOverlay()}
	if err := writeDot(dot, runs); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(dot)
	s := string(b)
	for _, want := range []string{"digraph broadcast {", `label="chain"`, `label="host 0"`, `label="host 1"`,
		"a0_r0 [label=\"0\", style=filled, fillcolor=gold]", "a0_r1 -> a0_r2 [color=red, penwidth=2]",
		"a0_r0 -> a0_r3 [color=red, penwidth=2, style=dashed]", "a0_r0 -> a0_r1 [];"} {
		if !strings.Contains(s, want) {
			t.Errorf("dot lacks %q:\n%s", want, s)
		}
	}
	if strings.Count(s, "{") != strings.Count(s, "}") {
		t.Errorf("unbalanced braces:\n%s", s)
	}
	if err := drawTrees(pic, runs); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(pic)
	if img, err := png.Decode(bytes.NewReader(b)); err != nil || img.Bounds().Dx() < 500 {
		t.Fatalf("png: %v", err)
	}
	if err := checkPNG(filepath.Join(dir, "t.jpg")); err == nil {
		t.Error("checkPNG accepted a .jpg")
	}
	if err := checkPNG(filepath.Join(dir, "no", "t.png")); err == nil {
		t.Error("checkPNG accepted a missing directory")
	}
}
