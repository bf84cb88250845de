package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	_ "gonum.org/v1/plot/vg/vgimg" // png
	_ "gonum.org/v1/plot/vg/vgsvg" // svg
)

// Plot draws the median of every implementation against message size, one
// panel per sized benchmark (log-log axes, one line per implementation),
// into path; its extension (.png or .svg) picks the format.
func Plot(path string, rs []Result) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if format != "png" && format != "svg" {
		return fmt.Errorf("bench: plot %s: want a .png or .svg file", path)
	}
	var panels []*plot.Plot
	for _, g := range byBench(rs) {
		if b, err := Lookup(g[0].Bench); err == nil && !b.Sized {
			continue // one number: nothing to draw against size
		}
		p, err := panel(g)
		if err != nil {
			return err
		}
		panels = append(panels, p)
	}
	if len(panels) == 0 {
		return fmt.Errorf("bench: plot %s: no sized results", path)
	}
	cols := min(3, len(panels))
	rows := (len(panels) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	for i, p := range panels {
		grid[i/cols][i%cols] = p
	}
	w, h := vg.Length(cols)*5*vg.Inch, vg.Length(rows)*4*vg.Inch
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return err
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Centimeter, PadY: vg.Centimeter,
		PadTop: vg.Millimeter * 3, PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	canvases := plot.Align(grid, tiles, draw.New(c))
	for j, row := range grid {
		for i, p := range row {
			if p != nil {
				p.Draw(canvases[j][i])
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// panel plots one benchmark's results (sorted by label, then size).
func panel(g []Result) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = g[0].Bench
	p.X.Label.Text = "bytes"
	p.Y.Label.Text = unitName(g[0].Unit)
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	p.Legend.Top, p.Legend.Left = true, !HigherIsBetter(g[0].Unit)
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	n := 0
	for start := 0; start < len(g); {
		end := start
		var xy plotter.XYs
		for ; end < len(g) && g[end].Label() == g[start].Label(); end++ {
			if r := g[end]; r.Size > 0 && r.Median > 0 {
				xy = append(xy, plotter.XY{X: float64(r.Size), Y: r.Median})
			}
		}
		if len(xy) > 0 {
			line, points, err := plotter.NewLinePoints(xy)
			if err != nil {
				return nil, err
			}
			line.Color, points.Color = plotutil.Color(n), plotutil.Color(n)
			line.Dashes = plotutil.Dashes(n / len(plotutil.DefaultColors))
			points.Shape = plotutil.Shape(n)
			p.Add(line, points)
			p.Legend.Add(g[start].Label(), line, points)
			n++
		}
		start = end
	}
	return p, nil
}
