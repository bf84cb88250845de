package main

import (
	"strings"

	"github.com/mpigo/mpigo/internal/chat"
	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

var chatCommand = &cli.Command{
	Name:  "chat",
	Usage: "a multi-channel chat: rank 0 serves, every other rank is a client",
	Description: "Commands: /join CH, /leave CH, /channels, /who CH, /msg NAME text, /history CH [n], /nick NAME,\n" +
		"/help, /quit; plain text posts to the current channel. \"all\" is a read-only view of every channel.\n" +
		"Input: a terminal per client (--ttys, one per rank from 1: make chat opens a tmux pane for each),\n" +
		"a script per rank (--script, %r is the rank; a line may start with a delay such as @500ms), bots\n" +
		"(--bots, on ranks without a terminal or script), or standard input (OpenMPI gives it to one rank:\n" +
		"mpiexec --stdin RANK; the others listen). Type /shutdown at the server (rank 0) to end the chat.",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "script", Usage: "commands of each client, from this file (%r: the rank)"},
		&cli.IntFlag{Name: "bots", Usage: "each client posts this many generated messages"},
		&cli.Float64Flag{Name: "rate", Usage: "bot messages a second (0: as fast as possible)"},
		&cli.StringFlag{Name: "bot-channel", Value: "bots", Usage: "channel the bots post to"},
		&cli.IntFlag{Name: "bot-size", Usage: "pad bot messages to this many bytes"},
		&cli.IntFlag{Name: "history", Value: 20, Usage: "messages a channel keeps for newcomers"},
		&cli.IntFlag{Name: "queue", Value: 1024, Usage: "events a client's queue holds before the client is disconnected"},
		&cli.IntFlag{Name: "max-len", Value: 4096, Usage: "longest message, in bytes"},
		&cli.BoolFlag{Name: "json", Usage: "print events as JSON lines"},
		&cli.StringFlag{Name: "out", Usage: "write each rank's output to this file (%r: the rank)"},
		&cli.StringFlag{Name: "pidfile", Usage: "write each rank's PID to this file (%r: the rank)"},
		&cli.DurationFlag{Name: "start-delay", Usage: "clients wait this long before their first command"},
		&cli.StringFlag{Name: "server-script", Usage: "the server reads /shutdown from this file (default: standard input, what is typed at mpiexec)"},
		&cli.StringFlag{Name: "ttys", Usage: "terminals of ranks 1, 2, … (comma-separated device paths, e.g. tmux panes' /dev/pts/N): each such client reads and writes its own"},
		&cli.StringFlag{Name: "service", Usage: "the server takes clients that join later from jobs of their own (--join), published under this name (OpenMPI: start ompi-server, give mpiexec --ompi-server file:URI)"},
		&cli.StringFlag{Name: "port-file", Usage: "with --service, also write the port name to this file; with --join, read it from there (no name server needed within one machine's ompi-server)"},
		&cli.StringFlag{Name: "join", Usage: "join the running chat published under this name, as a client in a job of its own (mpiexec -n 1)"},
		&cli.StringFlag{Name: "knock", Hidden: true, Usage: "connect to this port and go (a chat server spawns this to stop taking joins)"},
		&cli.StringFlag{Name: "log", Usage: "the server's durable log of channel messages (JSON lines): replayed at start, each post synced to disk before anyone sees it"},
	},
	Action: func(c *cli.Context) error {
		if port := c.String("knock"); port != "" {
			mpi.Run(func(*mpi.Comm) error { return chat.Knock(port) })
			return nil
		}
		cfg := chat.Config{
			Script: c.String("script"), Bots: c.Int("bots"), Rate: c.Float64("rate"), BotChannel: c.String("bot-channel"), BotSize: c.Int("bot-size"),
			History: c.Int("history"), QueueLen: c.Int("queue"), MaxLen: c.Int("max-len"), JSON: c.Bool("json"),
			Out: c.String("out"), PIDFile: c.String("pidfile"), StartDelay: c.Duration("start-delay"),
			ServerScript: c.String("server-script"), Log: c.String("log"),
			Service: c.String("service"), PortFile: c.String("port-file"), Join: c.String("join"),
		}
		if t := c.String("ttys"); t != "" {
			cfg.TTYs = strings.Split(t, ",")
		}
		mpi.Run(func(world *mpi.Comm) error { return chat.Run(world, cfg) })
		return nil
	},
}
