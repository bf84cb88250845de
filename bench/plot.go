package bench

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	_ "gonum.org/v1/plot/vg/vgimg" // png
	_ "gonum.org/v1/plot/vg/vgsvg" // svg
)

// CheckPlotPath says whether Plot can write path: a .png or .svg file in a
// directory that exists (checked before a run, so that a long run does not
// end in a bad path).
func CheckPlotPath(path string) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if format != "png" && format != "svg" {
		return fmt.Errorf("plot %s: want a .png or .svg file", path)
	}
	return CheckOutputPath(path)
}

// CheckOutputPath says whether a file can be made at path: its directory
// exists and path is not a directory.
func CheckOutputPath(path string) error {
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return fmt.Errorf("%s: directory %s does not exist", path, filepath.Dir(path))
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	return nil
}

// Plot draws f's results into path (.png or .svg), a row per benchmark: on
// the left the medians against message size (log-log), on the right each
// implementation's ratio to its reference (the tables' ×, log scale, with 1
// marked); a benchmark without sizes (barrier) shows a point per
// implementation. Every implementation keeps one colour and marker across
// the panels, named in one legend under a title with the ranks, the
// machine and the date.
func Plot(path string, f *File) error {
	if err := CheckPlotPath(path); err != nil {
		return err
	}
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	groups := byBench(f.Results)
	if len(groups) == 0 {
		return fmt.Errorf("plot %s: no results", path)
	}
	labels := labelOrder(f.Results)
	style := map[string]int{}
	for i, l := range labels {
		style[l] = i
	}
	var rows [][]*plot.Plot
	for _, g := range groups {
		sized := true
		if b, err := Lookup(g[0].Bench); err == nil && !b.Sized {
			sized = false
		}
		value, ratio, err := panels(g, sized, style)
		if err != nil {
			return err
		}
		rows = append(rows, []*plot.Plot{value, ratio})
	}
	const legendCols = 4
	legendRows := (len(labels) + legendCols - 1) / legendCols
	panelW, panelH := 5.5*vg.Inch, 3.2*vg.Inch
	header := 0.55*vg.Inch + vg.Length(legendRows)*0.2*vg.Inch
	w, h := 2*panelW, vg.Length(len(rows))*panelH+header
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return err
	}
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	drawHeader(dc, f, labels, style, header, legendCols)
	body := dc
	body.Max.Y -= header
	tiles := draw.Tiles{Rows: len(rows), Cols: 2, PadX: vg.Centimeter, PadY: vg.Centimeter,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 5}
	canvases := plot.Align(rows, tiles, body)
	for j, row := range rows {
		for i, p := range row {
			if p != nil {
				p.Draw(canvases[j][i])
			}
		}
	}
	return SaveCanvas(path, c)
}

// SaveCanvas writes a drawn canvas to path.
func SaveCanvas(path string, c io.WriterTo) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// legendName is how the legend names a series: an implementation that also
// runs algorithms of package collectives (mpigo/binomial, …) is named for
// what its plain series is, the MPI library's own call, so that "mpigo" is
// not read as one of mpigo's algorithms.
func legendName(l string, labels []string) string {
	if strings.Contains(l, "/") {
		return l
	}
	for _, other := range labels {
		if strings.HasPrefix(other, l+"/") {
			return l + ": the MPI library's call"
		}
	}
	return l
}

// drawHeader writes the title and the legend across the top of c.
func drawHeader(c draw.Canvas, f *File, labels []string, style map[string]int, height vg.Length, cols int) {
	title := plot.New().Title.TextStyle
	title.Font.Size = vg.Points(13)
	title.XAlign = draw.XCenter
	m := f.Meta
	text := fmt.Sprintf("mpigo bench: %d ranks on %s; %s", m.Ranks, strings.Join(m.Hosts, ", "), m.Machine)
	when := m.Date
	if m.Rounds > 1 {
		when += fmt.Sprintf("; medians of %d rounds", m.Rounds)
	}
	top := c.Max.Y - 0.25*vg.Inch
	c.FillText(title, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: top}, text)
	title.Font.Size = vg.Points(10)
	c.FillText(title, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: top - 0.2*vg.Inch}, when)
	colW := (c.Max.X - c.Min.X - vg.Inch) / vg.Length(cols)
	for k := range cols {
		l := plot.NewLegend()
		l.Top, l.Left = true, true
		l.TextStyle.Font.Size = vg.Points(10)
		for i := k; i < len(labels); i += cols {
			line, points := seriesStyle(style[labels[i]])
			l.Add(legendName(labels[i], labels), line, points)
		}
		lc := c
		lc.Min.X = c.Min.X + 0.5*vg.Inch + vg.Length(k)*colW
		lc.Max.X = lc.Min.X + colW
		lc.Max.Y = top - 0.35*vg.Inch
		lc.Min.Y = c.Max.Y - height
		l.Draw(lc)
	}
}

// panels draws one benchmark: its medians, and the ratios to the reference
// (nil when nothing has one).
func panels(g []Result, sized bool, style map[string]int) (value, ratio *plot.Plot, err error) {
	value, ratio = plot.New(), plot.New()
	value.Title.Text = g[0].Bench
	value.Y.Label.Text = unitName(g[0].Unit)
	ratio.Title.Text = g[0].Bench + ": ratio"
	better := "below 1: faster"
	if HigherIsBetter(g[0].Unit) {
		better = "above 1: faster"
	}
	var labels []string
	refs := map[string]bool{}
	for _, r := range g {
		if !slices.Contains(labels, r.Label()) {
			labels = append(labels, r.Label())
		}
		if r.Ref != "" {
			refs[r.Ref] = true
		}
	}
	refList := slices.Sorted(func(yield func(string) bool) {
		for r := range refs {
			if !yield(r) {
				return
			}
		}
	})
	for i, r := range refList {
		if legendName(r, labels) != r {
			refList[i] = r + "'s MPI call"
		}
	}
	ratio.Y.Label.Text = fmt.Sprintf("to %s (%s)", strings.Join(refList, ", "), better)
	for _, p := range []*plot.Plot{value, ratio} {
		grid := plotter.NewGrid()
		grid.Vertical.Color, grid.Horizontal.Color = color.Gray{Y: 225}, color.Gray{Y: 225}
		p.Add(grid)
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plainLogTicks{}
		if sized {
			p.X.Label.Text = "message size (bytes)"
			p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, sizeTicks{}
		}
	}
	if !sized {
		value.NominalX(labels...)
		ratio.NominalX(labels...)
	}
	ratios := 0
	lo, hi := 1.0, 1.0
	for _, l := range labels {
		var vs, rs plotter.XYs
		for _, r := range g {
			if r.Label() != l {
				continue
			}
			x := float64(r.Size)
			if !sized {
				x = float64(slices.Index(labels, l))
			}
			if r.Median > 0 && (x > 0 || !sized) {
				vs = append(vs, plotter.XY{X: x, Y: r.Median})
			}
			if r.Ratio > 0 && !refs[l] {
				rs = append(rs, plotter.XY{X: x, Y: r.Ratio})
				lo, hi = min(lo, r.Ratio), max(hi, r.Ratio)
			}
		}
		for _, s := range []struct {
			p  *plot.Plot
			xy plotter.XYs
		}{{value, vs}, {ratio, rs}} {
			if len(s.xy) == 0 {
				continue
			}
			if err := addSeries(s.p, s.xy, style[l], sized); err != nil {
				return nil, nil, err
			}
		}
		if len(rs) > 0 {
			ratios++
		}
	}
	if ratios == 0 {
		return value, nil, nil
	}
	one := plotter.NewFunction(func(float64) float64 { return 1 })
	one.Color, one.Width, one.Dashes = color.Black, vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
	ratio.Add(one)
	ratio.Y.Min, ratio.Y.Max = lo/1.15, hi*1.15
	return value, ratio, nil
}

// addSeries adds xy to p in style k: a line with markers, or markers alone
// where there are no sizes.
func addSeries(p *plot.Plot, xy plotter.XYs, k int, sized bool) error {
	line, points := seriesStyle(k)
	sc, err := plotter.NewScatter(xy)
	if err != nil {
		return err
	}
	sc.GlyphStyle = points.GlyphStyle
	sc.GlyphStyle.Radius = vg.Points(3.5)
	if !sized {
		p.Add(sc)
		return nil
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return err
	}
	l.LineStyle = line.LineStyle
	p.Add(l, sc)
	return nil
}

// palette holds sixteen colours that stay apart (Tableau's ten and six more).
var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255}, {0, 0, 0, 255}, {255, 187, 120, 255},
	{0, 0, 128, 255}, {128, 0, 0, 255}, {0, 128, 128, 255}, {128, 128, 0, 255},
}

var shapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{},
	draw.PyramidGlyph{}, draw.RingGlyph{}, draw.BoxGlyph{}, draw.PlusGlyph{}, draw.CrossGlyph{}}

// seriesStyle is the look of the k-th implementation: its colour, marker
// and, past the palette, a dashed line.
func seriesStyle(k int) (*plotter.Line, *plotter.Scatter) {
	c := palette[k%len(palette)]
	line := &plotter.Line{LineStyle: draw.LineStyle{Color: c, Width: vg.Points(1.5)}}
	if k >= len(palette) {
		line.Dashes = []vg.Length{vg.Points(5), vg.Points(2)}
	}
	points := &plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: c, Radius: vg.Points(3), Shape: shapes[k%len(shapes)]}}
	return line, points
}

// labelOrder lists rs's implementations in a fixed order (C first), then
// their algorithms by name: the implementations get the first colours.
func labelOrder(rs []Result) []string {
	order := []string{"c", "c-single", "mpigo", "mpigo-single", "gompi", "mpi4py", "mpi4py-obj"}
	rank := func(l string) (int, string) {
		impl, algo, isAlgo := strings.Cut(l, "/")
		i := slices.Index(order, impl)
		if i < 0 {
			i = len(order)
		}
		if isAlgo {
			i += len(order) + 1
		}
		return i, impl + "\x00" + algo
	}
	var labels []string
	for _, r := range rs {
		if !slices.Contains(labels, r.Label()) {
			labels = append(labels, r.Label())
		}
	}
	slices.SortFunc(labels, func(a, b string) int {
		ia, sa := rank(a)
		ib, sb := rank(b)
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(sa, sb)
	})
	return labels
}

// sizeTicks marks powers of two, labelled as 1, 4, 16, …, 1K, 64K, 1M at a
// stride that keeps to about eight labels.
type sizeTicks struct{}

func (sizeTicks) Ticks(lo, hi float64) []plot.Tick {
	a, b := int(math.Ceil(math.Log2(max(lo, 1)))), int(math.Floor(math.Log2(max(hi, 1))))
	stride := 1
	for (b-a)/stride > 8 {
		stride *= 2
	}
	var ticks []plot.Tick
	for e := a; e <= b; e++ {
		t := plot.Tick{Value: math.Exp2(float64(e))}
		if (e-a)%stride == 0 {
			t.Label = sizeLabel(1 << e)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// sizeLabel writes n bytes as 512, 1K, 64K, 1M, 2G.
func sizeLabel(n int) string {
	for _, u := range []struct {
		suffix string
		size   int
	}{{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d%s", n/u.size, u.suffix)
		}
	}
	return fmt.Sprint(n)
}

// plainLogTicks marks decades (and 2 and 5 between them), labelled as plain
// numbers: 0.1, 1, 10, 1000, 10k, 1M, never 1e+06; a range narrower than a
// decade gets evenly spaced labelled ticks instead (0.9, 1, 1.1, …).
type plainLogTicks struct{}

func (plainLogTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= lo {
		return nil
	}
	var ticks []plot.Tick
	if hi/lo < 10 {
		step := niceStep((hi - lo) / 5)
		for v := math.Ceil(lo/step) * step; v <= hi*1.0001; v += step {
			ticks = append(ticks, plot.Tick{Value: v, Label: plainNumber(math.Round(v/step) * step)})
		}
		return ticks
	}
	a, b := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	few := b-a <= 2 // two decades: label 2 and 5 too
	for e := a; e <= b; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, float64(e))
			if v < lo/1.0001 || v > hi*1.0001 {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || few {
				t.Label = plainNumber(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// niceStep rounds x up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(x float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// plainNumber writes v without an exponent: 0.05, 2, 300, 10k, 2M.
func plainNumber(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%gk", v/1e3)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.4g", v), ".")
}
