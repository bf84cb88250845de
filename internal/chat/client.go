package chat

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/mpigo/mpigo/mpi"
)

// printer writes events, one line each, for people or (JSON) for tools.
type printer struct {
	out  io.Writer
	json bool
}

func (p printer) print(ev Event) {
	if p.json {
		b, _ := json.Marshal(ev)
		fmt.Fprintf(p.out, "%s\n", b)
		return
	}
	t := time.UnixMilli(ev.Time).Format("15:04:05.000")
	who := fmt.Sprintf("%s(%d)", ev.Name, ev.From)
	switch ev.Kind {
	case "msg", "history", "replay":
		mark := ""
		if ev.Kind != "msg" {
			mark = " (" + ev.Kind + ")"
		}
		fmt.Fprintf(p.out, "%s #%-10s %-14s %s  [seq %d]%s\n", t, ev.Channel, who, ev.Text, ev.Seq, mark)
	case "dm":
		fmt.Fprintf(p.out, "%s @%-10d %-14s %s\n", t, ev.To, who, ev.Text)
	case "join", "leave":
		fmt.Fprintf(p.out, "%s #%-10s %-14s %ss\n", t, ev.Channel, who, ev.Kind)
	default:
		fmt.Fprintf(p.out, "%s %-11s %s\n", t, ev.Kind+":", ev.Text)
	}
}

// runClient sends the commands of its input (a script or standard input)
// and prints what the server sends, at the same time, until the server says
// bye, shutdown or disconnected. Then it tells the server it is gone: the
// server receives until every client has, so no send of a client is left
// waiting for a server that stopped listening.
func runClient(world *mpi.Comm, cfg Config, out printer, input io.Reader) error {
	finished := make(chan struct{}) // closed on the final event
	var recvErr error
	var readDelay atomic.Int64 // set by the script line /slow DURATION: a slow reader, for tests
	go func() {                // receiving
		defer close(finished)
		for {
			var ev Event
			if _, err := world.RecvValue(&ev, 0, tagEvent); err != nil {
				recvErr = err
				return
			}
			time.Sleep(time.Duration(readDelay.Load()))
			out.print(ev)
			switch ev.Kind {
			case "bye", "shutdown", "disconnected":
				return
			}
		}
	}()
	lines := make(chan string)
	go func() { // reading input, so that waiting for it never holds up the end
		defer close(lines)
		sc := bufio.NewScanner(input)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-finished:
				return
			}
		}
	}()
	stopped := func() bool {
		select {
		case <-finished:
			return true
		default:
			return false
		}
	}
	wait := func(d time.Duration) bool { // false if the chat ended meanwhile
		select {
		case <-time.After(d):
			return true
		case <-finished:
			return false
		}
	}
	send := func(c command) error { return world.SendValue(c, 0, tagCommand) }
	localError := func(text string) { out.print(Event{Kind: "error", Text: text, Time: now()}) }

	current, quit := "", false
	wait(cfg.StartDelay)
loop:
	for !quit && !stopped() {
		var line string
		select {
		case l, ok := <-lines:
			if !ok {
				break loop
			}
			line = l
		case <-finished:
			break loop
		}
		if strings.HasPrefix(line, "@") { // "@500ms rest": wait first
			delay, rest, _ := strings.Cut(line[1:], " ")
			if d, err := time.ParseDuration(delay); err == nil {
				if !wait(d) {
					break
				}
				line = rest
			}
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if d, ok := strings.CutPrefix(line, "/slow "); ok { // local: read events slowly
			if delay, err := time.ParseDuration(strings.TrimSpace(d)); err == nil {
				readDelay.Store(int64(delay))
				continue
			}
		}
		c, err := parse(line, current, world.Rank())
		if err != nil {
			localError(err.Error())
			continue
		}
		if c.Kind == "join" && c.Channel != allView {
			current = c.Channel
		}
		quit = c.Kind == "quit"
		if err := send(c); err != nil {
			return err
		}
	}
	if !quit && !stopped() && cfg.Bots > 0 {
		if err := bots(cfg, world.Rank(), send, stopped); err != nil {
			return err
		}
	}
	if !quit && !stopped() {
		if err := send(command{Kind: "quit"}); err != nil {
			return err
		}
	}
	<-finished
	if recvErr != nil {
		return recvErr
	}
	return send(command{Kind: "gone"})
}

// bots joins the bot channel and posts cfg.Bots messages at cfg.Rate a second.
func bots(cfg Config, rank int, send func(command) error, stopped func() bool) error {
	if err := send(command{Kind: "join", Channel: cfg.BotChannel}); err != nil {
		return err
	}
	var tick <-chan time.Time
	if cfg.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / cfg.Rate))
		defer t.Stop()
		tick = t.C
	}
	for i := range cfg.Bots {
		if stopped() {
			return nil
		}
		if tick != nil {
			<-tick
		}
		text := fmt.Sprintf("bot %d message %d", rank, i)
		if len(text) < cfg.BotSize {
			text += strings.Repeat(".", cfg.BotSize-len(text))
		}
		if err := send(command{Kind: "post", Channel: cfg.BotChannel, Text: text}); err != nil {
			return err
		}
	}
	return nil
}

// parse turns an input line into a command; current is the channel plain
// text goes to.
func parse(line, current string, rank int) (command, error) {
	if !utf8.ValidString(line) {
		return command{}, fmt.Errorf("input is not valid UTF-8")
	}
	if !strings.HasPrefix(line, "/") {
		if current == "" {
			return command{}, fmt.Errorf("join a channel first (/join NAME)")
		}
		return command{Kind: "post", Channel: current, Text: line}, nil
	}
	f := strings.Fields(line)
	arg := func(i int) string {
		if i < len(f) {
			return f[i]
		}
		return ""
	}
	switch f[0] {
	case "/join", "/leave", "/who":
		if arg(1) == "" || len(f) > 2 {
			return command{}, fmt.Errorf("usage: %s CHANNEL", f[0])
		}
		return command{Kind: f[0][1:], Channel: arg(1)}, nil
	case "/channels":
		return command{Kind: "channels"}, nil
	case "/history":
		n := 0
		if arg(2) != "" {
			var err error
			if n, err = strconv.Atoi(arg(2)); err != nil || n < 0 {
				return command{}, fmt.Errorf("usage: /history CHANNEL [n]")
			}
		}
		if arg(1) == "" {
			return command{}, fmt.Errorf("usage: /history CHANNEL [n]")
		}
		return command{Kind: "history", Channel: arg(1), N: n}, nil
	case "/msg":
		to, err := strconv.Atoi(strings.TrimPrefix(arg(1), "@"))
		if err != nil || !strings.HasPrefix(arg(1), "@") {
			return command{}, fmt.Errorf("usage: /msg @RANK text")
		}
		_, text, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "/msg")), " ")
		return command{Kind: "msg", To: to, Text: strings.TrimSpace(text)}, nil
	case "/nick":
		return command{Kind: "nick", Text: strings.TrimSpace(strings.TrimPrefix(line, "/nick"))}, nil
	case "/quit":
		return command{Kind: "quit"}, nil
	}
	return command{}, fmt.Errorf("unknown command %s (have /join /leave /channels /who /msg /history /nick /quit)", f[0])
}

// Run runs the chat on this rank of world: the server on rank 0, a client
// on every other rank.
func Run(world *mpi.Comm, cfg Config) error {
	if world.Size() < 2 {
		return fmt.Errorf("chat needs at least 2 ranks (a server and a client)")
	}
	if cfg.QueueLen <= 0 || cfg.History < 0 || cfg.MaxLen <= 0 {
		return fmt.Errorf("chat: queue length and maximum message length must be positive, history not negative")
	}
	rank := world.Rank()
	subst := func(s string) string { return strings.ReplaceAll(s, "%r", strconv.Itoa(rank)) }
	if cfg.PIDFile != "" {
		if err := os.WriteFile(subst(cfg.PIDFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return err
		}
	}
	var out io.Writer = os.Stdout
	if cfg.Out != "" {
		f, err := os.Create(subst(cfg.Out))
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	if rank == 0 {
		local := make(chan string)
		var in io.Reader
		switch {
		case cfg.ServerScript != "":
			f, err := os.Open(cfg.ServerScript)
			if err != nil {
				return err
			}
			defer f.Close()
			in = f
		case cfg.ServerInput:
			in = os.Stdin
		}
		if in != nil {
			go func() {
				sc := bufio.NewScanner(in)
				for sc.Scan() {
					line := sc.Text()
					if delay, rest, ok := strings.Cut(strings.TrimPrefix(line, "@"), " "); ok && strings.HasPrefix(line, "@") {
						if d, err := time.ParseDuration(delay); err == nil {
							time.Sleep(d)
							line = rest
						}
					}
					local <- line
				}
			}()
		}
		return serve(world, cfg, out, local)
	}
	var input io.Reader = strings.NewReader("")
	switch {
	case cfg.Script != "":
		f, err := os.Open(subst(cfg.Script))
		if err != nil {
			return err
		}
		defer f.Close()
		input = f
	case cfg.Bots == 0:
		input = os.Stdin
	}
	return runClient(world, cfg, printer{out: out, json: cfg.JSON}, input)
}
