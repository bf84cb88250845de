package main

import (
	"fmt"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"runtime"
	"slices"

	"github.com/mpigo/mpigo/mpi"
	"github.com/mpigo/mpigo/pool"
	"github.com/urfave/cli/v2"
)

var mandelCommand = &cli.Command{
	Name:  "mandel",
	Usage: "the Mandelbrot set, a row a task, shared out by package pool (mpi4py.futures' way); speed-up at 1, 2, 4, … ranks",
	Description: "Rank 0 maps the rows of a WIDTH×HEIGHT picture over a pool of every rank (itself included):\n" +
		"each rank takes its next row as soon as it is free, so the costly rows inside the set do not hold up\n" +
		"the others. The same picture is made on the first 1, 2, 4, … ranks (rows/s and speed-up), checked\n" +
		"row by row against a serial computation; --png draws it.",
	Flags: []cli.Flag{
		&cli.IntFlag{Name: "width", Value: 1200, Usage: "pixels across"},
		&cli.IntFlag{Name: "height", Value: 800, Usage: "pixels down (rows: the tasks)"},
		&cli.IntFlag{Name: "iters", Value: 2000, Usage: "iterations before a point counts as inside"},
		&cli.StringFlag{Name: "png", Usage: "draw the picture into this .png file"},
		&cli.BoolFlag{Name: "no-scaling", Usage: "only on all the ranks"},
	},
	Action: func(c *cli.Context) error {
		width, height, iters := c.Int("width"), c.Int("height"), c.Int("iters")
		if width < 1 || height < 1 || iters < 1 || width*height > 1<<26 {
			return flagError(fmt.Errorf("--width %d, --height %d, --iters %d: want positive sizes, at most 2^26 pixels", width, height, iters))
		}
		if p := c.String("png"); p != "" {
			if err := checkPNG(p); err != nil {
				return flagError(fmt.Errorf("--png: %w", err))
			}
		}
		runJob(mpi.ThreadMultiple, func(world *mpi.Comm) error {
			return mandel(world, width, height, iters, c.String("png"), !c.Bool("no-scaling"))
		})
		return nil
	},
}

// mandelRow is the escape count of every pixel of row y (iters: inside).
func mandelRow(y, width, height, iters int) []uint16 {
	row := make([]uint16, width)
	ci := -1.2 + 2.4*float64(y)/float64(height)
	for x := range row {
		cr := -2.1 + 3.0*float64(x)/float64(width)
		zr, zi, n := 0.0, 0.0, 0
		for ; n < iters && zr*zr+zi*zi <= 4; n++ {
			zr, zi = zr*zr-zi*zi+cr, 2*zr*zi+ci
		}
		row[x] = uint16(min(n, 65535))
	}
	return row
}

func mandel(world *mpi.Comm, width, height, iters int, pngPath string, scaling bool) error {
	var serial [][]uint16
	var serialTime float64
	if world.Rank() == 0 {
		t0 := mpi.Wtime()
		for y := range height {
			serial = append(serial, mandelRow(y, width, height, iters))
		}
		serialTime = mpi.Wtime() - t0
		fmt.Printf("# Mandelbrot %d×%d, %d iterations; a row a task, pool of the first k ranks (rank 0 may use %d cores)\n",
			width, height, iters, runtime.NumCPU())
		fmt.Printf("%5s %10s %9s %8s  %s\n", "ranks", "rows/s", "speed-up", "check", "rows per rank")
		fmt.Printf("%5s %10.0f %9s %8s\n", "-", float64(height)/serialTime, "(serial)", "")
	}
	var picture [][]uint16
	var byRank []int // the rank that computed each row of picture
	var base float64
	for _, k := range scalingSizes(world.Size(), scaling) {
		_, err := onFirst(world, k, func(sub *mpi.Comm) error {
			type row struct {
				Y, Rank int
				Px      []uint16
			}
			p, err := pool.Start(sub, func(y int) (row, error) {
				return row{Y: y, Rank: sub.Rank(), Px: mandelRow(y, width, height, iters)}, nil
			})
			if p == nil {
				return err
			}
			ys := make([]int, height)
			for y := range ys {
				ys[y] = y
			}
			t0 := mpi.Wtime()
			rows, err := p.Map(ys)
			dt := mpi.Wtime() - t0
			if cerr := p.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			per := make([]int, k)
			same := true
			picture, byRank = picture[:0], byRank[:0]
			for y, r := range rows {
				per[r.Rank]++
				same = same && r.Y == y && slices.Equal(r.Px, serial[y])
				picture, byRank = append(picture, r.Px), append(byRank, r.Rank)
			}
			rate := float64(height) / dt
			if k == 1 {
				base = rate
			}
			check := "identical"
			if !same {
				check = "DIFFERS"
			}
			fmt.Printf("%5d %10.0f %9.2f %8s  %v\n", k, rate, rate/base, check, per)
			if !same {
				return fmt.Errorf("mandel: the pool's picture differs from the serial one")
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if world.Rank() == 0 && pngPath != "" {
		if err := drawMandel(pngPath, picture, byRank, iters); err != nil {
			return err
		}
		fmt.Printf("# drew %s\n", pngPath)
	}
	return nil
}

// drawMandel colours escape counts (black inside the set), under a title
// line, with a strip on the left in the colour of the rank that computed
// each row and a legend of the ranks (the pool's share of the work).
func drawMandel(path string, rows [][]uint16, ranks []int, iters int) error {
	const header, strip = 34, 10
	w, h := len(rows[0]), len(rows)
	img := image.NewRGBA(image.Rect(0, 0, w+strip, h+header))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	palette := []color.RGBA{{228, 26, 28, 255}, {55, 126, 184, 255}, {77, 175, 74, 255}, {152, 78, 163, 255},
		{255, 127, 0, 255}, {166, 86, 40, 255}, {247, 129, 191, 255}, {153, 153, 153, 255}}
	for y, row := range rows {
		img.Set(0, y+header, color.White)
		for x := 1; x < strip-1; x++ {
			img.Set(x, y+header, palette[ranks[y]%len(palette)])
		}
		for x, n := range row {
			c := color.RGBA{A: 255}
			if int(n) < iters {
				t := float64(n) / 60
				c = color.RGBA{R: uint8(255 * frac(t*0.9)), G: uint8(255 * frac(t*0.5+0.3)), B: uint8(255 * frac(t*0.2+0.6)), A: 255}
			}
			img.Set(x+strip, y+header, c)
		}
	}
	per := map[int]int{}
	most := 0
	for _, r := range ranks {
		per[r]++
		most = max(most, r)
	}
	text := func(x, y int, c color.Color, s string) {
		d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
		d.DrawString(s)
	}
	// basicfont is ASCII: "x" for ×, and a drawn square as each rank's key.
	text(4, 13, color.Black, fmt.Sprintf("Mandelbrot %dx%d, %d iterations, a row a task; rows by rank (left strip):", w, h, iters))
	x := 4
	for r := 0; r <= most; r++ {
		key := palette[r%len(palette)]
		draw.Draw(img, image.Rect(x, 19, x+10, 29), image.NewUniform(key), image.Point{}, draw.Src)
		label := fmt.Sprintf("rank %d: %d rows", r, per[r])
		text(x+14, 28, key, label)
		x += 7*len(label) + 30
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// frac is a triangle wave of period 1 between 0 and 1.
func frac(x float64) float64 {
	x -= float64(int(x))
	if x > 0.5 {
		return 2 * (1 - x)
	}
	return 2 * x
}
