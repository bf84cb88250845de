package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// num formats a measurement with about four significant digits, never in
// exponent notation.
func num(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	case v >= 100:
		return fmt.Sprintf("%.1f", v)
	case v >= 10:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

func unitName(unit string) string {
	switch unit {
	case Micros:
		return "µs, lower is better"
	case MBPerSec:
		return "MB/s, higher is better"
	case MsgsPerS:
		return "messages/s, higher is better"
	}
	return unit
}

// byBench groups results by benchmark, in suite order.
func byBench(rs []Result) [][]Result {
	rs = slices.Clone(rs)
	Sort(rs)
	var groups [][]Result
	for i, r := range rs {
		if i == 0 || r.Bench != rs[i-1].Bench {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], r)
	}
	return groups
}

// Table prints, per benchmark, the median of every implementation at every
// size side by side with its ratio to the reference implementation (the
// reference's own column has none), and says under the header what the
// ratio and the columns mean. Medians of fewer than minSamples samples are
// marked.
func Table(w io.Writer, rs []Result) {
	few := false
	for _, g := range byBench(rs) {
		var labels []string
		sizes := map[int]bool{}
		cell := map[string]Result{}
		refs := map[string]string{} // label: the implementation its ratios are to
		for _, r := range g {
			if !slices.Contains(labels, r.Label()) {
				labels = append(labels, r.Label())
			}
			sizes[r.Size] = true
			cell[fmt.Sprint(r.Label(), " ", r.Size)] = r
			if r.Ref != "" {
				refs[r.Label()] = r.Ref
			}
		}
		fmt.Fprintf(w, "# %s: median (%s)", g[0].Bench, unitName(g[0].Unit))
		ref, others := refNames(labels, refs)
		if len(labels) == 1 { // nothing to compare
			ref, others = "", ""
		}
		if ref != "" {
			fmt.Fprintf(w, " and (×) its ratio to %s%s", ref, others)
		}
		if g[0].Rounds > 1 {
			fmt.Fprintf(w, "; medians of %d rounds", g[0].Rounds)
		}
		fmt.Fprintln(w)
		if ref != "" {
			better := "below 1 is faster"
			if HigherIsBetter(g[0].Unit) {
				better = "above 1 is faster"
			}
			how := "value / the reference's"
			if g[0].Rounds > 1 {
				how = "the median over rounds of value / the reference's in the same round"
			}
			fmt.Fprintf(w, "# (×): %s, at the same size; %s\n", how, better)
		}
		if algos := algorithmsOf(labels); algos != "" {
			fmt.Fprintf(w, "# %s\n", algos)
		}
		fmt.Fprintf(w, "%9s", "size")
		width := make([]int, len(labels))
		isRef := map[string]bool{}
		for _, r := range refs {
			isRef[r] = true
		}
		ratios := map[string]bool{} // the columns that show ratios: their numbers leave room for one
		for _, r := range cell {
			ratios[r.Label()] = ratios[r.Label()] || r.Ratio > 0 && !isRef[r.Label()]
		}
		for i, l := range labels {
			width[i] = max(len(l), 17)
			fmt.Fprintf(w, "  %*s", width[i], l)
		}
		fmt.Fprintln(w)
		for _, size := range sortedKeys(sizes) {
			fmt.Fprintf(w, "%9d", size)
			for i, l := range labels {
				r, ok := cell[fmt.Sprint(l, " ", size)]
				s := "-"
				if ok {
					s = num(r.Median)
					if r.N < minSamples {
						s += "*"
						few = true
					}
					if r.Ratio > 0 && !isRef[l] {
						s += fmt.Sprintf(" (%5.2f×)", r.Ratio)
					} else if ratios[l] {
						s += strings.Repeat(" ", 9)
					}
				}
				fmt.Fprintf(w, "  %*s", width[i], s)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
	}
	if few {
		fmt.Fprintf(w, "# * a median of fewer than %d samples: raise --scale for a steadier number\n\n", minSamples)
	}
}

// minSamples is the fewest samples behind a median the tables print plainly;
// p99 needs at least 100.
const minSamples = 20

// algorithmsOf says what the columns of MPI's collective and of package
// collectives' algorithms are, if labels has any of the latter.
func algorithmsOf(labels []string) string {
	for _, l := range labels {
		if strings.Contains(l, "/") {
			return "columns: IMPL calls the MPI library's own collective; IMPL/NAME runs algorithm NAME of package collectives over IMPL's point-to-point"
		}
	}
	return ""
}

// Detail prints an OSU-style table per benchmark and implementation: mean,
// min, max, median and p99 per size (p99 only from 100 samples on), and the
// iterations behind them.
func Detail(w io.Writer, rs []Result) {
	for _, g := range byBench(rs) {
		for i, r := range g {
			if i == 0 || r.Label() != g[i-1].Label() {
				fmt.Fprintf(w, "# %s, %s (%s)\n# %8s %12s %12s %12s %12s %12s %10s\n", r.Bench, r.Label(),
					unitName(r.Unit), "size", "mean", "min", "max", "median", "p99", "iterations")
			}
			p99 := num(r.P99)
			if r.N < 100 {
				p99 = "-" // not a 99th percentile of so few
			}
			fmt.Fprintf(w, "%10d %12s %12s %12s %12s %12s %10d\n", r.Size,
				num(r.Mean), num(r.Min), num(r.Max), num(r.Median), p99, r.N)
			if i == len(g)-1 || r.Label() != g[i+1].Label() {
				fmt.Fprintln(w)
			}
		}
	}
}

func sortedKeys(m map[int]bool) []int {
	var k []int
	for v := range m {
		k = append(k, v)
	}
	slices.Sort(k)
	return k
}

// refNames names the implementation most of labels' ratios are to, and
// the others' in brackets: "c", " (gompi, mpigo-single: to c-single)".
func refNames(labels []string, refs map[string]string) (main, others string) {
	count := map[string]int{}
	for _, l := range labels {
		if ref := refs[l]; ref != "" {
			if count[ref]++; count[ref] > count[main] || count[ref] == count[main] && ref < main {
				main = ref
			}
		}
	}
	by := map[string][]string{}
	for _, l := range labels {
		if ref := refs[l]; ref != "" && ref != main {
			by[ref] = append(by[ref], l)
		}
	}
	var parts []string
	for _, ref := range slices.Sorted(maps.Keys(by)) {
		parts = append(parts, strings.Join(by[ref], ", ")+": to "+ref)
	}
	if len(parts) > 0 {
		others = " (" + strings.Join(parts, "; ") + ")"
	}
	return main, others
}
