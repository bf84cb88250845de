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
}

// Compare pairs the results of old and new by implementation, algorithm,
// benchmark and size (results without a counterpart are left out).
func Compare(old, new []Result) []Change {
	byKey := map[key]Result{}
	for _, r := range old {
		byKey[key{r.Impl, r.Algo, r.Bench, r.Size}] = r
	}
	var out []Change
	for _, n := range new {
		o, ok := byKey[key{n.Impl, n.Algo, n.Bench, n.Size}]
		if !ok || o.Median <= 0 || n.Median <= 0 || o.Unit != n.Unit {
			continue
		}
		c := Change{Old: o, New: n, Slowdown: n.Median / o.Median}
		if HigherIsBetter(n.Unit) {
			c.Slowdown = o.Median / n.Median
		}
		out = append(out, c)
	}
	return out
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
	fmt.Fprintf(w, "# median old → new; slowdown = how many times slower new is (>%.2g flagged)\n", threshold)
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
			num(c.Old.Median), num(c.New.Median), c.Slowdown, mark)
	}
	fmt.Fprintf(w, "# %d of %d results slower than %.2g× (%s)\n", regressions, len(cs), threshold, "medians; ±20–30% is noise on shared machines")
	return regressions
}
