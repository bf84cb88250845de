package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"

	"github.com/mpigo/mpigo/bench"
	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

var traceCommand = &cli.Command{
	Name:  "trace",
	Usage: "put the ranks' trace files (MPIGO_TRACE=PREFIX, mpi.StartTrace) on one clock, or summarize them",
	Description: "A program run with MPIGO_TRACE=PREFIX (or between mpi.StartTrace and StopTrace) writes\n" +
		"PREFIX.RANK.json on each rank: its MPI calls and spans in Chrome's trace-event format, on its own\n" +
		"clock. merge aligns them on rank 0's clock (offsets measured at the start and the end) into one\n" +
		"file for ui.perfetto.dev; summary prints per call counts, time and bytes, like mpiP.",
	Subcommands: []*cli.Command{
		{
			Name:      "merge",
			Usage:     "merge the ranks' files into one, on rank 0's clock",
			ArgsUsage: "PREFIX.*.json",
			Flags:     []cli.Flag{&cli.StringFlag{Name: "o", Value: "trace.json", Usage: "the merged file"}},
			Action: func(c *cli.Context) error {
				if c.NArg() == 0 {
					return fmt.Errorf("merge needs the ranks' trace files")
				}
				if err := bench.CheckOutputPath(c.String("o")); err != nil {
					return fmt.Errorf("-o: %w", err)
				}
				files, err := loadTraces(c.Args().Slice())
				if err != nil {
					return err
				}
				merged, maxErr := mergeTraces(files)
				if err := writeJSON(c.String("o"), merged); err != nil {
					return err
				}
				fmt.Printf("%s: %d events of %d ranks on rank 0's clock (aligned within ±%.1f µs); open it in ui.perfetto.dev\n",
					c.String("o"), len(merged.Events), len(files), maxErr/1e3)
				return nil
			},
		},
		{
			Name:      "summary",
			Usage:     "per call: count, time and bytes, over every rank",
			ArgsUsage: "PREFIX.*.json",
			Action: func(c *cli.Context) error {
				if c.NArg() == 0 {
					return fmt.Errorf("summary needs trace files")
				}
				files, err := loadTraces(c.Args().Slice())
				if err != nil {
					return err
				}
				summarize(os.Stdout, files)
				return nil
			},
		},
	},
}

func loadTraces(names []string) ([]*mpi.TraceFile, error) {
	var files []*mpi.TraceFile
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		f := new(mpi.TraceFile)
		if err := json.Unmarshal(b, f); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		files = append(files, f)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Mpigo.Rank < files[j].Mpigo.Rank })
	return files, nil
}

// offsetAt is a rank's clock minus rank 0's at local time t (ns): the two
// measurements joined by a line (a clock that drifts drifts steadily).
func offsetAt(f *mpi.TraceFile, t float64) float64 {
	s, e := f.Mpigo.Start, f.Mpigo.End
	if e.At == s.At {
		return float64(s.Offset)
	}
	frac := (t - float64(s.At)) / float64(e.At-s.At)
	return float64(s.Offset) + frac*float64(e.Offset-s.Offset)
}

// mergeTraces returns every rank's events on rank 0's clock, from 0, with a
// process name per rank, and the largest error of the offsets (ns).
func mergeTraces(files []*mpi.TraceFile) (*mpi.TraceFile, float64) {
	out := new(mpi.TraceFile)
	first := math.Inf(1)
	maxErr := 0.0
	for _, f := range files {
		maxErr = max(maxErr, float64(f.Mpigo.Start.Err), float64(f.Mpigo.End.Err))
		for _, ev := range f.Events {
			ev.Ts -= offsetAt(f, ev.Ts*1e3) / 1e3
			first = min(first, ev.Ts)
			out.Events = append(out.Events, ev)
		}
	}
	for i := range out.Events {
		out.Events[i].Ts -= first
	}
	for _, f := range files {
		out.Events = append(out.Events, mpi.TraceEvent{Name: "process_name", Ph: "M", Pid: f.Mpigo.Rank,
			Args: map[string]any{"name": fmt.Sprintf("rank %d", f.Mpigo.Rank)}})
	}
	slices.SortStableFunc(out.Events, func(a, b mpi.TraceEvent) int {
		switch {
		case a.Ph != b.Ph:
			return map[bool]int{true: -1, false: 1}[a.Ph == "M"]
		case a.Ts < b.Ts:
			return -1
		case a.Ts > b.Ts:
			return 1
		}
		return 0
	})
	out.Mpigo.Size = len(files)
	return out, maxErr
}

func writeJSON(name string, v any) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// summarize prints, per call or span name, the count, the total and mean
// time, the share of all MPI time, and the bytes, over every rank.
func summarize(w io.Writer, files []*mpi.TraceFile) {
	type agg struct {
		name, cat  string
		count      int
		total, max float64 // µs
		bytes      float64
		ranks      map[int]bool
	}
	byName := map[string]*agg{}
	mpiTime := 0.0
	for _, f := range files {
		for _, ev := range f.Events {
			if ev.Ph != "X" {
				continue
			}
			a := byName[ev.Name]
			if a == nil {
				a = &agg{name: ev.Name, cat: ev.Cat, ranks: map[int]bool{}}
				byName[ev.Name] = a
			}
			a.count++
			a.total += ev.Dur
			a.max = max(a.max, ev.Dur)
			a.ranks[ev.Pid] = true
			if b, ok := ev.Args["bytes"].(float64); ok {
				a.bytes += b
			}
			if ev.Cat == "mpi" {
				mpiTime += ev.Dur
			}
		}
	}
	var rows []*agg
	for _, a := range byName {
		rows = append(rows, a)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].total > rows[j].total })
	fmt.Fprintf(w, "# %d ranks; MPI calls and spans by total time (µs), over every rank; %% of all MPI time\n", len(files))
	fmt.Fprintf(w, "%-28s %6s %8s %12s %10s %10s %7s %14s\n", "call", "ranks", "count", "total µs", "mean µs", "max µs", "% MPI", "bytes")
	for _, a := range rows {
		share := "-"
		if a.cat == "mpi" && mpiTime > 0 {
			share = fmt.Sprintf("%.1f", 100*a.total/mpiTime)
		}
		bytes := "-"
		if a.bytes > 0 {
			bytes = fmt.Sprintf("%.0f", a.bytes)
		}
		fmt.Fprintf(w, "%-28s %6d %8d %12.1f %10.3f %10.1f %7s %14s\n", a.name, len(a.ranks), a.count, a.total, a.total/float64(a.count), a.max, share, bytes)
	}
}
