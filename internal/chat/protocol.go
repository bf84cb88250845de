// Package chat is the `mpigo chat` demo: a multi-channel chat in which rank
// 0 is the server and every other rank a client, over the mpi package's
// Go-value messages. It shows request/reply, publish/subscribe fan-out
// through a server that totally orders each channel, bounded queues and
// concurrency, all as one mpiexec job.
package chat

import "time"

// Tags of the two directions.
const (
	tagCommand = 1 // client → server
	tagEvent   = 2 // server → client
)

// command is what a client sends the server.
type command struct {
	Kind    string // join leave channels who msg post history quit nick stop
	Channel string
	To      int    // msg: the recipient's rank (@3), or 0 and
	ToName  string // msg: the recipient's nickname
	N       int    // history: how many
	Text    string
}

// Event is what the server sends a client, and what the client prints.
type Event struct {
	Kind    string `json:"kind"` // msg dm join leave nick error info history replay bye shutdown disconnected
	Channel string `json:"channel,omitempty"`
	From    int    `json:"from"`
	Name    string `json:"name,omitempty"`
	To      int    `json:"to,omitempty"`
	ToName  string `json:"to_name,omitempty"` // dm: the recipient's name
	Text    string `json:"text,omitempty"`
	Seq     int    `json:"seq,omitempty"` // per channel, assigned by the server
	Time    int64  `json:"time"`          // server time, Unix milliseconds
}

func now() int64 { return time.Now().UnixMilli() }

// Config is the demo's configuration.
type Config struct {
	Script       string        // per-rank script, %r replaced by the rank ("" for standard input)
	Bots         int           // messages each client posts automatically
	Rate         float64       // bot messages a second (0: as fast as possible)
	BotSize      int           // pad bot messages to this many bytes
	BotChannel   string        // channel bots post to
	History      int           // messages a channel keeps for newcomers
	QueueLen     int           // events a client's queue holds before it is disconnected
	MaxLen       int           // longest message text, in bytes
	JSON         bool          // print events as JSON lines
	Out          string        // output file, %r replaced by the rank ("" for standard output)
	PIDFile      string        // write the rank's PID here, %r replaced by the rank
	StartDelay   time.Duration // clients wait this long before their first command
	ServerScript string        // the server reads commands (/shutdown) from this file (lines may start with a delay such as @500ms), else from standard input
	TTYs         []string      // terminals of ranks 1, 2, …: each such client reads and writes its own (see Run)
	Log          string        // the server's durable log of channel messages: replayed at start, each post fsynced before it is fanned out
	Service      string        // server: take clients that join from jobs of their own, published under this name
	PortFile     string        // server: write the port there too; a joining client: read it from there
	Join         string        // this job is one client joining the chat published under this name
	Knock        []string      // server: the program that runs Knock (default: this one, "chat --knock"), the port appended
}
