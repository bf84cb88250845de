package bench

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/mpigo/mpigo/collectives"
	"github.com/mpigo/mpigo/mpi"
)

// Impl is the name under which this binding's series are reported.
const Impl = "mpigo"

// Config selects what Run measures.
type Config struct {
	Benches   []string  // benchmark names (see Benchmarks); empty: all
	Sizes     []int     // point-to-point message sizes, bytes
	CollSizes []int     // collective sizes, bytes
	Scale     float64   // multiplies the iteration counts (see Iterations); 0 means 1
	Validate  bool      // check the received data after every iteration
	Algos     bool      // also run every algorithm of package collectives
	Hosts     []int     // host of each rank, for the hierarchical broadcast; nil: one host
	HugePages bool      // message buffers from mpi.Alloc (huge pages) instead of make
	Progress  io.Writer // rank 0 writes a line per finished series group; nil: none
	Name      string    // the implementation's name in the series; "": Impl
}

// DefaultConfig is the OSU range: 1 B … 4 MiB point-to-point, 1 B … 16 MiB
// collectives, every benchmark and algorithm.
func DefaultConfig() Config {
	return Config{Sizes: PowersOfTwo(1, 4<<20), CollSizes: PowersOfTwo(1, 16<<20), Scale: 1, Algos: true}
}

// Algorithms lists the algorithms of package collectives that implement
// benchmark name ("dissemination" for the barrier).
func Algorithms(name string) []string {
	switch name {
	case "bcast":
		return collectives.BcastAlgorithms()
	case "scatter", "gather":
		return collectives.ScatterAlgorithms()
	case "allreduce":
		return collectives.AllreduceAlgorithms()
	case "barrier":
		return []string{"dissemination"}
	}
	return nil
}

// Run measures the configured benchmarks on every rank of world (a
// collective call: every rank must call it with the same cfg) and passes
// each series to emit at rank 0. Point-to-point benchmarks run between ranks
// 0 and 1 while the others wait; they are skipped, with a progress line,
// on a single rank.
func Run(world *mpi.Comm, cfg Config, emit func(Series) error) error {
	if cfg.Scale <= 0 {
		cfg.Scale = 1
	}
	if cfg.Name == "" {
		cfg.Name = Impl
	}
	names := cfg.Benches
	if len(names) == 0 {
		names = Names()
	}
	r := &runner{world: world, tr: collectives.FromComm(world), cfg: cfg, rank: world.Rank(), p: world.Size()}
	type step struct {
		b          Benchmark
		name, algo string
	}
	var steps []step // every series to run, counted first for the progress lines
	for _, name := range names {
		b, err := Lookup(name)
		if err != nil {
			return err
		}
		if !b.Collective && r.p < 2 {
			r.progress("# %s needs 2 ranks: skipped\n", name)
			continue
		}
		steps = append(steps, step{b, name, ""})
		if b.Collective && cfg.Algos {
			for _, algo := range Algorithms(name) {
				steps = append(steps, step{b, name, algo})
			}
		}
	}
	begin := time.Now()
	for i, st := range steps {
		start := time.Now()
		for _, size := range r.sizes(st.b) {
			vals, err := r.measure(st.b, st.algo, size)
			if err != nil {
				return fmt.Errorf("%s %d B: %w", label(st.name, st.algo), size, err)
			}
			if r.rank == 0 {
				if err := emit(Series{cfg.Name, st.algo, st.name, size, st.b.Unit, vals}); err != nil {
					return err
				}
			}
		}
		// The time left, guessed from the mean so far: series differ, so it is rough.
		left := time.Since(begin) / time.Duration(i+1) * time.Duration(len(steps)-i-1)
		r.progress("# [%d/%d] %-28s done in %5.1f s; about %s left\n", i+1, len(steps), label(st.name, st.algo),
			time.Since(start).Seconds(), left.Round(time.Second))
	}
	return nil
}

type runner struct {
	world     *mpi.Comm
	tr        collectives.Transport
	cfg       Config
	rank, p   int
	allocated []func() // buffers to free after the series (HugePages)
}

func (r *runner) progress(format string, v ...any) {
	if r.rank == 0 && r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, format, v...)
	}
}

// sizes returns the sizes benchmark b runs at (Benchmark.Sizes).
func (r *runner) sizes(b Benchmark) []int { return b.Sizes(r.cfg.Sizes, r.cfg.CollSizes) }

func (r *runner) measure(b Benchmark, algo string, size int) ([]float64, error) {
	defer r.release()
	iters, warm := Iterations(b, size, r.cfg.Scale)
	if b.Collective {
		op, err := r.collective(b.Name, algo, size)
		if err != nil {
			return nil, err
		}
		return r.timeCollective(op, iters, warm)
	}
	if b.Name == "put-latency" || b.Name == "get-bw" {
		return r.oneSided(size, iters, warm, b.Name == "get-bw")
	}
	if err := r.world.Barrier(); err != nil {
		return nil, err
	}
	var vals []float64
	var err error
	if r.rank < 2 {
		switch b.Name {
		case "latency":
			vals, err = r.latency(size, iters, warm)
		case "bw", "bibw", "bw-persistent":
			vals, err = r.bandwidth(size, iters, warm, b.Name == "bibw", b.Name == "bw-persistent")
		case "value":
			vals, err = r.values(size, iters, warm)
		}
	}
	if err != nil {
		return nil, err
	}
	return vals, r.world.Barrier()
}

// pattern fills b with bytes that depend on seed, so a stale or misplaced
// buffer does not pass for a fresh one.
func pattern(b []byte, seed int) {
	for i := range b {
		b[i] = byte(i*7 + i>>9 + seed*13 + 1)
	}
}

// checkPattern reports where b differs from pattern(b, seed).
func checkPattern(b []byte, seed int, what string) error {
	for i := range b {
		if want := byte(i*7 + i>>9 + seed*13 + 1); b[i] != want {
			return fmt.Errorf("validation: %s: byte %d of %d is %#x, want %#x", what, i, len(b), b[i], want)
		}
	}
	return nil
}

// buffers returns separate send and receive buffers, both written.
func (r *runner) buffers(size int) (send, recv []byte) {
	send, recv = alloc[byte](r, size), alloc[byte](r, size)
	pattern(send, 0)
	pattern(recv, 1)
	return send, recv
}

// alloc returns a message buffer of n elements: from make, or with
// HugePages from mpi.Alloc, freed when the series is done (release).
func alloc[T any](r *runner, n int) []T {
	if !r.cfg.HugePages {
		return make([]T, n)
	}
	s, err := mpi.Alloc[T](n)
	if err != nil {
		panic(err) // out of address space: mpi.Run reports it and ends the job
	}
	r.allocated = append(r.allocated, func() { mpi.Free(s) })
	return s
}

// release frees the buffers alloc took from mpi.Alloc.
func (r *runner) release() {
	for _, free := range r.allocated {
		free()
	}
	r.allocated = r.allocated[:0]
}

// samples records one sample per timed iteration from timestamps: Tick
// after each iteration, and each timed iteration's sample is f(its time).
// A timestamp is one monotonic clock read (time.Since), as C's MPI_Wtime:
// time.Now reads two clocks, 63 ns against 33 here, which added 15 % to
// mpigo's 1-byte latency.
type samples struct {
	vals  []float64
	epoch time.Time
	last  time.Duration
	f     func(time.Duration) float64
}

func newSamples(iters int, f func(time.Duration) float64) *samples {
	return &samples{vals: make([]float64, 0, iters), epoch: time.Now(), f: f}
}

// tick ends iteration k (k < 0: warm-up; the last warm-up one starts the clock).
func (s *samples) tick(k int) {
	now := time.Since(s.epoch)
	if k >= 0 {
		s.vals = append(s.vals, s.f(now-s.last))
	}
	s.last = now
}

func micros(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// latency: ranks 0 and 1 ping-pong; a sample is half a round trip, in µs.
func (r *runner) latency(size, iters, warm int) ([]float64, error) {
	w, peer := r.world, 1-r.rank
	send, recv := r.buffers(size)
	sb, rb := mpi.Buf(send), mpi.Buf(recv)
	s := newSamples(iters, func(d time.Duration) float64 { return micros(d) / 2 })
	for k := -warm; k < iters; k++ {
		if r.cfg.Validate {
			pattern(send, 2*k+r.rank)
		}
		var err error
		if r.rank == 0 {
			if err = w.Send(sb, peer, 1); err == nil {
				_, err = w.Recv(rb, peer, 1)
			}
		} else if _, err = w.Recv(rb, peer, 1); err == nil {
			err = w.Send(sb, peer, 1)
		}
		if err != nil {
			return nil, err
		}
		if r.cfg.Validate {
			if err := checkPattern(recv, 2*k+peer, fmt.Sprintf("rank %d, iteration %d", r.rank, k)); err != nil {
				return nil, err
			}
		}
		s.tick(k)
	}
	return s.vals, nil
}

// oneSided is osu_put_latency (a sample: one Put and Win.Flush, in µs) or,
// with get, osu_get_bw (a sample: a window of Gets and one Flush, in MB/s),
// from rank 0 into rank 1's part of a WinAllocate window, locked once
// (MPI_Win_lock shared); every rank makes and frees the window.
func (r *runner) oneSided(size, iters, warm int, get bool) ([]float64, error) {
	span := size
	if get {
		span *= Window
	}
	win, mem, err := mpi.WinAllocate[byte](r.world, span)
	if err != nil {
		return nil, err
	}
	defer win.Free()
	pattern(mem, 7) // what get-bw reads (--validate checks it)
	if err := r.world.Barrier(); err != nil {
		return nil, err
	}
	var vals []float64
	if r.rank == 0 {
		local := alloc[byte](r, span)
		pattern(local, 0)
		f := func(d time.Duration) float64 { return micros(d) }
		if get {
			f = func(d time.Duration) float64 { return float64(span) / d.Seconds() / 1e6 }
		}
		s := newSamples(iters, f)
		if err := win.Lock(1, false); err != nil {
			return nil, err
		}
		for k := -warm; k < iters; k++ {
			if get {
				for i := range Window {
					if err := win.Get(mpi.Buf(local[i*size:(i+1)*size]), 1, i*size); err != nil {
						return nil, err
					}
				}
			} else if err := win.Put(mpi.Buf(local[:size]), 1, 0); err != nil {
				return nil, err
			}
			if err := win.Flush(1); err != nil {
				return nil, err
			}
			s.tick(k)
		}
		if err := win.Unlock(1); err != nil {
			return nil, err
		}
		if r.cfg.Validate && get {
			if err := checkPattern(local, 7, "the gets from rank 1's window"); err != nil {
				return nil, err
			}
		}
		vals = s.vals
	}
	if err := r.world.Barrier(); err != nil {
		return nil, err
	}
	if r.cfg.Validate && !get && r.rank == 1 {
		if err := checkPattern(mem[:size], 0, "rank 0's puts into the window"); err != nil {
			return nil, err
		}
	}
	return vals, nil
}

// bandwidth is osu_bw (rank 0 sends a window, rank 1 acknowledges it) or,
// bidirectional, osu_bibw (both ranks send a window to each other); a sample
// is one window, in MB/s. persistent makes the window's requests once
// (SendInit, RecvInit) and starts them each window (StartAll).
func (r *runner) bandwidth(size, iters, warm int, bidirectional, persistent bool) ([]float64, error) {
	w, peer := r.world, 1-r.rank
	send, recv := r.buffers(size)
	ack := make([]byte, 4)
	bytes := float64(size * Window)
	if bidirectional {
		bytes *= 2
	}
	s := newSamples(iters, func(d time.Duration) float64 { return bytes / d.Seconds() / 1e6 })
	reqs := make([]*mpi.Request, 0, 2*Window)
	sending, receiving := r.rank == 0 || bidirectional, r.rank == 1 || bidirectional
	post := func(ok bool, start func() (*mpi.Request, error)) error {
		for i := 0; ok && i < Window; i++ {
			q, err := start()
			if err != nil {
				return err
			}
			reqs = append(reqs, q)
		}
		return nil
	}
	irecv, isend := w.Irecv, w.Isend
	if persistent {
		irecv, isend = w.RecvInit, w.SendInit
		defer func() {
			for _, q := range reqs {
				q.Free()
			}
		}()
	}
	for k := -warm; k < iters; k++ {
		if r.cfg.Validate {
			pattern(send, 2*k+r.rank)
		}
		if !persistent || k == -warm {
			reqs = reqs[:0]
			if err := post(receiving, func() (*mpi.Request, error) { return irecv(mpi.Buf(recv), peer, 100) }); err != nil {
				return nil, err
			}
			if err := post(sending, func() (*mpi.Request, error) { return isend(mpi.Buf(send), peer, 100) }); err != nil {
				return nil, err
			}
		}
		if persistent {
			if err := mpi.StartAll(reqs...); err != nil {
				return nil, err
			}
		}
		if err := mpi.WaitAll(reqs...); err != nil {
			return nil, err
		}
		if !bidirectional {
			var err error
			if r.rank == 0 {
				_, err = w.Recv(mpi.Buf(ack), peer, 101)
			} else {
				err = w.Send(mpi.Buf(ack), peer, 101)
			}
			if err != nil {
				return nil, err
			}
		}
		if r.cfg.Validate && receiving {
			if err := checkPattern(recv, 2*k+peer, fmt.Sprintf("rank %d, window %d", r.rank, k)); err != nil {
				return nil, err
			}
		}
		s.tick(k)
	}
	return s.vals, nil
}

// valueMsg is the Go value the value benchmark sends: a small record with
// size/8 float64s.
type valueMsg struct {
	Seq  int
	Name string
	Data []float64
}

// values: rank 0 sends a window of Go values (SendValue: CBOR-encoded),
// rank 1 receives and decodes each (RecvValue) and acknowledges the window;
// a sample is one window, in messages/s.
func (r *runner) values(size, iters, warm int) ([]float64, error) {
	w := r.world
	msg := valueMsg{Name: "mpigo", Data: make([]float64, size/8)}
	for i := range msg.Data {
		msg.Data[i] = float64(i) + 0.5
	}
	var got valueMsg
	ack := make([]byte, 4)
	s := newSamples(iters, func(d time.Duration) float64 { return Window / d.Seconds() })
	for k := -warm; k < iters; k++ {
		for i := range Window {
			seq := k*Window + i
			if r.rank == 0 {
				msg.Seq = seq
				if err := w.SendValue(msg, 1, 200); err != nil {
					return nil, err
				}
				continue
			}
			if _, err := w.RecvValue(&got, 0, 200); err != nil {
				return nil, err
			}
			if r.cfg.Validate && (got.Seq != seq || got.Name != msg.Name || !slices.Equal(got.Data, msg.Data)) {
				return nil, fmt.Errorf("validation: value %d: got seq %d, name %q, %d floats; want %d, %q, %d",
					seq, got.Seq, got.Name, len(got.Data), seq, msg.Name, len(msg.Data))
			}
		}
		var err error
		if r.rank == 0 {
			_, err = w.Recv(mpi.Buf(ack), 1, 201)
		} else {
			err = w.Send(mpi.Buf(ack), 0, 201)
		}
		if err != nil {
			return nil, err
		}
		s.tick(k)
	}
	return s.vals, nil
}

// collectiveOp is one collective call with its data: run is timed; prepare
// and check (used with Validate) write iteration k's input and verify its
// output.
type collectiveOp struct {
	run     func() error
	prepare func(k int)
	check   func(k int) error
}

// timeCollective runs op with a barrier before every iteration, timing each
// rank's call, and returns (at every rank) the slowest rank's time of each
// timed iteration, in µs.
func (r *runner) timeCollective(op collectiveOp, iters, warm int) ([]float64, error) {
	times := make([]float64, iters)
	epoch := time.Now() // then monotonic reads only, as in samples
	for k := -warm; k < iters; k++ {
		if r.cfg.Validate {
			op.prepare(k)
		}
		if err := r.world.Barrier(); err != nil {
			return nil, err
		}
		t0 := time.Since(epoch)
		if err := op.run(); err != nil {
			return nil, err
		}
		if k >= 0 {
			times[k] = micros(time.Since(epoch) - t0)
		}
		if r.cfg.Validate {
			if err := op.check(k); err != nil {
				return nil, fmt.Errorf("rank %d, iteration %d: %w", r.rank, k, err)
			}
		}
	}
	slowest := make([]float64, iters)
	if err := r.world.Allreduce(mpi.Buf(times), mpi.Buf(slowest), mpi.Max); err != nil {
		return nil, err
	}
	return slowest, nil
}

// collective builds benchmark name's call with algo ("" native) at size.
func (r *runner) collective(name, algo string, size int) (collectiveOp, error) {
	w, tr, p, me := r.world, r.tr, r.p, r.rank
	const root = 0
	switch name {
	case "bcast":
		buf := alloc[byte](r, size)
		pattern(buf, 0)
		var opts []collectives.Option
		if algo == "hierarchical" && r.cfg.Hosts != nil {
			opts = append(opts, collectives.Hosts(r.cfg.Hosts))
		}
		return collectiveOp{
			run: func() error {
				if algo == "" {
					return w.Bcast(mpi.Buf(buf), root)
				}
				_, err := collectives.Bcast(tr, buf, root, algo, opts...)
				return err
			},
			prepare: func(k int) {
				if me == root {
					pattern(buf, k)
				} else {
					clear(buf)
				}
			},
			check: func(k int) error { return checkPattern(buf, k, "broadcast buffer") },
		}, nil
	case "scatter", "gather":
		whole, part := alloc[byte](r, p*size), alloc[byte](r, size)
		pattern(whole, 0)
		pattern(part, 1)
		scatter := name == "scatter"
		return collectiveOp{
			run: func() error {
				var err error
				switch {
				case algo == "" && scatter:
					err = w.Scatter(mpi.Buf(whole), mpi.Buf(part), root)
				case algo == "":
					err = w.Gather(mpi.Buf(part), mpi.Buf(whole), root)
				case scatter:
					_, err = collectives.Scatter(tr, whole, part, root, algo)
				default:
					_, err = collectives.Gather(tr, part, whole, root, algo)
				}
				return err
			},
			prepare: func(k int) {
				if scatter {
					clear(part)
					if me == root {
						for i := range p {
							pattern(whole[i*size:(i+1)*size], k*p+i)
						}
					}
					return
				}
				clear(whole)
				pattern(part, k*p+me)
			},
			check: func(k int) error {
				if scatter {
					return checkPattern(part, k*p+me, "scattered part")
				}
				return checkBlocks(whole, size, me == root, func(i int) int { return k*p + i })
			},
		}, nil
	case "allgather", "alltoall":
		n := size
		if name == "alltoall" {
			n = p * size
		}
		send, recv := alloc[byte](r, n), alloc[byte](r, p*size)
		pattern(send, 0)
		pattern(recv, 1)
		return collectiveOp{
			run: func() error {
				if name == "allgather" {
					return w.Allgather(mpi.Buf(send), mpi.Buf(recv))
				}
				return w.Alltoall(mpi.Buf(send), mpi.Buf(recv))
			},
			prepare: func(k int) {
				clear(recv)
				if name == "allgather" {
					pattern(send, k*p+me)
					return
				}
				for j := range p { // block j goes to rank j
					pattern(send[j*size:(j+1)*size], (k*p+me)*p+j)
				}
			},
			check: func(k int) error {
				if name == "allgather" {
					return checkBlocks(recv, size, true, func(i int) int { return k*p + i })
				}
				return checkBlocks(recv, size, true, func(i int) int { return (k*p+i)*p + me })
			},
		}, nil
	case "reduce", "allreduce":
		n := size / 8
		send, recv := alloc[float64](r, n), alloc[float64](r, n)
		input := func(k int) {
			for i := range send {
				send[i] = float64((i%11+1)*(me+1) + k%5)
			}
		}
		input(0)
		var data []float64 // the in-place vector of the algorithms
		if algo != "" {
			data = slices.Clone(send)
		}
		return collectiveOp{
			run: func() error {
				switch {
				case name == "reduce":
					return w.Reduce(mpi.Buf(send), mpi.Buf(recv), mpi.Sum, root)
				case algo == "":
					return w.Allreduce(mpi.Buf(send), mpi.Buf(recv), mpi.Sum)
				}
				_, err := collectives.Allreduce(tr, data, collectives.SumFloat64, algo)
				return err
			},
			prepare: func(k int) {
				input(k)
				clear(recv)
				copy(data, send)
			},
			check: func(k int) error {
				out := recv
				if algo != "" {
					out = data
				}
				if name == "reduce" && me != root {
					return nil
				}
				for i, v := range out {
					if want := float64((i%11+1)*p*(p+1)/2 + p*(k%5)); v != want {
						return fmt.Errorf("validation: element %d of %d is %g, want %g", i, n, v, want)
					}
				}
				return nil
			},
		}, nil
	case "barrier":
		return collectiveOp{
			run: func() error {
				if algo == "" {
					return w.Barrier()
				}
				_, err := collectives.Barrier(tr)
				return err
			},
			prepare: func(int) {},
			check:   func(int) error { return nil },
		}, nil
	}
	return collectiveOp{}, fmt.Errorf("bench: %q is not a collective", name)
}

// checkBlocks checks block i of buf (size bytes each) against
// pattern(seed(i)); nothing when !here.
func checkBlocks(buf []byte, size int, here bool, seed func(i int) int) error {
	if !here {
		return nil
	}
	for i := range len(buf) / max(size, 1) {
		if err := checkPattern(buf[i*size:(i+1)*size], seed(i), fmt.Sprintf("block %d", i)); err != nil {
			return err
		}
	}
	return nil
}
