package chat

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mpigo/mpigo/mpi"
)

// printer writes events, one line each, for people or (JSON) for tools. On
// a terminal (prompt set) each event first clears the line being typed and
// is followed by the prompt again.
type printer struct {
	out    io.Writer
	json   bool
	prompt func() string
	mu     *sync.Mutex
	tag    string // before each line where ranks share one output (mpiexec's)
}

func (p printer) print(ev Event) {
	if p.mu != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
	}
	if p.json {
		b, _ := json.Marshal(ev)
		fmt.Fprintf(p.out, "%s\n", b)
		return
	}
	if p.prompt != nil {
		fmt.Fprint(p.out, "\r\033[K")
	}
	t := p.tag + time.UnixMilli(ev.Time).Format("15:04:05")
	who := fmt.Sprintf("%s(%d)", ev.Name, ev.From)
	switch ev.Kind {
	case "msg", "history", "replay":
		mark := ""
		if ev.Kind != "msg" {
			mark = " (" + ev.Kind + ")"
		}
		fmt.Fprintf(p.out, "%s #%-10s %-16s %s  [seq %d]%s\n", t, ev.Channel, who, ev.Text, ev.Seq, mark)
	case "dm":
		fmt.Fprintf(p.out, "%s @%-10s %-16s %s\n", t, ev.ToName, who, ev.Text)
	case "join", "leave":
		fmt.Fprintf(p.out, "%s #%-10s %-16s %ss\n", t, ev.Channel, who, ev.Kind)
	case "bye":
		fmt.Fprintf(p.out, "%s you left the chat\n", t)
	case "nick":
		fmt.Fprintf(p.out, "%s %-11s %s\n", t, "info:", ev.Text)
	default:
		fmt.Fprintf(p.out, "%s %-11s %s\n", t, ev.Kind+":", ev.Text)
	}
	if p.prompt != nil {
		switch ev.Kind {
		case "bye", "shutdown", "disconnected":
		default:
			fmt.Fprint(p.out, p.prompt())
		}
	}
}

// defaultChannel is where a person arrives, so that a first line of text
// goes somewhere.
const defaultChannel = "general"

// session is what a client knows of itself: its name and the channels it
// joined, the last one current (where plain text goes).
type session struct {
	mu     sync.Mutex
	nick   string
	joined []string
}

func (s *session) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.joined) == 0 {
		return ""
	}
	return s.joined[len(s.joined)-1]
}

// join makes ch current (joined again, it moves to the end); leave drops it.
func (s *session) join(ch string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.joined = append(slices.DeleteFunc(s.joined, func(c string) bool { return c == ch }), ch)
}

func (s *session) leave(ch string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.joined = slices.DeleteFunc(s.joined, func(c string) bool { return c == ch })
}

func (s *session) prompt() string {
	s.mu.Lock()
	nick := s.nick
	s.mu.Unlock()
	if ch := s.current(); ch != "" {
		return nick + " #" + ch + "> "
	}
	return nick + "> "
}

// help is what /help prints.
const help = `commands:
  /join CH        join channel CH (made if new) and post there; joined again, CH becomes current
  /leave CH       leave CH; plain text then goes to the channel joined before it
  /channels       the channels with members
  /who CH         who is in CH
  /msg NAME text  a direct message (NAME: a nickname, or @RANK)
  /history CH [n] the last n messages of CH again
  /nick NAME      your name (no spaces, unique)
  /help           this list
  /quit           leave the chat
plain text goes to the current channel; "all" is a read-only view of every channel`

// runClient sends the commands of its input (a terminal, a script or
// standard input) to the server (rank 0 of server: World, or the remote
// group of a client that joined) and prints what the server sends, at the same time, until
// the server says bye, shutdown or disconnected. Then it tells the server it
// is gone: the server receives until every client has, so no send of a
// client is left waiting for a server that stopped listening. Without input
// (listen) the client only prints, until the server ends the chat.
func runClient(server *mpi.Comm, id int, cfg Config, out printer, input io.Reader, me *session, listen, ping bool) error {
	finished := make(chan struct{}) // closed on the final event
	var recvErr error
	var readDelay atomic.Int64 // set by the script line /slow DURATION: a slow reader, for tests
	go func() {                // receiving
		defer close(finished)
		for {
			var ev Event
			if _, err := server.RecvValue(&ev, 0, tagEvent); err != nil {
				recvErr = err
				return
			}
			time.Sleep(time.Duration(readDelay.Load()))
			if ev.Kind == "nick" {
				me.mu.Lock()
				me.nick = ev.Name
				me.mu.Unlock()
			}
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
			case lines <- printable(sc.Text()):
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
	send := func(c command) error { return server.SendValue(c, 0, tagCommand) }
	var pinger sync.WaitGroup
	if ping { // a client of its own job: the server hears it is alive
		pinger.Add(1)
		go func() {
			defer pinger.Done()
			t := time.NewTicker(pingEvery)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					if send(command{Kind: "ping"}) != nil {
						return
					}
				case <-finished:
					return
				}
			}
		}()
	}
	gone := func() error { // the last message: nothing may follow it
		pinger.Wait()
		return send(command{Kind: "gone"})
	}
	local := func(kind, text string) { out.print(Event{Kind: kind, Text: text, Time: now()}) }

	quit := false
	wait(cfg.StartDelay)
	if out.prompt != nil { // a person: welcomed (a joiner by the server, which names it) and put in #general
		if cfg.Join == "" {
			local("info", "welcome, "+me.nick+": you are in #"+defaultChannel+"; /help lists the commands")
		}
		me.join(defaultChannel)
		if err := send(command{Kind: "join", Channel: defaultChannel}); err != nil {
			return err
		}
	}
	if listen {
		<-finished
		if recvErr != nil {
			return recvErr
		}
		return gone()
	}
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
			if out.prompt != nil {
				out.mu.Lock()
				fmt.Fprint(out.out, out.prompt())
				out.mu.Unlock()
			}
			continue
		}
		if d, ok := strings.CutPrefix(line, "/slow "); ok { // local: read events slowly
			if delay, err := time.ParseDuration(strings.TrimSpace(d)); err == nil {
				readDelay.Store(int64(delay))
				continue
			}
		}
		if strings.TrimSpace(line) == "/help" {
			local("help", "\n"+help)
			continue
		}
		c, err := parse(line, me.current())
		if err != nil {
			local("error", err.Error())
			continue
		}
		switch {
		case c.Kind == "join" && c.Channel != allView:
			me.join(c.Channel)
		case c.Kind == "leave":
			me.leave(c.Channel)
		}
		quit = c.Kind == "quit"
		if err := send(c); err != nil {
			return err
		}
	}
	if !quit && !stopped() && cfg.Bots > 0 {
		if err := bots(cfg, id, send, stopped); err != nil {
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
	return gone()
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

// printable drops control characters from a typed line (a terminal can
// deliver a NUL or an escape sequence with the text).
func printable(line string) string {
	if !utf8.ValidString(line) {
		return line // refused whole by parse (strings.Map would mend it)
	}
	return strings.Map(func(r rune) rune {
		if r != '\t' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, line)
}

// parse turns an input line into a command; current is the channel plain
// text goes to.
func parse(line, current string) (command, error) {
	if !utf8.ValidString(line) {
		return command{}, fmt.Errorf("input is not valid UTF-8")
	}
	if !strings.HasPrefix(line, "/") {
		if current == "" {
			return command{}, fmt.Errorf("you are in no channel: /join NAME first (/help lists the commands)")
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
		_, text, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "/msg")), " ")
		if arg(1) == "" || strings.TrimSpace(text) == "" {
			return command{}, fmt.Errorf("usage: /msg NAME text (NAME: a nickname, or @RANK)")
		}
		c := command{Kind: "msg", Text: strings.TrimSpace(text)}
		if r, ok := strings.CutPrefix(arg(1), "@"); ok {
			to, err := strconv.Atoi(r)
			if err != nil || to < 1 {
				return command{}, fmt.Errorf("usage: /msg NAME text (NAME: a nickname, or @RANK)")
			}
			c.To = to
		} else {
			c.ToName = arg(1)
		}
		return c, nil
	case "/nick":
		return command{Kind: "nick", Text: strings.TrimSpace(strings.TrimPrefix(line, "/nick"))}, nil
	case "/quit":
		return command{Kind: "quit"}, nil
	}
	return command{}, fmt.Errorf("unknown command %s (/help lists them)", f[0])
}

// Run runs the chat on this rank of world: the server on rank 0, a client
// on every other rank.
func Run(world *mpi.Comm, cfg Config) error {
	if world.Size() < 2 && cfg.Service == "" && cfg.Join == "" {
		return fmt.Errorf("chat needs at least 2 ranks (a server and a client), or --service to take clients that join")
	}
	if cfg.Join != "" && world.Size() != 1 {
		return fmt.Errorf("chat --join: run it as a job of one rank (mpiexec -n 1)")
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
	if cfg.Join != "" {
		return joinChat(cfg, out)
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
		case !isDevNull(os.Stdin): // what is typed at mpiexec (OpenMPI forwards it to rank 0)
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
	me := &session{nick: fmt.Sprintf("rank-%d", rank)}
	p := printer{out: out, json: cfg.JSON}
	if cfg.Out == "" {
		p.tag = fmt.Sprintf("[%d] ", rank) // the clients' lines mix in mpiexec's output
	}
	var input io.Reader = strings.NewReader("")
	listen := false
	switch {
	case rank <= len(cfg.TTYs) && cfg.TTYs[rank-1] != "":
		// Its own terminal (a tmux pane): read lines typed there, write
		// there, with a prompt.
		tty, err := os.OpenFile(cfg.TTYs[rank-1], os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("chat: rank %d's terminal: %w", rank, err)
		}
		defer tty.Close()
		input = tty
		if cfg.Out == "" {
			p.out, p.tag = tty, ""
		}
		if !cfg.JSON {
			p.prompt, p.mu = me.prompt, &sync.Mutex{}
		}
	case cfg.Script != "":
		f, err := os.Open(subst(cfg.Script))
		if err != nil {
			return err
		}
		defer f.Close()
		input = f
	case cfg.Bots > 0:
		if len(cfg.TTYs) > 0 && cfg.Out == "" {
			p.out = io.Discard // a bot among people with terminals: not in the server's pane
		}
	case isDevNull(os.Stdin):
		// mpiexec gives standard input to one rank only: the others listen.
		listen = true
		fmt.Fprintf(out, "rank %d: no input here (mpiexec gives standard input to one rank); listening. make chat gives each client a terminal\n", rank)
	default:
		input = os.Stdin
	}
	return runClient(world, rank, cfg, p, input, me, listen, false)
}

// joinChat is a client in a job of its own: it connects to the chat's
// server, reads its script or what is typed at mpiexec, and disconnects.
func joinChat(cfg Config, out io.Writer) error {
	ic, err := join(cfg.Join, cfg.PortFile)
	if err != nil {
		return err
	}
	me := &session{nick: "guest"}
	p := printer{out: out, json: cfg.JSON}
	var input io.Reader = os.Stdin
	if cfg.Script != "" {
		f, err := os.Open(strings.ReplaceAll(cfg.Script, "%r", "0"))
		if err != nil {
			return err
		}
		defer f.Close()
		input = f
	} else if !cfg.JSON {
		p.prompt, p.mu = me.prompt, &sync.Mutex{}
	}
	if err := runClient(ic, 0, cfg, p, input, me, false, true); err != nil {
		return err
	}
	return ic.Disconnect()
}

// isDevNull reports whether f is /dev/null, the standard input mpiexec gives
// all ranks but one.
func isDevNull(f *os.File) bool {
	fi, err1 := f.Stat()
	null, err2 := os.Stat(os.DevNull)
	return err1 == nil && err2 == nil && os.SameFile(fi, null)
}
