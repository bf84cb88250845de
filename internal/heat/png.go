package heat

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// grid is an n×n row-major field as gonum/plot's GridXYZ: column c at x =
// c, and row r of the field at y = n-1-r, so that row 0 (the hot edge) is
// drawn on top; rowTicks labels the y axis with row numbers.
type grid struct {
	n int
	f []float64
}

func (g grid) Dims() (c, r int)   { return g.n, g.n }
func (g grid) Z(c, r int) float64 { return g.f[(g.n-1-r)*g.n+c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

type rowTicks struct{ n int }

func (t rowTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for _, tk := range (columnTicks{}).Ticks(min, max) {
		if tk.Label != "" {
			tk.Value = float64(t.n-1) - tk.Value // the label's row, placed where it is drawn
		}
		ticks = append(ticks, tk)
	}
	return ticks
}

// columnTicks labels grid indices as the whole numbers they are (gonum's
// default ticks wrote "250.00").
type columnTicks struct{}

func (columnTicks) Ticks(min, max float64) []plot.Tick {
	ticks := (plot.DefaultTicks{}).Ticks(min, max)
	for i, tk := range ticks {
		if tk.Label != "" {
			ticks[i].Label = strconv.Itoa(int(math.Round(tk.Value)))
		}
	}
	return ticks
}

// WritePNG draws the n×n field as a heat map with a colour bar into path,
// titled with title, with dashed lines where the blocks of a dims[0]×dims[1]
// grid of ranks meet (nil dims: none).
func WritePNG(path string, n int, field []float64, dims []int, title string) error {
	if len(field) != n*n {
		return fmt.Errorf("heat: a field of %d points is not %d×%d", len(field), n, n)
	}
	cm := moreland.ExtendedBlackBody()
	cm.SetMin(0)
	cm.SetMax(1)
	hm := plotter.NewHeatMap(grid{n, field}, cm.Palette(256))
	hm.Min, hm.Max = 0, 1
	hm.Rasterized = true

	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "x (column)"
	p.Y.Label.Text = "y (row; row 0, the hot edge, on top)"
	p.X.Tick.Marker = columnTicks{}
	p.Y.Tick.Marker = rowTicks{n}
	p.Add(hm)
	for d := range dims {
		for k := 1; k < dims[d]; k++ {
			at, _ := span(n, dims[d], k)
			edge := []plotter.XY{{X: float64(at) - 0.5, Y: -0.5}, {X: float64(at) - 0.5, Y: float64(n) - 0.5}} // between columns
			if d == 0 {                                                                                        // between rows at-1 and at, drawn at y = n-1-row
				y := float64(n-at) - 0.5
				edge = []plotter.XY{{X: -0.5, Y: y}, {X: float64(n) - 0.5, Y: y}}
			}
			l, err := plotter.NewLine(plotter.XYs(edge))
			if err != nil {
				return err
			}
			l.Color = color.White
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(l)
		}
	}
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5

	bar := plot.New()
	bar.Title.Text = "temperature"
	bar.HideX()
	bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})

	const width, height = 7 * vg.Inch, 6 * vg.Inch
	img := vgimg.New(width, height)
	dc := draw.New(img)
	barWidth := 1.1 * vg.Inch
	p.Draw(draw.Crop(dc, 0, -barWidth, 0, 0))
	bar.Draw(draw.Crop(dc, width-barWidth+0.15*vg.Inch, -0.2*vg.Inch, 0.55*vg.Inch, -0.3*vg.Inch))

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
