package main

import (
	"github.com/mpigo/mpigo/internal/chat"
	"github.com/mpigo/mpigo/mpi"
	"github.com/urfave/cli/v2"
)

var chatCommand = &cli.Command{
	Name:  "chat",
	Usage: "a multi-channel chat: rank 0 serves, every other rank is a client",
	Description: "Commands: /join CH, /leave CH, /channels, /who CH, /msg @RANK text, /history CH [n], /nick NAME,\n" +
		"/quit; plain text posts to the channel joined last. \"all\" is a read-only view of every channel.\n" +
		"Input: a script per rank (--script, %r is the rank; a line may start with a delay such as @500ms),\n" +
		"or standard input (OpenMPI: mpiexec --stdin RANK); type /shutdown at the server (rank 0, with --server-input).",
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
		&cli.BoolFlag{Name: "server-input", Usage: "the server reads /shutdown from standard input"},
		&cli.StringFlag{Name: "server-script", Usage: "the server reads /shutdown from this file"},
	},
	Action: func(c *cli.Context) error {
		cfg := chat.Config{
			Script: c.String("script"), Bots: c.Int("bots"), Rate: c.Float64("rate"), BotChannel: c.String("bot-channel"), BotSize: c.Int("bot-size"),
			History: c.Int("history"), QueueLen: c.Int("queue"), MaxLen: c.Int("max-len"), JSON: c.Bool("json"),
			Out: c.String("out"), PIDFile: c.String("pidfile"), StartDelay: c.Duration("start-delay"),
			ServerInput: c.Bool("server-input"), ServerScript: c.String("server-script"),
		}
		mpi.Run(func(world *mpi.Comm) error { return chat.Run(world, cfg) })
		return nil
	},
}
