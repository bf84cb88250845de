package chat

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mpigo/mpigo/mpi"
)

type channel struct {
	members map[int]bool
	seq     int
	history []Event
}

type client struct {
	rank  int       // its id: a rank of World, or from World's size on, a client that joined
	comm  *mpi.Comm // where it is: World, or the intercommunicator of its own job
	peer  int       // its rank in comm
	name  string
	queue chan Event
	gone  bool
	lost  atomic.Bool   // its job ended without a word: nothing more is sent to it
	final Event         // sent after the queue is drained and closed: bye, shutdown or disconnected
	sent  chan struct{} // closed when its sender is done
}

type server struct {
	cfg      Config
	world    *mpi.Comm
	log      io.Writer
	channels map[string]*channel
	clients  map[int]*client
	watchers map[int]bool   // members of the read-only "all" view
	senders  sync.WaitGroup // the senders of World's clients
	fanned   int            // events queued for clients
	started  time.Time      // the first command
	journal  *os.File       // the durable log (Config.Log), or nil
	// Sends to clients of their own jobs that were given up (sendTo).
	abandonedMu sync.Mutex
	abandoned   []*mpi.Request
}

const allView = "all"

// joinSilence is how long a client that joined may say nothing (it pings
// every pingEvery) before it is taken for gone.
const (
	joinSilence = 5 * time.Second
	pingEvery   = time.Second
)

// incoming is a command from a client (from: its id), or the end of its
// stream (err).
type incoming struct {
	from int
	cmd  command
	err  error
}

// serve runs rank 0 until every client has quit or been disconnected, or
// /shutdown was typed at the server; with cfg.Service, it also takes
// clients that join from jobs of their own, until /shutdown.
func serve(world *mpi.Comm, cfg Config, log io.Writer, local <-chan string) error {
	s := &server{cfg: cfg, world: world, log: log, channels: map[string]*channel{},
		clients: map[int]*client{}, watchers: map[int]bool{}}
	if cfg.Log != "" {
		if err := s.replay(cfg.Log); err != nil {
			return err
		}
		defer s.journal.Close()
	}
	fmt.Fprintf(log, "server: %d clients; each reads its own terminal (--ttys, as make chat sets up), a script or bots; /shutdown here ends the chat\n", world.Size()-1)
	for r := 1; r < world.Size(); r++ {
		s.add(&client{rank: r, comm: world, peer: r, name: fmt.Sprintf("rank-%d", r)})
	}
	// Commands from the clients, and from the server's own input, in one stream.
	in := make(chan incoming, 64)
	go func() {
		reported := map[int]bool{}
		for {
			var c command
			st, err := world.RecvValue(&c, mpi.AnySource, tagCommand)
			if mpi.FaultTolerant() && (errors.Is(err, mpi.ErrProcFailedPending) || errors.Is(err, mpi.ErrProcFailed)) {
				// A client's rank died (a fault-tolerant job): tell the loop
				// which, acknowledge it so that AnySource receives go on.
				dead, ferr := world.FailedRanks()
				if ferr == nil {
					_, ferr = world.AckFailed(len(dead))
				}
				if ferr != nil {
					in <- incoming{0, command{}, ferr}
					return
				}
				for _, r := range dead {
					if !reported[r] {
						reported[r] = true
						in <- incoming{r, command{}, fmt.Errorf("%w: %v", errClientDied, err)}
					}
				}
				continue
			}
			var merr *mpi.Error
			if errors.As(err, &merr) && merr.Class == mpi.ClassArg { // undecodable: that client's problem
				fmt.Fprintf(log, "server: bad message from rank %d: %v\n", st.Source, err)
				in <- incoming{st.Source, command{Kind: "invalid"}, nil}
				continue
			}
			in <- incoming{st.Source, c, err}
			if err != nil || c.Kind == "stop" {
				return
			}
		}
	}()
	var door *door
	if cfg.Service != "" {
		var err error
		knock := cfg.Knock
		if len(knock) == 0 {
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			knock = []string{exe, "chat", "--knock"}
		}
		if door, err = openDoor(cfg.Service, cfg.PortFile, knock, log); err != nil {
			return err
		}
	}
	var joins <-chan *mpi.Comm
	if door != nil {
		joins = door.joins
	}
	// Serve until every client is gone: it got its final event (bye, shutdown,
	// disconnected) and said it will send nothing more; and while joins are
	// taken, until /shutdown.
	open := world.Size() - 1
	heard := map[int]time.Time{} // joined clients: when each was last heard from
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for open > 0 || joins != nil {
		select {
		case <-tick.C:
			for id, at := range heard {
				if c := s.clients[id]; time.Since(at) > joinSilence {
					// Its job ended: OpenMPI leaves this one running but
					// reports nothing on the intercommunicator.
					fmt.Fprintf(log, "server: %s (client %d) is gone: no word for %v\n", c.name, c.rank, joinSilence)
					c.lost.Store(true)
					s.disconnect(c, Event{})
					delete(heard, id)
					open--
				}
			}
		case m := <-in:
			c := s.clients[m.from]
			if _, joined := heard[m.from]; joined {
				heard[m.from] = time.Now()
			}
			switch {
			case m.cmd.Kind == "ping":
			case errors.Is(m.err, errClientDied):
				fmt.Fprintf(log, "server: %s (client %d) died; the chat goes on without it\n", c.name, c.rank)
				c.lost.Store(true)
				s.disconnect(c, Event{})
				open--
			case m.err != nil && m.from < world.Size():
				return m.err
			case m.err != nil: // a joined client's job ended without a word
				fmt.Fprintf(log, "server: %s (client %d) is gone: %v\n", c.name, c.rank, m.err)
				c.lost.Store(true)
				s.disconnect(c, Event{})
				open--
			case m.cmd.Kind == "gone":
				open--
				if m.from >= world.Size() {
					delete(heard, m.from)
					door.farewell(c.comm)
				}
			default:
				if s.started.IsZero() {
					s.started = time.Now()
				}
				s.handle(m.from, m.cmd)
			}
		case ic := <-joins:
			c := &client{rank: world.Size() + door.count, comm: ic, peer: 0}
			c.name = fmt.Sprintf("guest-%d", c.rank)
			door.count++
			s.add(c)
			heard[c.rank] = time.Now()
			open++
			go receiveFrom(c, in)
			fmt.Fprintf(log, "server: %s (client %d) joined from a job of its own\n", c.name, c.rank)
			s.deliver(c.rank, Event{Kind: "nick", From: c.rank, Name: c.name, Text: fmt.Sprintf("welcome, %s: you joined from a job of your own and are in #%s (/help lists the commands)", c.name, defaultChannel), Time: now()})
		case line := <-local:
			if strings.TrimSpace(line) == "/shutdown" {
				fmt.Fprintln(log, "server: shutting down")
				for _, c := range s.clients {
					s.disconnect(c, Event{Kind: "shutdown", Text: "the server shut down", Time: now()})
				}
				if door != nil {
					door.close()
					joins = nil
				}
			} else {
				fmt.Fprintf(log, "server: unknown command %q (the server takes /shutdown)\n", line)
			}
		}
	}
	s.senders.Wait()
	if door != nil {
		door.wait()
	}
	for _, c := range s.clients {
		if c.rank >= world.Size() && !c.lost.Load() {
			<-c.sent
		}
	}
	// End the receiving goroutine with a message of our own.
	if err := world.SendValue(command{Kind: "stop"}, 0, tagCommand); err != nil {
		return err
	}
	for m := range in {
		if m.cmd.Kind == "stop" || m.err != nil && m.from < world.Size() {
			break
		}
	}
	if d := time.Since(s.started); !s.started.IsZero() {
		fmt.Fprintf(log, "server: done: %d events fanned out in %.3f s (%.0f events/s)\n", s.fanned, d.Seconds(), float64(s.fanned)/d.Seconds())
	} else {
		fmt.Fprintln(log, "server: done")
	}
	return nil
}

// add registers c and starts its sender.
// errClientDied is the error a dead client's rank gets in a fault-tolerant
// job (mpiexec --with-ft ulfm): the server goes on without it.
var errClientDied = errors.New("its rank died")

func (s *server) add(c *client) {
	c.queue = make(chan Event, s.cfg.QueueLen)
	c.sent = make(chan struct{})
	s.clients[c.rank] = c
	if c.comm == s.world {
		s.senders.Add(1)
	}
	go s.send(c)
}

// receiveFrom passes on the commands of a joined client until it says it is
// gone, or its job ends (an error).
func receiveFrom(c *client, in chan<- incoming) {
	for {
		var cmd command
		_, err := c.comm.RecvValue(&cmd, c.peer, tagCommand)
		var merr *mpi.Error
		if errors.As(err, &merr) && merr.Class == mpi.ClassArg {
			in <- incoming{c.rank, command{Kind: "invalid"}, nil}
			continue
		}
		in <- incoming{c.rank, cmd, err}
		if err != nil || cmd.Kind == "gone" {
			return
		}
	}
}

// send delivers a client's events in order; once the queue is closed and
// drained, it sends the client's final event and stops. One goroutine per
// client, so a slow client holds up no one else.
// A joined client's sender is not waited for once the client is lost: a send
// to a job that died never returns (OpenMPI 4.1 retries the connection).
func (s *server) send(c *client) {
	defer close(c.sent)
	if c.comm == s.world {
		defer s.senders.Done()
	}
	for ev := range c.queue {
		if c.lost.Load() {
			continue
		}
		if err := s.sendTo(c, ev); err != nil {
			fmt.Fprintf(s.log, "server: sending to %s (client %d): %v\n", c.name, c.rank, err)
			return
		}
	}
	if c.lost.Load() {
		return
	}
	if err := s.sendTo(c, c.final); err != nil {
		fmt.Fprintf(s.log, "server: sending to %s (client %d): %v\n", c.name, c.rank, err)
	}
}

// sendTo sends ev to c. To a client of its own job it is a nonblocking send
// given up after joinSilence, or once the client is taken for gone: a send
// to a job that died never completes (OpenMPI 4.1 retries the connection),
// and a thread left inside MPI_Send crashes in MPI_Finalize. The abandoned
// request is kept (MPI holds it, and its buffer).
func (s *server) sendTo(c *client, ev Event) error {
	if c.comm == s.world {
		return c.comm.SendValue(ev, c.peer, tagEvent)
	}
	q, err := c.comm.IsendValue(ev, c.peer, tagEvent)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(joinSilence)
	for {
		if done, _, err := q.Test(); done {
			return err
		}
		if c.lost.Load() || time.Now().After(deadline) {
			s.abandonedMu.Lock()
			s.abandoned = append(s.abandoned, q)
			s.abandonedMu.Unlock()
			return fmt.Errorf("not delivered in %v: given up", joinSilence)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// disconnect removes c from every channel (the others see it leave), and
// closes its queue with final as the last event it will get.
func (s *server) disconnect(c *client, final Event) {
	if c.gone {
		return
	}
	c.gone = true
	s.leaveAll(c.rank)
	c.final = final
	close(c.queue)
}

// deliver queues ev for rank r. A full queue disconnects the client: it gets
// a notice after what it already has queued, and the server's log says so.
func (s *server) deliver(r int, ev Event) {
	c := s.clients[r]
	if c == nil || c.gone {
		return
	}
	select {
	case c.queue <- ev:
		s.fanned++
	default:
		fmt.Fprintf(s.log, "server: %s (client %d) is too slow: its queue of %d is full; disconnected\n", c.name, r, cap(c.queue))
		s.disconnect(c, Event{Kind: "disconnected", Text: "your queue overflowed: disconnected", Time: now()})
	}
}

func (s *server) reply(r int, kind, text string) {
	s.deliver(r, Event{Kind: kind, Text: text, Time: now()})
}

func (s *server) handle(from int, cmd command) {
	c := s.clients[from]
	if c == nil || c.gone {
		return
	}
	switch cmd.Kind {
	case "nick":
		name := strings.TrimSpace(cmd.Text)
		if err := checkNick(name); err != "" {
			s.reply(from, "error", err)
			return
		}
		if other := s.byName(name); other != nil && other != c {
			s.reply(from, "error", fmt.Sprintf("the name %s is taken (client %d)", name, other.rank))
			return
		}
		c.name = name
		s.deliver(from, Event{Kind: "nick", From: from, Name: name, Text: "you are now " + name, Time: now()})
	case "join":
		s.join(from, cmd.Channel)
	case "leave":
		s.leave(from, cmd.Channel, true)
	case "channels":
		var names []string
		for n, ch := range s.channels {
			if len(ch.members) > 0 { // a channel nobody is in is not listed (its history stays)
				names = append(names, fmt.Sprintf("%s (%d)", n, len(ch.members)))
			}
		}
		sort.Strings(names)
		if len(names) == 0 {
			s.reply(from, "info", "no channels yet: /join NAME makes one")
			return
		}
		s.reply(from, "info", "channels: "+strings.Join(names, ", "))
	case "who":
		ch := s.channels[cmd.Channel]
		if ch == nil {
			s.reply(from, "error", "no channel "+cmd.Channel)
			return
		}
		var who []string
		for r := range ch.members {
			who = append(who, fmt.Sprintf("%s(%d)", s.clients[r].name, r))
		}
		sort.Strings(who)
		s.reply(from, "info", cmd.Channel+": "+strings.Join(who, " "))
	case "msg":
		if err := s.checkText(cmd.Text); err != "" {
			s.reply(from, "error", err)
			return
		}
		to := s.clients[cmd.To]
		if cmd.ToName != "" {
			to = s.byName(cmd.ToName)
		}
		if to == nil || to.gone {
			who := cmd.ToName
			if who == "" {
				who = fmt.Sprintf("@%d", cmd.To)
			}
			s.reply(from, "error", "no user "+who+" (/who CHANNEL lists names)")
			return
		}
		ev := Event{Kind: "dm", From: from, Name: c.name, To: to.rank, ToName: to.name, Text: cmd.Text, Time: now()}
		s.deliver(to.rank, ev)
		if to.rank != from {
			s.deliver(from, ev)
		}
	case "post":
		s.post(from, cmd.Channel, cmd.Text)
	case "history":
		ch := s.channels[cmd.Channel]
		if ch == nil {
			s.reply(from, "error", "no channel "+cmd.Channel)
			return
		}
		h := ch.history
		if cmd.N > 0 && cmd.N < len(h) {
			h = h[len(h)-cmd.N:]
		}
		for _, ev := range h {
			ev.Kind = "replay" // on request, unlike the history a newcomer gets
			s.deliver(from, ev)
		}
	case "quit":
		fmt.Fprintf(s.log, "server: %s (client %d) quit\n", c.name, from)
		s.disconnect(c, Event{Kind: "bye", Time: now()})
	default:
		s.reply(from, "error", "unknown command "+cmd.Kind)
	}
}

// remember keeps ev in the channel's history for newcomers.
func (s *server) remember(ch *channel, ev Event) {
	ch.history = append(ch.history, ev)
	if len(ch.history) > s.cfg.History {
		ch.history = ch.history[len(ch.history)-s.cfg.History:]
	}
}

// replay rebuilds the channels' histories and sequence numbers from the
// durable log at path (made if missing), and keeps it open for appending.
// A line cut short by a crash (the last one) is dropped: it was never
// acknowledged, since a post reaches its sender only after its line is
// synced.
func (s *server) replay(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("chat log: %w", err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	n, good := 0, int64(0)
	for sc.Scan() {
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Kind != "msg" {
			break
		}
		ch := s.channels[ev.Channel]
		if ch == nil {
			ch = &channel{members: map[int]bool{}}
			s.channels[ev.Channel] = ch
		}
		ch.seq = ev.Seq
		s.remember(ch, ev)
		n++
		good += int64(len(sc.Bytes())) + 1
	}
	// Append after the last whole line (dropping a torn one).
	if err := f.Truncate(good); err != nil {
		f.Close()
		return fmt.Errorf("chat log: %w", err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("chat log: %w", err)
	}
	s.journal = f
	fmt.Fprintf(s.log, "server: replayed %d messages of %d channels from %s\n", n, len(s.channels), path)
	return nil
}

// record appends ev to the durable log and syncs it to disk, if there is a log.
func (s *server) record(ev Event) error {
	if s.journal == nil {
		return nil
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if _, err := s.journal.Write(append(b, '\n')); err != nil {
		return err
	}
	return s.journal.Sync()
}

func (s *server) checkText(text string) string {
	switch {
	case !utf8.ValidString(text):
		return "message is not valid UTF-8"
	case strings.IndexFunc(text, func(r rune) bool { return r != '\t' && unicode.IsControl(r) }) >= 0:
		return "message has control characters" // they would reach other people's terminals
	case len(text) > s.cfg.MaxLen:
		return fmt.Sprintf("message of %d bytes is longer than %d", len(text), s.cfg.MaxLen)
	}
	return ""
}

// byName is the connected client called name, or nil.
func (s *server) byName(name string) *client {
	for _, c := range s.clients {
		if c.name == name && !c.gone {
			return c
		}
	}
	return nil
}

// checkNick says what is wrong with a nickname: it must be 1 to 20
// printable characters without spaces (it is a column of the chat's lines
// and the name /msg takes), and not look like a rank (@3).
func checkNick(name string) string {
	switch {
	case name == "" || utf8.RuneCountInString(name) > 20 || !utf8.ValidString(name):
		return "a name is 1 to 20 characters"
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return "a name has no spaces"
	case strings.HasPrefix(name, "@"):
		return "a name does not start with @"
	}
	return ""
}

func validChannel(name string) bool {
	return name != "" && len(name) <= 32 && utf8.ValidString(name) && !strings.ContainsAny(name, " \t@/")
}

// join adds r to a channel (created on first join): the newcomer gets the
// channel's history, then, like every member, the join event; everything
// after comes live, in sequence, so there is no gap and no duplicate.
func (s *server) join(r int, name string) {
	if name == allView {
		s.watchers[r] = true
		s.reply(r, "info", "watching every channel (read-only)")
		return
	}
	if !validChannel(name) {
		s.reply(r, "error", fmt.Sprintf("bad channel name %q", name))
		return
	}
	ch := s.channels[name]
	if ch == nil {
		ch = &channel{members: map[int]bool{}}
		s.channels[name] = ch
	}
	if ch.members[r] {
		s.reply(r, "info", "already in "+name)
		return
	}
	for _, ev := range ch.history {
		ev.Kind = "history"
		s.deliver(r, ev)
	}
	ch.members[r] = true
	s.presence(ch, name, "join", r)
}

func (s *server) presence(ch *channel, name, kind string, r int) {
	ev := Event{Kind: kind, Channel: name, From: r, Name: s.clients[r].name, Time: now()}
	for m := range ch.members {
		s.deliver(m, ev)
	}
	if kind == "leave" {
		s.deliver(r, ev)
	}
}

func (s *server) leave(r int, name string, explicit bool) {
	if name == allView {
		delete(s.watchers, r)
		return
	}
	ch := s.channels[name]
	if ch == nil || !ch.members[r] {
		if explicit {
			s.reply(r, "error", "not in channel "+name)
		}
		return
	}
	delete(ch.members, r)
	s.presence(ch, name, "leave", r)
}

func (s *server) leaveAll(r int) {
	delete(s.watchers, r)
	var names []string
	for n, ch := range s.channels {
		if ch.members[r] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		s.leave(r, n, false)
	}
}

// post gives the message the channel's next sequence number and fans it out
// to the members and the watchers of "all".
func (s *server) post(r int, name, text string) {
	if name == allView {
		s.reply(r, "error", "the all view is read-only")
		return
	}
	ch := s.channels[name]
	switch {
	case ch == nil:
		s.reply(r, "error", "no channel "+name)
		return
	case !ch.members[r]:
		s.reply(r, "error", "join "+name+" before posting to it")
		return
	}
	if err := s.checkText(text); err != "" {
		s.reply(r, "error", err)
		return
	}
	ev := Event{Kind: "msg", Channel: name, From: r, Name: s.clients[r].name, Text: text, Seq: ch.seq + 1, Time: now()}
	if err := s.record(ev); err != nil {
		fmt.Fprintf(s.log, "server: the log: %v; the message of %s (client %d) is refused\n", err, ev.Name, r)
		s.reply(r, "error", "the server could not store your message; not sent")
		return
	}
	ch.seq++
	s.remember(ch, ev)
	for m := range ch.members {
		s.deliver(m, ev)
	}
	for w := range s.watchers {
		if !ch.members[w] {
			s.deliver(w, ev)
		}
	}
}
