package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mpigo/mpigo/bench"
	"github.com/mpigo/mpigo/collectives"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	_ "gonum.org/v1/plot/vg/vgimg" // png
)

// overlay is one algorithm's run as the broadcast demo draws it: every
// rank's report, and the host of each rank.
type overlay struct {
	algo  string
	reps  []collectives.Report
	hosts []int
	root  int
}

// edge is a sender→receiver pair that carried the payload; first says
// whether it is how the receiver first got it (a tree edge).
type edge struct {
	from, to int
	first    bool
}

func (o overlay) edges() []edge {
	var es []edge
	for r, rep := range o.reps {
		for _, d := range slices.Sorted(func(yield func(int) bool) {
			for d := range rep.Sent {
				if !yield(d) {
					return
				}
			}
		}) {
			es = append(es, edge{r, d, o.reps[d].From == r})
		}
	}
	return es
}

// levels gives each rank its hops from the root along first receipts.
func (o overlay) levels() []int {
	lv := make([]int, len(o.reps))
	for r := range o.reps {
		for u, steps := r, 0; u != o.root && o.reps[u].From >= 0 && steps < len(o.reps); u, steps = o.reps[u].From, steps+1 {
			lv[r]++
		}
	}
	return lv
}

// writeDot writes the runs as one Graphviz digraph: a cluster per
// algorithm, inside it a cluster per host, ranks as nodes, every message as
// an edge; edges between hosts red and bold, messages that were not the
// receiver's first dashed.
func writeDot(path string, runs []overlay) error {
	var b strings.Builder
	b.WriteString("digraph broadcast {\n  rankdir=TB; compound=true; node [shape=circle, fontname=Helvetica]; edge [fontname=Helvetica];\n")
	for i, o := range runs {
		fmt.Fprintf(&b, "  subgraph cluster_%d {\n    label=%q; fontname=Helvetica;\n", i, o.algo)
		for _, h := range distinct(o.hosts) {
			fmt.Fprintf(&b, "    subgraph cluster_%d_h%d {\n      label=\"host %d\"; style=filled; color=\"#eeeeee\";\n", i, h, h)
			for r, hr := range o.hosts {
				if hr == h {
					attrs := ""
					if r == o.root {
						attrs = ", style=filled, fillcolor=gold"
					}
					fmt.Fprintf(&b, "      a%d_r%d [label=\"%d\"%s];\n", i, r, r, attrs)
				}
			}
			b.WriteString("    }\n")
		}
		for _, e := range o.edges() {
			attrs := []string{}
			if o.hosts[e.from] != o.hosts[e.to] {
				attrs = append(attrs, "color=red", "penwidth=2")
			}
			if !e.first {
				attrs = append(attrs, "style=dashed")
			}
			fmt.Fprintf(&b, "    a%d_r%d -> a%d_r%d [%s];\n", i, e.from, i, e.to, strings.Join(attrs, ", "))
		}
		b.WriteString("  }\n")
	}
	b.WriteString("}\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// drawTrees draws the runs into a PNG, a panel per algorithm: hosts as grey
// boxes side by side, ranks as circles (the root gold) placed by their hops
// from the root, messages as arrows, those between hosts red and thick,
// those that were not the receiver's first dashed.
func drawTrees(path string, runs []overlay) error {
	const cols = 3
	rows := (len(runs) + cols - 1) / cols
	panelW, panelH := 4*vg.Inch, 3.2*vg.Inch
	c, err := draw.NewFormattedCanvas(cols*panelW, vg.Length(rows)*panelH+0.4*vg.Inch, "png")
	if err != nil {
		return err
	}
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	text := plot.New().Title.TextStyle
	text.XAlign, text.YAlign = draw.XCenter, draw.YCenter
	text.Font.Size = vg.Points(11)
	dc.FillText(text, vg.Point{X: dc.Max.X / 2, Y: dc.Max.Y - 0.2*vg.Inch},
		"broadcast overlays: ranks by host (grey) and hops from the root (gold); red: between hosts; dashed: not the receiver's first message (gossip: a redundant copy)")
	for i, o := range runs {
		area := dc
		area.Min = vg.Point{X: vg.Length(i%cols) * panelW, Y: vg.Length(rows-1-i/cols) * panelH}
		area.Max = vg.Point{X: area.Min.X + panelW, Y: area.Min.Y + panelH}
		drawOverlay(area, o, text)
	}
	return bench.SaveCanvas(path, c)
}

func drawOverlay(c draw.Canvas, o overlay, text draw.TextStyle) {
	pad := 0.2 * vg.Inch
	text.Font.Size = vg.Points(12)
	c.FillText(text, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - pad}, o.algo)
	hosts := distinct(o.hosts)
	lv := o.levels()
	depth := slices.Max(lv)
	top, bottom := c.Max.Y-2.6*pad, c.Min.Y+2*pad
	hostW := (c.Max.X - c.Min.X - 2*pad) / vg.Length(len(hosts))
	pos := make([]vg.Point, len(o.reps))
	radius := 0.12 * vg.Inch
	for hi, h := range hosts {
		x0 := c.Min.X + pad + vg.Length(hi)*hostW
		box := vg.Rectangle{Min: vg.Point{X: x0 + 3, Y: bottom - radius}, Max: vg.Point{X: x0 + hostW - 3, Y: top + radius}}
		c.SetColor(color.Gray{Y: 235})
		c.Fill(box.Path())
		text.Font.Size = vg.Points(8)
		c.FillText(text, vg.Point{X: x0 + hostW/2, Y: bottom - radius - 6}, fmt.Sprintf("host %d", h))
		for l := 0; l <= depth; l++ {
			var at []int
			for r := range o.reps {
				if o.hosts[r] == h && lv[r] == l {
					at = append(at, r)
				}
			}
			for k, r := range at {
				y := top
				if depth > 0 {
					y = top - (top-bottom)*vg.Length(l)/vg.Length(depth)
				}
				pos[r] = vg.Point{X: x0 + hostW*vg.Length(k+1)/vg.Length(len(at)+1), Y: y}
			}
		}
	}
	es := o.edges()
	both := map[[2]int]bool{}
	for _, e := range es {
		both[[2]int{e.from, e.to}] = true
	}
	for _, e := range es {
		from, to := pos[e.from], pos[e.to]
		if both[[2]int{e.to, e.from}] { // a pair both ways: each to its own side
			d := to.Sub(from)
			n := vg.Length(math.Hypot(float64(d.X), float64(d.Y)))
			shift := vg.Point{X: -d.Y / n, Y: d.X / n}.Scale(vg.Points(3))
			from, to = from.Add(shift), to.Add(shift)
		}
		style := draw.LineStyle{Color: color.Gray{Y: 90}, Width: vg.Points(1)}
		if o.hosts[e.from] != o.hosts[e.to] {
			style = draw.LineStyle{Color: color.RGBA{R: 214, G: 39, B: 40, A: 255}, Width: vg.Points(2.2)}
		}
		if !e.first {
			style.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
		}
		arrow(c, from, to, radius, style)
	}
	text.Font.Size = vg.Points(9)
	for r, p := range pos {
		fill := color.Color(color.White)
		if r == o.root {
			fill = color.RGBA{R: 255, G: 200, B: 40, A: 255}
		}
		circle := circlePath(p, radius)
		c.SetColor(fill)
		c.Fill(circle)
		c.SetLineStyle(draw.LineStyle{Color: color.Black, Width: vg.Points(1)})
		c.Stroke(circle)
		c.FillText(text, p, fmt.Sprint(r))
	}
}

// arrow draws a line from a to b, cut short by the nodes' radius, with a head at b.
func arrow(c draw.Canvas, a, b vg.Point, radius vg.Length, style draw.LineStyle) {
	d := b.Sub(a)
	n := vg.Length(math.Hypot(float64(d.X), float64(d.Y)))
	if n <= 2*radius {
		return
	}
	u := vg.Point{X: d.X / n, Y: d.Y / n}
	from, to := a.Add(u.Scale(radius)), b.Sub(u.Scale(radius))
	c.StrokeLines(style, []vg.Point{from, to})
	head := 0.09 * vg.Inch
	side := vg.Point{X: -u.Y, Y: u.X}
	base := to.Sub(u.Scale(head))
	solid := style
	solid.Dashes = nil
	c.StrokeLines(solid, []vg.Point{base.Add(side.Scale(head / 2)), to, base.Sub(side.Scale(head / 2))})
}

func circlePath(p vg.Point, r vg.Length) vg.Path {
	var path vg.Path
	path.Move(vg.Point{X: p.X + r, Y: p.Y})
	path.Arc(p, r, 0, 2*math.Pi)
	path.Close()
	return path
}

func distinct(ids []int) []int {
	s := slices.Clone(ids)
	slices.Sort(s)
	return slices.Compact(s)
}

// checkPNG says whether a PNG can be written at path.
func checkPNG(path string) error {
	if strings.ToLower(filepath.Ext(path)) != ".png" {
		return fmt.Errorf("%s: want a .png file", path)
	}
	return bench.CheckOutputPath(path)
}
