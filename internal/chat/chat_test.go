package chat_test

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/mpigo/mpigo/internal/chat"
	"github.com/mpigo/mpigo/internal/mpitest"
	"github.com/mpigo/mpigo/mpi"
)

func TestMain(m *testing.M) { mpitest.Main(m) }

// job runs the chat on every rank with per-rank scripts (scripts[r], rank 0
// has none) and JSON output files, then reads every client's events.
func job(t *testing.T, w *mpi.Comm, cfg chat.Config, scripts map[int]string) map[int][]chat.Event {
	t.Helper()
	dir := os.Getenv("CHAT_TEST_DIR")
	if w.Rank() > 0 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("script%d", w.Rank())), []byte(scripts[w.Rank()]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Script = filepath.Join(dir, "script%r")
	cfg.Out = filepath.Join(dir, "out%r")
	cfg.JSON = true
	if cfg.QueueLen == 0 {
		cfg.QueueLen, cfg.History, cfg.MaxLen, cfg.BotChannel = 4096, 5, 1000, "bots"
	}
	if err := w.Barrier(); err != nil { // every script is written
		t.Fatal(err)
	}
	if err := chat.Run(w, cfg); err != nil {
		t.Fatal(err)
	}
	if err := w.Barrier(); err != nil { // every output is complete
		t.Fatal(err)
	}
	events := map[int][]chat.Event{}
	for r := 1; r < w.Size(); r++ {
		f, err := os.Open(filepath.Join(dir, fmt.Sprintf("out%d", r)))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		for sc.Scan() {
			var ev chat.Event
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Fatalf("rank %d output %q: %v", r, sc.Text(), err)
			}
			events[r] = append(events[r], ev)
		}
		f.Close()
	}
	return events
}

// withDir gives the ranks of the next job a directory to share.
func withDir(t *testing.T) {
	if !mpitest.IsRank() {
		t.Setenv("CHAT_TEST_DIR", t.TempDir())
	}
}

// checkChannelOrder asserts that every client saw each channel's messages
// (history included) with sequence numbers rising by exactly one: no gap,
// no duplicate, the same total order for every member.
func checkChannelOrder(t *testing.T, events map[int][]chat.Event) {
	t.Helper()
	for r, evs := range events {
		last := map[string]int{}
		for _, ev := range evs {
			if ev.Kind != "msg" && ev.Kind != "history" {
				continue
			}
			if prev, ok := last[ev.Channel]; ok && ev.Seq != prev+1 {
				t.Errorf("rank %d: #%s seq %d after %d", r, ev.Channel, ev.Seq, prev)
			}
			last[ev.Channel] = ev.Seq
		}
	}
}

func count(evs []chat.Event, f func(chat.Event) bool) int {
	n := 0
	for _, ev := range evs {
		if f(ev) {
			n++
		}
	}
	return n
}

func TestChannelsAndDirectMessages(t *testing.T) {
	withDir(t)
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		scripts := map[int]string{
			1: "/nick alice\n/join secret\n/join general\n@100ms a1\na2\na3\n/msg @2 for bob only\n@600ms /quit\n",
			2: "@80ms /join secret\n/join general\n@70ms b1\n@50ms b2\n@600ms /quit\n",
			3: "@100ms /join random\nr1\n@400ms /join general\n/history general 2\n@300ms /quit\n",
		}
		if w.Size() == 5 {
			scripts[4] = "/join all\n@900ms /quit\n"
		}
		events := job(t, w, chat.Config{}, scripts)
		if w.Rank() != 0 {
			return
		}
		checkChannelOrder(t, events)
		secret := func(ev chat.Event) bool { return ev.Kind == "msg" && ev.Channel == "secret" }
		// secret: members 1 and 2 each see their own and each other's posts exactly once.
		for _, r := range []int{1, 2} {
			if n := count(events[r], secret); n != 0 {
				t.Errorf("rank %d saw %d #secret posts, want 0 (nobody posted there)", r, n)
			}
		}
		general := func(ev chat.Event) bool { return ev.Kind == "msg" && ev.Channel == "general" }
		for _, r := range []int{1, 2} {
			if n := count(events[r], general); n != 5 {
				t.Errorf("rank %d saw %d #general posts, want 5 (a1 a2 a3 b1 b2)", r, n)
			}
		}
		// Rank 3 joined #general after its 5 posts: it got them as history on
		// joining (contiguous with anything live, checked above), and 2 again on /history.
		if n := count(events[3], func(ev chat.Event) bool { return ev.Channel == "general" && ev.Kind == "history" }); n != 5 {
			t.Errorf("rank 3: %d history events for #general on joining, want 5", n)
		}
		if n := count(events[3], func(ev chat.Event) bool { return ev.Channel == "general" && ev.Kind == "replay" }); n != 2 {
			t.Errorf("rank 3: %d events for /history general 2, want 2", n)
		}
		for _, r := range []int{1, 2} {
			if n := count(events[r], func(ev chat.Event) bool { return ev.Channel == "random" }); n != 0 {
				t.Errorf("rank %d (not a member) saw %d #random events", r, n)
			}
		}
		// The direct message reaches bob and its sender, nobody else.
		dm := func(ev chat.Event) bool { return ev.Kind == "dm" }
		if count(events[1], dm) != 1 || count(events[2], dm) != 1 || count(events[3], dm) != 0 {
			t.Errorf("dm seen by ranks 1,2,3: %d %d %d; want 1 1 0", count(events[1], dm), count(events[2], dm), count(events[3], dm))
		}
		// Presence: alice sees bob join #general, and everyone ends with bye.
		if count(events[1], func(ev chat.Event) bool { return ev.Kind == "join" && ev.From == 2 && ev.Channel == "general" }) != 1 {
			t.Error("alice did not see bob join #general exactly once")
		}
		for r, evs := range events {
			if len(evs) == 0 || evs[len(evs)-1].Kind != "bye" {
				t.Errorf("rank %d did not end with bye", r)
			}
		}
		if w.Size() == 5 { // the all view sees every post of every channel
			if n := count(events[4], func(ev chat.Event) bool { return ev.Kind == "msg" }); n != 6 {
				t.Errorf("the all view saw %d posts, want 6", n)
			}
		}
	}, mpitest.Ranks(4, 5))
}

func TestBadInput(t *testing.T) {
	withDir(t)
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		bad := "/frobnicate\nno channel yet\n/who nowhere\n/msg @99 hello\n/msg bob hi\n/join bad name\n" +
			"/join ok\n" + strings.Repeat("x", 2000) + "\n\xff\xfe bad utf-8\n/join all\n/leave all\nstill works\n/quit\n"
		events := job(t, w, chat.Config{QueueLen: 100, History: 5, MaxLen: 1000, BotChannel: "bots"}, map[int]string{1: bad, 2: "/quit\n"})
		if w.Rank() != 0 {
			return
		}
		errs := count(events[1], func(ev chat.Event) bool { return ev.Kind == "error" })
		if errs != 8 {
			t.Errorf("%d error lines, want 8 (unknown command, no channel, unknown channel, unknown rank, bad /msg, bad name, too long, bad UTF-8): %+v", errs, events[1])
		}
		if count(events[1], func(ev chat.Event) bool { return ev.Kind == "msg" && ev.Text == "still works" }) != 1 {
			t.Error("the client did not carry on after the bad input")
		}
	}, mpitest.Ranks(3))
}

// 4 clients × 2000 posts as fast as possible, queues large enough: every
// post is delivered, in order, to every client for as long as it is a member.
func TestLoad(t *testing.T) {
	withDir(t)
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		const posts = 2000
		scripts := map[int]string{}
		for r := 1; r < w.Size(); r++ {
			scripts[r] = "/join bots\n@300ms /nick bot" + strconv.Itoa(r) + "\n"
		}
		start := time.Now()
		events := job(t, w, chat.Config{Bots: posts, QueueLen: 100000, History: 10, MaxLen: 1000, BotChannel: "bots"}, scripts)
		if w.Rank() != 0 {
			return
		}
		checkChannelOrder(t, events)
		for r := 1; r < w.Size(); r++ {
			own := count(events[r], func(ev chat.Event) bool { return ev.Kind == "msg" && ev.From == r })
			if own != posts {
				t.Errorf("rank %d saw %d of its own %d posts", r, own, posts)
			}
		}
		t.Logf("%d clients × %d posts in %v", w.Size()-1, posts, time.Since(start))
		if time.Since(start) > 120*time.Second {
			t.Errorf("took %v, over the 120 s guard", time.Since(start))
		}
	}, mpitest.Ranks(5), mpitest.Timeout(150*time.Second))
}

// A client that reads too slowly overflows its tiny queue: it is told it is
// disconnected, the server's log says so, and the others carry on.
func TestSlowClientDisconnected(t *testing.T) {
	withDir(t)
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		scripts := map[int]string{
			1: "/join bots\n@200ms /nick fast\n",           // then posts 30 bot messages of 100 KB, 20 a second
			2: "/slow 500ms\n/join bots\n@2s /nick late\n", // reads one event every 500 ms
		}
		for r := 3; r < w.Size(); r++ {
			scripts[r] = "@2s /quit\n"
		}
		// 100 KB: above the eager limits (4 KiB shared memory, 64 KiB TCP), so a
		// send to a client waits for it to read.
		events := job(t, w, chat.Config{Bots: 30, Rate: 20, BotSize: 100_000, QueueLen: 6, History: 1, MaxLen: 200_000, BotChannel: "bots"}, scripts)
		if w.Rank() != 0 {
			return
		}
		if evs := events[2]; len(evs) == 0 || evs[len(evs)-1].Kind != "disconnected" {
			t.Fatalf("the slow client's last event is not a disconnection notice")
		}
		log, err := os.ReadFile(filepath.Join(os.Getenv("CHAT_TEST_DIR"), "out0"))
		if err != nil || !strings.Contains(string(log), "too slow") {
			t.Errorf("server log does not report the disconnection: %q", log)
		}
		if own := count(events[1], func(ev chat.Event) bool { return ev.Kind == "msg" && ev.From == 1 }); own != 30 {
			t.Errorf("the other client saw %d of its 30 posts", own)
		}
	}, mpitest.Ranks(3))
}

// A client killed with SIGKILL (by the PID it wrote) ends the job quickly, non-zero.
func TestKilledClientAbortsJob(t *testing.T) {
	if !mpitest.IsRank() {
		dir := t.TempDir()
		t.Setenv("CHAT_TEST_DIR", dir)
		go killWhenWritten(filepath.Join(dir, "pid2"), 300*time.Millisecond)
	}
	start := time.Now()
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		dir := os.Getenv("CHAT_TEST_DIR")
		cfg := chat.Config{QueueLen: 100, History: 5, MaxLen: 100, BotChannel: "bots", PIDFile: filepath.Join(dir, "pid%r")}
		job(t, w, cfg, map[int]string{1: "/join x\n@30s /quit\n", 2: "/join x\n@30s /quit\n"})
	}, mpitest.Ranks(3), mpitest.Timeout(25*time.Second), mpitest.ExpectFailure("signal 9"))
	if d := time.Since(start); d > 15*time.Second && !mpitest.IsRank() {
		t.Errorf("the job took %v to end after the kill", d)
	}
}

// /shutdown at the server ends the job at once, with exit 0 on every rank.
func TestServerShutdown(t *testing.T) {
	withDir(t)
	start := time.Now()
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		dir := os.Getenv("CHAT_TEST_DIR")
		if w.Rank() == 0 {
			if err := os.WriteFile(filepath.Join(dir, "server"), []byte("@300ms /shutdown\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cfg := chat.Config{QueueLen: 100, History: 5, MaxLen: 100, BotChannel: "bots", ServerScript: filepath.Join(dir, "server")}
		idle := map[int]string{}
		for r := 1; r < w.Size(); r++ {
			idle[r] = "/join x\n@30s /quit\n" // would wait 30 s, but the shutdown ends it
		}
		events := job(t, w, cfg, idle)
		if w.Rank() != 0 {
			return
		}
		for r, evs := range events {
			if len(evs) == 0 || evs[len(evs)-1].Kind != "shutdown" {
				t.Errorf("rank %d did not end with the shutdown notice", r)
			}
		}
	}, mpitest.Ranks(4))
	if d := time.Since(start); d > 15*time.Second && !mpitest.IsRank() {
		t.Errorf("shutdown took %v", d)
	}
}

// Names are unique and without spaces, /msg takes a name, control
// characters typed are dropped, and after /leave plain text goes to the channel
// joined before; /channels lists only channels with members.
func TestNamesLeaveAndChannels(t *testing.T) {
	withDir(t)
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		scripts := map[int]string{
			1: "/nick alice\n/join general\n/join side\nin side\n/leave side\nback in general\n@300ms /channels\n" +
				"/msg bob hi bob\n/leave general\nnowhere\n@300ms /quit\n",
			2: "@100ms /nick alice\n/nick bob smith\n/nick bob\n/join general\nbell \a here\n@500ms /quit\n",
		}
		events := job(t, w, chat.Config{}, scripts)
		if w.Rank() != 0 {
			return
		}
		has := func(r int, f func(chat.Event) bool) bool { return count(events[r], f) > 0 }
		if !has(1, func(ev chat.Event) bool { return ev.Kind == "msg" && ev.Channel == "side" && ev.Text == "in side" }) ||
			!has(1, func(ev chat.Event) bool {
				return ev.Kind == "msg" && ev.Channel == "general" && ev.Text == "back in general"
			}) {
			t.Errorf("after /leave side, plain text did not go to #general: %+v", events[1])
		}
		if !has(1, func(ev chat.Event) bool { return ev.Kind == "info" && ev.Text == "channels: general (2)" }) {
			t.Errorf("/channels did not list only #general with its 2 members: %+v", events[1])
		}
		if !has(1, func(ev chat.Event) bool {
			return ev.Kind == "error" && strings.Contains(ev.Text, "you are in no channel")
		}) {
			t.Error("plain text after leaving every channel was not refused locally")
		}
		if !has(2, func(ev chat.Event) bool { return ev.Kind == "msg" && ev.Text == "bell  here" }) {
			t.Errorf("the typed bell character was not dropped: %+v", events[2])
		}
		for _, want := range []string{"the name alice is taken (client 1)", "a name has no spaces"} {
			if !has(2, func(ev chat.Event) bool { return ev.Kind == "error" && ev.Text == want }) {
				t.Errorf("rank 2 did not get the error %q: %+v", want, events[2])
			}
		}
		if !has(2, func(ev chat.Event) bool {
			return ev.Kind == "dm" && ev.Name == "alice" && ev.ToName == "bob" && ev.Text == "hi bob"
		}) {
			t.Errorf("the direct message by name did not reach bob: %+v", events[2])
		}
	}, mpitest.Ranks(3))
}

// The server's log survives a restart: a second chat over the same log
// gives a newcomer the first chat's messages as history, numbers new posts
// after them, and drops a line cut short (never acknowledged).
func TestDurableLog(t *testing.T) {
	withDir(t)
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		dir := os.Getenv("CHAT_TEST_DIR")
		log := filepath.Join(dir, "chat.log")
		cfg := chat.Config{Log: log}
		first := job(t, w, cfg, map[int]string{1: "/join ops\none\ntwo\nthree\n@200ms /quit\n"})
		if w.Rank() == 0 {
			if n := count(first[1], func(ev chat.Event) bool { return ev.Kind == "msg" }); n != 3 {
				t.Fatalf("first chat: %d messages, want 3", n)
			}
			f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
			must(t, err)
			_, err = f.WriteString(`{"kind":"msg","channel":"ops","seq":4,"te`) // a crash mid-write
			must(t, err)
			must(t, f.Close())
		}
		must(t, w.Barrier())
		second := job(t, w, cfg, map[int]string{1: "/join ops\nfour\n@200ms /quit\n"})
		if w.Rank() != 0 {
			return
		}
		var texts []string
		for _, ev := range second[1] {
			if ev.Kind == "history" || ev.Kind == "msg" {
				texts = append(texts, fmt.Sprintf("%s:%d:%s", ev.Kind, ev.Seq, ev.Text))
			}
		}
		want := "history:1:one history:2:two history:3:three msg:4:four"
		if strings.Join(texts, " ") != want {
			t.Errorf("after the restart: %q, want %q", strings.Join(texts, " "), want)
		}
		b, err := os.ReadFile(log)
		must(t, err)
		if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 4 || !strings.Contains(lines[3], `"text":"four"`) {
			t.Errorf("the log holds %d lines, want 4 whole ones:\n%s", len(lines), b)
		}
	}, mpitest.Ranks(2))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// openPTY makes a pseudo-terminal: the master side, and the path of the
// terminal a client opens (/dev/pts/N).
func openPTY(t *testing.T) (*os.File, string) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var unlock int32
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatal(e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatal(e)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n)
}

// A client with a terminal of its own (--ttys, a tmux pane in make chat)
// greets, prompts with its name and channel, answers /help, and shows what
// is typed there; the test types as a person would, waiting for each prompt.
func TestTerminalClient(t *testing.T) {
	var screen func() string
	var typing chan error
	if !mpitest.IsRank() {
		master, tty := openPTY(t)
		defer master.Close()
		t.Setenv("CHAT_TTY", tty)
		var mu sync.Mutex
		var out []byte
		go func() {
			buf := make([]byte, 4096)
			for {
				n, err := master.Read(buf)
				mu.Lock()
				out = append(out, buf[:n]...)
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
		screen = func() string {
			mu.Lock()
			defer mu.Unlock()
			return string(out)
		}
		typing = make(chan error, 1)
		go func() {
			for _, step := range []struct{ wait, line string }{
				{"rank-1 #general> ", "first words"}, {"first words  [seq 1]", "/nick alice"},
				{"alice #general> ", "/join x"}, {"alice #x> ", "hello"},
				{"hello  [seq 1]", "/help"}, {"/quit ", "/quit"},
			} {
				deadline := time.Now().Add(20 * time.Second)
				for !strings.Contains(screen(), step.wait) {
					if time.Now().After(deadline) {
						typing <- fmt.Errorf("no %q on the terminal:\n%s", step.wait, screen())
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
				if _, err := master.WriteString(step.line + "\n"); err != nil {
					typing <- err
					return
				}
			}
			typing <- nil
		}()
	}
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		// Rank 1 has the terminal; any other clients (the namespace hosts
		// run 6 ranks) are bots that post once and quit.
		cfg := chat.Config{QueueLen: 100, History: 5, MaxLen: 100, BotChannel: "bots", Bots: 1, TTYs: []string{os.Getenv("CHAT_TTY")}}
		if err := chat.Run(w, cfg); err != nil {
			t.Fatal(err)
		}
	}, mpitest.Ranks(2))
	if mpitest.IsRank() {
		return
	}
	if err := <-typing; err != nil {
		t.Fatal(err)
	}
	s := screen()
	for _, want := range []string{"welcome, rank-1: you are in #general; /help lists the commands", "you are now alice",
		"#general    rank-1(1)        first words  [seq 1]",
		"#x          alice(1)         hello  [seq 1]", "/msg NAME text  a direct message", "you left the chat"} {
		if !strings.Contains(s, want) {
			t.Errorf("the terminal lacks %q:\n%s", want, s)
		}
	}
}

// TestJoinFromAnotherJob: a chat of 2 ranks (server and alice) takes
// clients that join later, each a job of its own started by its own
// mpiexec, through a name published on ompi-server: bob joins, posts and
// leaves; carol joins and is killed (SIGKILL). The chat goes on (alice
// posts after the kill and sees bob and carol), the server says carol is
// gone, and the chat job ends cleanly at /shutdown.
func TestJoinFromAnotherJob(t *testing.T) {
	if mpitest.IsRank() {
		joinRole(t)
		return
	}
	// Between jobs messages go over TCP: over the loopback only.
	args := append(mpitest.NameServer(t), "--mca", "btl_tcp_if_include", "lo")
	withDir(t)
	dir := os.Getenv("CHAT_TEST_DIR")
	go killWhenWritten(filepath.Join(dir, "carol.pid"), 1500*time.Millisecond) // once she has posted
	var wg sync.WaitGroup
	for _, role := range []struct {
		name  string
		ranks int
		opts  []mpitest.Option
	}{
		{"server", 2, nil},
		{"bob", 1, nil},
		{"carol", 1, []mpitest.Option{mpitest.ExpectFailure("signal 9")}},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if role.name == "carol" {
				time.Sleep(2 * time.Second) // after bob
			}
			t.Run(role.name, func(t *testing.T) {
				opts := append([]mpitest.Option{mpitest.Ranks(role.ranks), mpitest.Timeout(60 * time.Second),
					mpitest.MpiexecArgs(append(args, "-x", "CHAT_ROLE="+role.name)...)}, role.opts...)
				mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {}, opts...)
			})
		}()
	}
	wg.Wait()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	log, alice, bob := read("server-out0"), read("server-out1"), read("bob-out0")
	for _, want := range []string{"guest-2 (client 2) joined from a job of its own", "guest-3 (client 3) joined from a job of its own",
		"carol (client 3) is gone", "server: done"} {
		if !strings.Contains(log, want) {
			t.Errorf("the server's log lacks %q:\n%s", want, log)
		}
	}
	for _, want := range []string{`"text":"hello from bob"`, `"text":"carol here"`, `"text":"after the kill"`, `"kind":"leave","channel":"general","from":3`} {
		if !strings.Contains(alice, want) {
			t.Errorf("alice's events lack %s:\n%s", want, alice)
		}
	}
	if !strings.Contains(bob, `"text":"hello from bob"`) || !strings.Contains(bob, `"kind":"bye"`) {
		t.Errorf("bob's events:\n%s", bob)
	}
}

// joinRole is a rank of TestJoinFromAnotherJob's jobs.
func joinRole(t *testing.T) {
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		dir := os.Getenv("CHAT_TEST_DIR")
		role := os.Getenv("CHAT_ROLE")
		scripts := map[string]string{
			"server1": "/nick alice\n/join general\n@5s after the kill\n@6s /quit\n",
			"server0": "@12s /shutdown\n",
			"bob0":    "/nick bob\n/join general\n@300ms hello from bob\n@300ms /quit\n",
			"carol0":  "/nick carol\n/join general\n@200ms carol here\n@30s /quit\n",
		}
		name := fmt.Sprintf("%s%d", role, w.Rank())
		script := filepath.Join(dir, role+"-script"+strconv.Itoa(w.Rank()))
		must(t, os.WriteFile(script, []byte(scripts[name]), 0o644))
		cfg := chat.Config{QueueLen: 100, History: 5, MaxLen: 100, BotChannel: "bots", JSON: true,
			Out: filepath.Join(dir, role+"-out%r"), Script: filepath.Join(dir, role+"-script%r")}
		switch role {
		case "server":
			cfg.Service, cfg.ServerScript = "mpigo-chat-test", script
			exe, err := os.Executable()
			must(t, err)
			cfg.Knock = []string{exe, "-test.run", "^TestKnock$"} // this binary is no mpigo CLI
		default:
			cfg.Join = "mpigo-chat-test"
			if role == "carol" {
				cfg.PIDFile = filepath.Join(dir, "carol.pid")
			}
		}
		if err := chat.Run(w, cfg); err != nil {
			t.Fatal(err)
		}
	})
}

// TestKnock is the process a chat server of TestJoinFromAnotherJob spawns
// to stop taking joins (chat.Knock, the port its one argument); in any other
// run it does nothing.
func TestKnock(t *testing.T) {
	if !mpitest.IsRank() || flag.NArg() != 1 {
		return
	}
	if p, err := mpi.Parent(); err == nil && p != nil {
		must(t, chat.Knock(flag.Arg(0)))
	}
}

// killWhenWritten waits (up to 20 s) for a process to write its PID to
// path, then, after a pause, kills it with SIGKILL.
func killWhenWritten(path string, pause time.Duration) {
	for range 400 {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			if pid, err := strconv.Atoi(string(b)); err == nil {
				time.Sleep(pause)
				syscall.Kill(pid, syscall.SIGKILL)
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// In a fault-tolerant job (OpenMPI 5, mpiexec --with-ft ulfm) a client
// killed with SIGKILL leaves the chat, not the job: the server logs its
// death, the other client sees it leave the channel, goes on talking and
// quits normally, and mpiexec exits 0.
func TestKilledClientSurvived(t *testing.T) {
	if !mpi.HasULFM() {
		t.Skip("no ULFM in this library: a killed client ends the job (TestKilledClientAbortsJob)")
	}
	if !mpitest.IsRank() {
		dir := t.TempDir()
		t.Setenv("CHAT_TEST_DIR", dir)
		go killWhenWritten(filepath.Join(dir, "pid2"), 500*time.Millisecond)
	}
	mpitest.Run(t, func(t *testing.T, w *mpi.Comm) {
		dir := os.Getenv("CHAT_TEST_DIR")
		scripts := map[int]string{1: "/join x\n@3s after the crash\n@4s /quit\n", 2: "/join x\n@30s /quit\n"}
		r := w.Rank()
		if r > 0 {
			must(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("script%d", r)), []byte(scripts[r]), 0o644))
		}
		must(t, w.Barrier())
		cfg := chat.Config{QueueLen: 100, History: 5, MaxLen: 100, BotChannel: "bots", JSON: true,
			PIDFile: filepath.Join(dir, "pid%r"), Script: filepath.Join(dir, "script%r"), Out: filepath.Join(dir, "out%r")}
		must(t, chat.Run(w, cfg))
		if r == 0 {
			b, err := os.ReadFile(filepath.Join(dir, "out0"))
			must(t, err)
			if !strings.Contains(string(b), "rank-2 (client 2) died; the chat goes on") {
				t.Errorf("the server's log does not tell of the client's death:\n%s", b)
			}
			return
		}
		b, err := os.ReadFile(filepath.Join(dir, "out1"))
		must(t, err)
		var left, echoed bool
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var ev chat.Event
			must(t, json.Unmarshal([]byte(line), &ev))
			left = left || ev.Kind == "leave" && ev.From == 2 && ev.Channel == "x"
			echoed = echoed || left && ev.Kind == "msg" && ev.Text == "after the crash"
		}
		if !left || !echoed {
			t.Errorf("client 1 saw client 2 leave: %v; its own message after that: %v; events:\n%s", left, echoed, b)
		}
	}, mpitest.Ranks(3), mpitest.Timeout(30*time.Second), mpitest.Kills(func(int) []int { return []int{2} }))
}
