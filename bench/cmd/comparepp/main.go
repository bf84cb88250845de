// Command comparepp runs the ping-pong (or bandwidth) benchmark of several
// implementations — C, mpigo, gompi and mpi4py — as alternating 2-rank
// mpiexec jobs over several rounds, and prints the median per size with the
// median of each round's ratio to C (these machines are noisy, and drift
// within minutes: one absolute number means little, and a ratio is only fair
// between runs close in time). Used by `make bench-pingpong`.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mpigo/mpigo/internal/mpitest"
	"gonum.org/v1/gonum/stat"
)

type impl struct {
	name string
	argv func(sizes []string, bw bool) []string // nil: not available for this mode
}

func main() {
	bin := flag.String("bin", "bin", "directory with the built benchmarks")
	rounds := flag.Int("rounds", 5, "rounds; each runs every implementation once, in rotating order")
	sizesFlag := flag.String("sizes", "1,64,1024,8192,65536,1048576,4194304", "message sizes in bytes")
	bw := flag.Bool("bw", false, "bandwidth (osu_bw, window 64) instead of latency")
	only := flag.String("impls", "c,mpigo,gompi,mpi4py", "implementations to run")
	flag.Parse()
	sizes := strings.Split(*sizesFlag, ",")
	all := []impl{
		{"c", func(s []string, bw bool) []string {
			a := []string{*bin + "/c-pingpong"}
			if bw {
				a = append(a, "-bw")
			}
			return append(a, s...)
		}},
		{"mpigo", func(s []string, bw bool) []string {
			a := []string{*bin + "/mpigo", "pingpong", "--sizes", strings.Join(s, ",")}
			if bw {
				a = append(a, "--bw")
			}
			return a
		}},
		{"gompi", func(s []string, bw bool) []string {
			if bw {
				return nil // gompi v0.1.0 has no nonblocking calls
			}
			return append([]string{*bin + "/gompi-pingpong"}, s...)
		}},
		{"mpi4py", func(s []string, bw bool) []string {
			a := []string{"/usr/bin/python3", "bench/py/pingpong.py"}
			if bw {
				a = append(a, "-bw")
			}
			return append(a, s...)
		}},
	}
	var impls []impl
	for _, im := range all {
		if strings.Contains(","+*only+",", ","+im.name+",") && im.argv(sizes, *bw) != nil {
			impls = append(impls, im)
		}
	}
	results := map[string]map[int][]float64{} // impl → size → values, one a round
	for round := range *rounds {
		for k := range impls {
			im := impls[(k+round)%len(impls)]
			fmt.Fprintf(os.Stderr, "\rround %d/%d: %-8s", round+1, *rounds, im.name)
			vals, err := runJob(im.argv(sizes, *bw))
			if err != nil {
				fmt.Fprintf(os.Stderr, "\n%s: %v\n", im.name, err)
				os.Exit(1)
			}
			if results[im.name] == nil {
				results[im.name] = map[int][]float64{}
			}
			for size, v := range vals {
				results[im.name][size] = append(results[im.name][size], v)
			}
		}
	}
	fmt.Fprintln(os.Stderr)
	ver := exec.Command("mpiexec", "-n", "1", *bin+"/mpigo", "version")
	ver.Env = append(os.Environ(), mpitest.Env(1)...)
	if out, err := ver.Output(); err == nil {
		fmt.Printf("# MPI library: %s", out) // the library the Go and C programs ran on
	}
	unit := "one-way latency, µs"
	if *bw {
		unit = "bandwidth, MB/s"
	}
	fmt.Printf("# %s: median of %d alternating rounds, 2 ranks; (×C): median of each round's ratio to C\n", unit, *rounds)
	fmt.Printf("%10s", "size")
	for _, im := range impls {
		fmt.Printf(" %20s", im.name)
	}
	fmt.Println()
	var sizeList []int
	for s := range results["c"] {
		sizeList = append(sizeList, s)
	}
	sort.Ints(sizeList)
	for _, s := range sizeList {
		fmt.Printf("%10d", s)
		ref := results["c"][s]
		for _, im := range impls {
			vals := results[im.name][s]
			ratios := make([]float64, min(len(vals), len(ref)))
			for i := range ratios {
				ratios[i] = vals[i] / ref[i]
			}
			fmt.Printf(" %11.3f (%5.2f×)", median(vals), median(ratios))
		}
		fmt.Println()
	}
}

var line = regexp.MustCompile(`size=(\d+) (?:oneway_us|mbps)=([0-9.]+)`)

func runJob(argv []string) (map[int]float64, error) {
	cmd := exec.Command("mpiexec", append([]string{"-n", "2"}, argv...)...)
	cmd.Env = append(os.Environ(), mpitest.Env(2)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %v\n%s", argv, err, out.String())
	}
	vals := map[int]float64{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if m := line.FindStringSubmatch(sc.Text()); m != nil {
			s, _ := strconv.Atoi(m[1])
			v, _ := strconv.ParseFloat(m[2], 64)
			vals[s] = v
		}
	}
	return vals, nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	return stat.Quantile(0.5, stat.Empirical, s, nil)
}
