package bench

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Series is what one implementation measured for one benchmark at one size:
// every timed iteration's sample, in the benchmark's unit.
type Series struct {
	Impl   string // "mpigo", "c", "gompi", "mpi4py", "mpi4py-obj"
	Algo   string // an algorithm of package collectives; "" for the library's own call
	Bench  string
	Size   int
	Unit   string
	Values []float64
}

// Label names the series' implementation in tables and plots: "mpigo",
// "mpigo/binomial".
func (s Series) Label() string { return label(s.Impl, s.Algo) }

func label(impl, algo string) string {
	if algo == "" {
		return impl
	}
	return impl + "/" + algo
}

// The raw format, one record a line, fields separated by spaces:
//
//	sample IMPL ALGO BENCH SIZE UNIT V1 V2 …    (ALGO "-" for none)
//	meta KEY VALUE…                            (VALUE runs to the end of the line)
//
// Every benchmark program writes it on standard output (rank 0 only); lines
// of other shapes are ignored, so a program may print more.

// WriteRaw writes s as one sample line.
func (s Series) WriteRaw(w io.Writer) error {
	algo := s.Algo
	if algo == "" {
		algo = "-"
	}
	b := fmt.Appendf(nil, "sample %s %s %s %d %s", s.Impl, algo, s.Bench, s.Size, s.Unit)
	for _, v := range s.Values {
		b = append(b, ' ')
		b = strconv.AppendFloat(b, v, 'g', 7, 64)
	}
	b = append(b, '\n')
	_, err := w.Write(b)
	return err
}

// WriteMeta writes one meta line.
func WriteMeta(w io.Writer, key, value string) error {
	_, err := fmt.Fprintf(w, "meta %s %s\n", key, strings.ReplaceAll(value, "\n", " "))
	return err
}

// ReadRaw reads the sample and meta lines of r. each, if not nil, is called
// with every series as it is read (a progress line follows a run with it).
func ReadRaw(r io.Reader, each func(Series)) ([]Series, map[string]string, error) {
	var all []Series
	meta := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "meta "):
			k, v, _ := strings.Cut(strings.TrimPrefix(line, "meta "), " ")
			meta[k] = v
		case strings.HasPrefix(line, "sample "):
			s, err := parseSample(line)
			if err != nil {
				return all, meta, fmt.Errorf("line %d: %w", n, err)
			}
			if each != nil {
				each(s)
			}
			all = append(all, s)
		}
	}
	return all, meta, sc.Err()
}

func parseSample(line string) (Series, error) {
	f := strings.Fields(line)
	if len(f) < 7 {
		return Series{}, fmt.Errorf("sample line with %d fields, want ≥ 7", len(f))
	}
	s := Series{Impl: f[1], Algo: f[2], Bench: f[3], Unit: f[5]}
	if s.Algo == "-" {
		s.Algo = ""
	}
	var err error
	if s.Size, err = strconv.Atoi(f[4]); err != nil || s.Size < 0 {
		return s, fmt.Errorf("bad size %q", f[4])
	}
	s.Values = make([]float64, len(f)-6)
	for i, v := range f[6:] {
		if s.Values[i], err = strconv.ParseFloat(v, 64); err != nil {
			return s, fmt.Errorf("bad value %q", v)
		}
	}
	return s, nil
}
