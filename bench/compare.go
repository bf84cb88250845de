package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
)

// Change is one result present in two files.
type Change struct {
	Old, New Result
	// Slowdown is how many times slower New is than Old (medians): New/Old
	// for times, Old/New for rates. Above 1 is worse.
	Slowdown float64
	// OfRatios: Slowdown compares the results' ratios to their reference
	// (CompareRatios), not their medians.
	OfRatios bool
}

// Compare pairs the results of old and new by implementation, algorithm,
// benchmark and size (results without a counterpart are left out).
func Compare(old, new []Result) []Change {
	return pair(old, new, func(o, n Result) (Change, bool) {
		if o.Median <= 0 || n.Median <= 0 {
			return Change{}, false
		}
		return Change{Old: o, New: n, Slowdown: slowdown(o.Median, n.Median, n.Unit)}, true
	})
}

// CompareRatios pairs results as Compare does, but compares each one's
// ratio to its reference in its own run (mpigo's to C's): two runs on
// different libraries or machines then compare each implementation
// relative to its own C. The references themselves are left out.
func CompareRatios(old, new []Result) []Change {
	return pair(old, new, func(o, n Result) (Change, bool) {
		if o.Ratio <= 0 || n.Ratio <= 0 || n.Ref == n.Label() || o.Ref != n.Ref {
			return Change{}, false
		}
		return Change{Old: o, New: n, Slowdown: slowdown(o.Ratio, n.Ratio, n.Unit), OfRatios: true}, true
	})
}

// pair calls change for each result of new with a counterpart of the same
// unit in old, and returns the changes it keeps.
func pair(old, new []Result, change func(o, n Result) (Change, bool)) []Change {
	byKey := map[key]Result{}
	for _, r := range old {
		byKey[key{r.Impl, r.Algo, r.Bench, r.Size}] = r
	}
	var out []Change
	for _, n := range new {
		if o, ok := byKey[key{n.Impl, n.Algo, n.Bench, n.Size}]; ok && o.Unit == n.Unit {
			if c, keep := change(o, n); keep {
				out = append(out, c)
			}
		}
	}
	return out
}

// slowdown is how many times worse v is than was: v/was for times,
// was/v for rates.
func slowdown(was, v float64, unit string) float64 {
	if HigherIsBetter(unit) {
		return was / v
	}
	return v / was
}

// SettingsDiffer lists the settings in which two runs differ that change
// what their numbers mean (each as "what (old, new)"): validation, huge
// pages, scale, ranks, the placement of ranks on hosts, the libraries.
func SettingsDiffer(old, new Meta) []string {
	var out []string
	differ := func(what string, a, b any) {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			out = append(out, fmt.Sprintf("%s (%v, %v)", what, a, b))
		}
	}
	differ("validation (-v)", old.Validate, new.Validate)
	differ("huge pages (-H)", old.HugePages, new.HugePages)
	differ("scale (-x)", old.Scale, new.Scale)
	differ("ranks", old.Ranks, new.Ranks)
	differ("placement", old.Placement, new.Placement)
	for _, impl := range slices.Sorted(maps.Keys(new.Libraries)) {
		if lib, ok := old.Libraries[impl]; ok {
			differ(impl+"'s library", lib, new.Libraries[impl])
		}
	}
	return out
}

// PrintChanges prints every change as a table and marks those slower than
// threshold ("REGRESSION") or faster than 1/threshold ("faster"); it returns
// the number of regressions.
func PrintChanges(w io.Writer, cs []Change, threshold float64) int {
	regressions := 0
	what, of := "medians", func(r Result) float64 { return r.Median }
	if len(cs) > 0 && cs[0].OfRatios {
		what, of = "ratios to the reference in the same run", func(r Result) float64 { return r.Ratio }
	}
	fmt.Fprintf(w, "# %s old → new; slowdown = how many times slower new is (>%.2g flagged)\n", what, threshold)
	fmt.Fprintf(w, "%-10s %-24s %9s %12s %12s %9s\n", "bench", "impl", "size", "old", "new", "slowdown")
	for _, c := range cs {
		mark := ""
		switch {
		case c.Slowdown > threshold:
			mark = "  REGRESSION"
			regressions++
		case c.Slowdown < 1/threshold:
			mark = "  faster"
		}
		fmt.Fprintf(w, "%-10s %-24s %9d %12s %12s %8.2f×%s\n", c.New.Bench, c.New.Label(), c.New.Size,
			num(of(c.Old)), num(of(c.New)), c.Slowdown, mark)
	}
	fmt.Fprintf(w, "# %d of %d results slower than %.2g× (%s; ±20–30%% is noise on shared machines)\n", regressions, len(cs), threshold, what)
	return regressions
}

// PrintSummary prints, per benchmark and implementation, the median over
// sizes of the old and new values PrintChanges compares and of the
// slowdown: the one line a reader wants first when there are hundreds.
func PrintSummary(w io.Writer, cs []Change) {
	type group struct{ old, new, slow []float64 }
	var order []string
	groups := map[string]*group{}
	of := func(r Result) float64 { return r.Median }
	if len(cs) > 0 && cs[0].OfRatios {
		of = func(r Result) float64 { return r.Ratio }
	}
	for _, c := range cs {
		k := c.New.Bench + " " + c.New.Label()
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
			order = append(order, k)
		}
		g.old, g.new, g.slow = append(g.old, of(c.Old)), append(g.new, of(c.New)), append(g.slow, c.Slowdown)
	}
	median := func(v []float64) float64 {
		v = slices.Sorted(slices.Values(v))
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	fmt.Fprintf(w, "# medians over sizes\n%-35s %6s %12s %12s %9s\n", "bench impl", "sizes", "old", "new", "slowdown")
	for _, k := range order {
		g := groups[k]
		fmt.Fprintf(w, "%-35s %6d %12s %12s %8.2f×\n", k, len(g.old), num(median(g.old)), num(median(g.new)), median(g.slow))
	}
}
