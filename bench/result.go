package bench

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
)

// Result is one implementation's numbers for one benchmark at one size:
// each statistic is the median over the rounds of that round's statistic.
type Result struct {
	Impl  string `json:"impl"`
	Algo  string `json:"algo,omitempty"`
	Bench string `json:"bench"`
	Size  int    `json:"size"`
	Unit  string `json:"unit"`
	Stats
	Rounds int `json:"rounds"`
	// Ratio is the median over rounds of Median / the reference's Median in
	// the same round (0: no reference measured this benchmark and size).
	Ratio float64 `json:"ratio,omitempty"`
	Ref   string  `json:"ref,omitempty"`
}

// Label is "impl" or "impl/algo".
func (r Result) Label() string { return label(r.Impl, r.Algo) }

// Meta records where and how results were measured.
type Meta struct {
	Date            string            `json:"date"`
	Command         string            `json:"command"`
	Ranks           int               `json:"ranks"`
	Rounds          int               `json:"rounds"`
	Scale           float64           `json:"scale"`
	HugePages       bool              `json:"hugepages"` // message buffers on huge pages (-H)
	Validate        bool              `json:"validate"`  // data checked after every iteration (-v): slower
	Hostfile        string            `json:"hostfile,omitempty"`
	HostfileEntries []string          `json:"hostfile_entries,omitempty"` // its lines, comments removed
	Hosts           []string          `json:"hosts"`                      // distinct hosts, in rank order
	Placement       []string          `json:"placement"`                  // host of each rank
	Machine         string            `json:"machine"`
	Libraries       map[string]string `json:"libraries"` // implementation → its MPI library and version
}

// File is a result file: mpigo bench --json, mpigo bench all --json.
type File struct {
	Meta    Meta     `json:"meta"`
	Results []Result `json:"results"`
}

type key struct {
	impl, algo, bench string
	size              int
}

// Aggregate summarizes the series of several rounds (rounds[i] holds round
// i's series of every implementation) and computes each result's ratio to
// the native series of implementation ref(impl) measured in the same round.
func Aggregate(rounds [][]Series, ref func(impl string) string) []Result {
	per := map[key][]Stats{}
	ratios := map[key][]float64{}
	units := map[key]string{}
	for _, round := range rounds {
		native := map[key]float64{} // medians of the native series, by implementation
		stats := map[key]Stats{}
		for _, s := range round {
			k := key{s.Impl, s.Algo, s.Bench, s.Size}
			stats[k] = Summarize(s.Values)
			units[k] = s.Unit
			if s.Algo == "" {
				native[k] = stats[k].Median
			}
		}
		for k, st := range stats {
			per[k] = append(per[k], st)
			if m := native[key{impl: ref(k.impl), bench: k.bench, size: k.size}]; m > 0 {
				ratios[k] = append(ratios[k], st.Median/m)
			}
		}
	}
	var out []Result
	for k, sts := range per {
		r := Result{Impl: k.impl, Algo: k.algo, Bench: k.bench, Size: k.size, Unit: units[k], Rounds: len(sts)}
		field := func(f func(Stats) float64) float64 {
			v := make([]float64, len(sts))
			for i, s := range sts {
				v[i] = f(s)
			}
			return median(v)
		}
		r.Stats = Stats{
			N:      sts[0].N,
			Mean:   field(func(s Stats) float64 { return s.Mean }),
			Min:    field(func(s Stats) float64 { return s.Min }),
			Max:    field(func(s Stats) float64 { return s.Max }),
			Median: field(func(s Stats) float64 { return s.Median }),
			P99:    field(func(s Stats) float64 { return s.P99 }),
		}
		if rs := ratios[k]; len(rs) > 0 {
			r.Ratio, r.Ref = median(rs), ref(k.impl)
		}
		out = append(out, r)
	}
	Sort(out)
	return out
}

// Sort orders results by benchmark (suite order), implementation, algorithm
// and size.
func Sort(rs []Result) {
	slices.SortFunc(rs, func(a, b Result) int {
		return cmp.Or(cmp.Compare(order(a.Bench), order(b.Bench)), cmp.Compare(a.Bench, b.Bench),
			cmp.Compare(implOrder(a.Impl), implOrder(b.Impl)), cmp.Compare(a.Impl, b.Impl),
			cmp.Compare(a.Algo, b.Algo), cmp.Compare(a.Size, b.Size))
	})
}

// implOrder puts the reference implementations first in tables.
func implOrder(impl string) int {
	i := slices.Index([]string{"c", "c-single", "mpigo", "mpigo-single", "gompi", "mpi4py", "mpi4py-obj"}, impl)
	if i < 0 {
		return 99
	}
	return i
}

// WriteJSON writes f to path, indented.
func (f *File) WriteJSON(path string) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Load reads a result file written by WriteJSON.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(f.Results) == 0 {
		return nil, fmt.Errorf("%s: no results", path)
	}
	return &f, nil
}

// WriteCSV writes one row per result, with a header row.
func (f *File) WriteCSV(path string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(out)
	w.Write([]string{"bench", "impl", "algo", "size", "unit", "n", "mean", "min", "max", "median", "p99", "rounds", "ratio", "ref"})
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	for _, r := range f.Results {
		w.Write([]string{r.Bench, r.Impl, r.Algo, strconv.Itoa(r.Size), r.Unit, strconv.Itoa(r.N),
			g(r.Mean), g(r.Min), g(r.Max), g(r.Median), g(r.P99), strconv.Itoa(r.Rounds), g(r.Ratio), r.Ref})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
