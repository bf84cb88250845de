package bench

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	v := make([]float64, 100)
	for i := range v {
		v[99-i] = float64(i + 1) // unsorted on purpose
	}
	got := Summarize(v)
	want := Stats{N: 100, Mean: 50.5, Min: 1, Max: 100, Median: 50, P99: 99}
	if got != want {
		t.Fatalf("Summarize(1..100) = %+v, want %+v", got, want)
	}
	if v[0] != 100 {
		t.Fatal("Summarize sorted its argument")
	}
	if (Summarize(nil) != Stats{}) {
		t.Fatal("Summarize(nil) is not zero")
	}
}

func TestIterations(t *testing.T) {
	lat, _ := Lookup("latency")
	bw, _ := Lookup("bw")
	bc, _ := Lookup("bcast")
	for _, c := range []struct {
		b           Benchmark
		size        int
		scale       float64
		iters, warm int
	}{
		{lat, 8192, 1, 10000, 1000}, {lat, 8193, 1, 1000, 100},
		{bw, 1, 1, 100, 10}, {bw, 1 << 20, 1, 20, 2},
		{bc, 1, 1, 1000, 100}, {bc, 16 << 20, 1, 100, 10},
		{bc, 1, 0.5, 500, 50}, {lat, 1, 0.0001, 2, 1}, {bc, 1 << 20, 0.005, 2, 1},
	} {
		if i, w := Iterations(c.b, c.size, c.scale); i != c.iters || w != c.warm {
			t.Errorf("Iterations(%s, %d, %g) = %d, %d; want %d, %d", c.b.Name, c.size, c.scale, i, w, c.iters, c.warm)
		}
	}
	if got := PowersOfTwo(3, 40); !reflect.DeepEqual(got, []int{3, 6, 12, 24}) {
		t.Fatalf("PowersOfTwo(3, 40) = %v", got)
	}
}

func TestRawRoundTrip(t *testing.T) {
	in := []Series{
		{Impl: "c", Bench: "latency", Size: 1, Unit: Micros, Values: []float64{0.25, 0.5, 123456.5}},
		{Impl: "mpigo", Algo: "binomial", Bench: "bcast", Size: 1 << 20, Unit: Micros, Values: []float64{1e-3, 7}},
	}
	var buf bytes.Buffer
	WriteMeta(&buf, "library", "Open MPI v4.1.4\nsecond line")
	buf.WriteString("hello from a program that prints more\n")
	for _, s := range in {
		if err := s.WriteRaw(&buf); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	out, meta, err := ReadRaw(&buf, func(s Series) { seen = append(seen, s.Label()) })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("read back %+v, want %+v", out, in)
	}
	if meta["library"] != "Open MPI v4.1.4 second line" || !reflect.DeepEqual(seen, []string{"c", "mpigo/binomial"}) {
		t.Fatalf("meta %q, seen %v", meta, seen)
	}
	for _, bad := range []string{"sample c - latency 1 us", "sample c - latency -4 us 1", "sample c - latency 1 us 1 x"} {
		if _, _, err := ReadRaw(strings.NewReader(bad+"\n"), nil); err == nil {
			t.Errorf("ReadRaw(%q) accepted it", bad)
		}
	}
}

func series(impl, algo, bench string, size int, unit string, v ...float64) Series {
	return Series{Impl: impl, Algo: algo, Bench: bench, Size: size, Unit: unit, Values: v}
}

func TestAggregate(t *testing.T) {
	rounds := [][]Series{
		{series("c", "", "latency", 1, Micros, 1, 1, 1), series("mpigo", "", "latency", 1, Micros, 2, 2, 2),
			series("mpigo", "ring", "allreduce", 8, Micros, 5),
			series("c-single", "", "latency", 1, Micros, 0.5), series("gompi", "", "latency", 1, Micros, 1.5)},
		{series("mpigo", "", "latency", 1, Micros, 2, 2, 2), series("c", "", "latency", 1, Micros, 2, 2, 2),
			series("gompi", "", "latency", 1, Micros, 1.5)},
		{series("c", "", "latency", 1, Micros, 3, 3, 30), series("mpigo", "", "latency", 1, Micros, 9, 9, 9)},
	}
	rs := Aggregate(rounds, func(impl string) string {
		if impl == "gompi" {
			return "c-single"
		}
		return "c"
	})
	var labels []string
	for _, r := range rs {
		labels = append(labels, r.Label())
	}
	if got := strings.Join(labels, " "); got != "c c-single mpigo gompi mpigo/ring" {
		t.Fatalf("results in order %q, want c c-single mpigo gompi mpigo/ring", got)
	}
	c, single, mpigo, gompi, ring := rs[0], rs[1], rs[2], rs[3], rs[4]
	// Per round, mpigo/c = 2, 1, 3: the median ratio is 2, though the ratio
	// of the medians over rounds (2/2) is 1.
	if mpigo.Ratio != 2 || mpigo.Median != 2 || mpigo.Rounds != 3 || mpigo.Ref != "c" {
		t.Fatalf("mpigo: %+v", mpigo)
	}
	if c.Ratio != 1 || c.Max != 2 || c.Mean != 2 || c.Min != 2 {
		t.Fatalf("c: %+v (max: median of 1, 2 and 30)", c)
	}
	if ring.Ratio != 0 || ring.Rounds != 1 || ring.Median != 5 {
		t.Fatalf("a result C has no counterpart for: %+v", ring)
	}
	// gompi is compared with c-single, and only in the round that ran it.
	if gompi.Ratio != 3 || gompi.Ref != "c-single" || gompi.Rounds != 2 || single.Ratio != 0.5 || single.Ref != "c" {
		t.Fatalf("gompi: %+v; c-single: %+v; want ratios 3 to c-single and 0.5 to c", gompi, single)
	}
}

func TestCompare(t *testing.T) {
	old := []Result{
		{Impl: "mpigo", Bench: "latency", Size: 1, Unit: Micros, Stats: Stats{Median: 1}},
		{Impl: "mpigo", Bench: "bw", Size: 1, Unit: MBPerSec, Stats: Stats{Median: 100}},
		{Impl: "mpigo", Bench: "bw", Size: 2, Unit: MBPerSec, Stats: Stats{Median: 100}},
		{Impl: "c", Bench: "latency", Size: 1, Unit: Micros, Stats: Stats{Median: 1}},
	}
	cur := []Result{
		{Impl: "mpigo", Bench: "latency", Size: 1, Unit: Micros, Stats: Stats{Median: 1.5}}, // slower
		{Impl: "mpigo", Bench: "bw", Size: 1, Unit: MBPerSec, Stats: Stats{Median: 50}},     // slower
		{Impl: "mpigo", Bench: "bw", Size: 2, Unit: MBPerSec, Stats: Stats{Median: 300}},    // faster
		{Impl: "gompi", Bench: "latency", Size: 1, Unit: Micros, Stats: Stats{Median: 9}},   // not in old
	}
	cs := Compare(old, cur)
	if len(cs) != 3 || cs[0].Slowdown != 1.5 || cs[1].Slowdown != 2 || math.Abs(cs[2].Slowdown-1.0/3) > 1e-12 {
		t.Fatalf("changes %+v", cs)
	}
	var out bytes.Buffer
	if n := PrintChanges(&out, cs, 1.3); n != 2 {
		t.Fatalf("%d regressions at 1.3×, want 2:\n%s", n, out.String())
	}
	if n := PrintChanges(&out, cs, 1.6); n != 1 {
		t.Fatalf("%d regressions at 1.6×, want 1", n)
	}
	if !strings.Contains(out.String(), "REGRESSION") || !strings.Contains(out.String(), "faster") {
		t.Fatalf("no marks:\n%s", out.String())
	}
}

// CompareRatios compares each result's ratio to its reference, not its
// median: a library on which C and mpigo are both twice as slow is no
// regression; one on which mpigo's ratio doubles is. The references and
// results whose reference changed are left out; the summary gives medians.
func TestCompareRatios(t *testing.T) {
	r := func(impl, bench string, size int, unit string, median, ratio float64, ref string) Result {
		return Result{Impl: impl, Bench: bench, Size: size, Unit: unit, Stats: Stats{Median: median}, Ratio: ratio, Ref: ref}
	}
	old := []Result{
		r("c", "latency", 1, Micros, 1, 1, "c"),
		r("mpigo", "latency", 1, Micros, 1.2, 1.2, "c"),
		r("mpigo", "latency", 2, Micros, 1.2, 1.2, "c"),
		r("mpigo", "bw", 1, MBPerSec, 100, 0.5, "c"),
		r("gompi", "bw", 1, MBPerSec, 100, 0.5, "c-single"),
	}
	cur := []Result{
		r("c", "latency", 1, Micros, 2, 1, "c"),         // the reference: left out
		r("mpigo", "latency", 1, Micros, 2.4, 1.2, "c"), // both twice as slow: 1×
		r("mpigo", "latency", 2, Micros, 1.2, 2.4, "c"), // its ratio doubled: 2×
		r("mpigo", "bw", 1, MBPerSec, 100, 0.25, "c"),   // half the ratio of a rate: 2×
		r("gompi", "bw", 1, MBPerSec, 100, 0.25, "c"),   // another reference: left out
	}
	cs := CompareRatios(old, cur)
	if len(cs) != 3 || cs[0].Slowdown != 1 || cs[1].Slowdown != 2 || cs[2].Slowdown != 2 || !cs[0].OfRatios {
		t.Fatalf("changes %+v", cs)
	}
	var out bytes.Buffer
	if n := PrintChanges(&out, cs, 1.3); n != 2 || !strings.Contains(out.String(), "ratios to the reference") {
		t.Fatalf("%d regressions, want 2:\n%s", n, out.String())
	}
	out.Reset()
	PrintSummary(&out, cs)
	if !strings.Contains(out.String(), "latency mpigo") || !regexp.MustCompile(`latency mpigo +2 +1\.200 +1\.800 +1\.50×`).MatchString(out.String()) {
		t.Fatalf("summary:\n%s", out.String())
	}
}

func sampleResults() []Result {
	var rs []Result
	for _, impl := range []string{"c", "mpigo"} {
		for _, size := range []int{1, 1024, 1 << 20} {
			m := float64(size)/1000 + 1
			if impl == "mpigo" {
				m *= 2
			}
			rs = append(rs, Result{Impl: impl, Bench: "latency", Size: size, Unit: Micros, Stats: Stats{N: 1000, Mean: m, Min: m, Max: m, Median: m, P99: m}, Rounds: 3, Ratio: m / (float64(size)/1000 + 1), Ref: "c"})
		}
	}
	rs = append(rs, Result{Impl: "mpigo", Algo: "dissemination", Bench: "barrier", Unit: Micros, Stats: Stats{N: 5, Median: 3}, Rounds: 1})
	return rs
}

func TestTables(t *testing.T) {
	var out bytes.Buffer
	Table(&out, sampleResults())
	s := out.String()
	for _, want := range []string{"# latency: median (µs, lower is better) and (×) its ratio to c; medians of 3 rounds",
		"# (×): the median over rounds of value / the reference's in the same round, at the same size; below 1 is faster",
		"1048576", "2099 ( 2.00×)", "mpigo/dissemination", "# barrier", "3.000*", "# * a median of fewer than 20 samples"} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "1.00×") || strings.Contains(s, "1050*") {
		t.Errorf("the reference shows a ratio to itself, or 1000 samples are marked few:\n%s", s)
	}
	out.Reset()
	Detail(&out, sampleResults())
	if !strings.Contains(out.String(), "# latency, mpigo (µs, lower is better)") || !strings.Contains(out.String(), "iterations") ||
		!regexp.MustCompile(`(?m)^ +0 .* 3\.000 +- +5$`).MatchString(out.String()) {
		t.Errorf("detail:\n%s", out.String())
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	f := &File{Meta: NewMeta("test", 2, 3, 1, []string{"a", "b", "a"}), Results: sampleResults()}
	if !reflect.DeepEqual(f.Meta.Hosts, []string{"a", "b"}) {
		t.Fatalf("hosts %v", f.Meta.Hosts)
	}
	js := filepath.Join(dir, "r.json")
	if err := f.WriteJSON(js); err != nil {
		t.Fatal(err)
	}
	back, err := Load(js)
	if err != nil || !reflect.DeepEqual(back.Results, f.Results) || !reflect.DeepEqual(back.Meta.Placement, f.Meta.Placement) {
		t.Fatalf("Load: %v\n%+v", err, back)
	}
	csv := filepath.Join(dir, "r.csv")
	if err := f.WriteCSV(csv); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(csv)
	if lines := strings.Count(string(b), "\n"); lines != len(f.Results)+1 || !strings.HasPrefix(string(b), "bench,impl,algo,size") {
		t.Fatalf("csv with %d lines:\n%s", lines, b)
	}
	for _, name := range []string{"p.png", "p.svg"} {
		p := filepath.Join(dir, name)
		if err := Plot(p, f); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		if magic := map[string]string{"p.png": "\x89PNG", "p.svg": "<?xml"}[name]; !bytes.HasPrefix(b, []byte(magic)) || len(b) < 2000 {
			t.Fatalf("%s: %d bytes starting %q", name, len(b), b[:min(len(b), 8)])
		}
	}
	if err := Plot(filepath.Join(dir, "p.jpg"), f); err == nil {
		t.Fatal("Plot accepted a .jpg")
	}
	if err := Plot(filepath.Join(dir, "no", "p.png"), f); err == nil {
		t.Fatal("Plot accepted a directory that does not exist")
	}
	barrier := *f
	barrier.Results = f.Results[len(f.Results)-1:]
	if err := Plot(filepath.Join(dir, "q.png"), &barrier); err != nil {
		t.Fatalf("Plot of a barrier alone (one point per implementation): %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
}

func TestPattern(t *testing.T) {
	a, b := make([]byte, 4096), make([]byte, 4096)
	pattern(a, 3)
	pattern(b, 4)
	if bytes.Equal(a, b) || checkPattern(a, 3, "a") != nil {
		t.Fatal("patterns of different seeds are equal, or a pattern fails its own check")
	}
	a[1234] ^= 1
	if err := checkPattern(a, 3, "a"); err == nil || !strings.Contains(err.Error(), "byte 1234 of 4096") {
		t.Fatalf("a flipped byte: %v", err)
	}
}

// Runs measured with other settings do not compare: SettingsDiffer names
// each difference.
func TestSettingsDiffer(t *testing.T) {
	a := NewMeta("x", 2, 3, 1, []string{"h", "h"})
	b := a
	if d := SettingsDiffer(a, b); len(d) != 0 {
		t.Fatalf("identical settings differ: %v", d)
	}
	b.Validate, b.Scale = true, 3
	d := SettingsDiffer(a, b)
	if len(d) != 2 || d[0] != "validation (-v) (false, true)" || d[1] != "scale (-x) (1, 3)" {
		t.Fatalf("SettingsDiffer: %q", d)
	}
}

// The catalog's size bounds are the one rule: Sizes applies them, Limits
// passes them to the baselines, and check refuses a series outside them.
func TestCatalogSizes(t *testing.T) {
	p2p, coll := []int{1, 4, 8, 1 << 20, 1<<20 + 1}, []int{1, 4, 8, 64}
	for _, tc := range []struct {
		name string
		want []int
	}{
		{"latency", p2p},
		{"value", []int{1, 4, 8, 1 << 20}},
		{"bcast", coll},
		{"reduce", []int{8, 64}},
		{"allreduce", []int{8, 64}},
		{"barrier", []int{0}},
	} {
		b, err := Lookup(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.Sizes(p2p, coll); !slices.Equal(got, tc.want) {
			t.Errorf("%s: sizes %v, want %v", tc.name, got, tc.want)
		}
	}
	if got, want := Limits(), "value:0:1048576,reduce:8:0,allreduce:8:0"; got != want {
		t.Errorf("Limits() = %q, want %q", got, want)
	}
	cfg := Config{Scale: 1}
	iters, _ := Iterations(Benchmark{Name: "reduce", Collective: true}, 4, 1)
	s := Series{Impl: "c", Bench: "reduce", Size: 4, Unit: Micros, Values: make([]float64, iters)}
	if err := cfg.check(s); err == nil || !strings.Contains(err.Error(), "catalog") {
		t.Errorf("a reduce of 4 bytes passed the check: %v", err)
	}
	s.Size = 8
	if err := cfg.check(s); err != nil {
		t.Errorf("a reduce of 8 bytes: %v", err)
	}
}
