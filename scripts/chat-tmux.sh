#!/bin/bash
# make chat: the chat demo in tmux, a pane per person. The server (rank 0)
# runs mpiexec in the first pane, where /shutdown ends the chat; each human
# client (HUMANS, default 2) reads and writes the terminal of a pane of its
# own (chat --ttys), and BOTS more ranks post now and then to #bots. The
# server keeps its messages in LOG (default bin/chat.log), so a restarted
# chat replays them. Others join later from a terminal of their own with
# make chat-join (a job of one rank, through ompi-server, which this starts).
# Detach with Ctrl-b d; `tmux attach -t mpigo-chat`. When the chat ends, the
# session closes and ompi-server is stopped (by its process id): nothing is
# left running.
# (timeout --foreground: mpiexec must own the pane's terminal to pass what
# is typed there to rank 0.)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin} HUMANS=${HUMANS:-2} BOTS=${BOTS:-1} LOG=${LOG:-bin/chat.log}
session=mpigo-chat
if [ -z "${TMUX:-}" ] && ! { [ -t 0 ] && [ -t 1 ]; }; then
	echo "make chat needs a terminal to show its panes in (for a scripted chat without one: make demo)" >&2
	exit 1
fi
uri=$BIN/ompi-server.uri pidfile=$BIN/ompi-server.pid
scripts/chat-server.sh stop "$uri" "$pidfile"
tmux kill-session -t "$session" 2>/dev/null || true
# Each client pane runs only `sleep`, so what is typed there reaches the
# client that reads the pane's terminal, not a shell.
tmux new-session -d -s "$session" -x 180 -y 48 -n chat "sleep 1d"
ttys=()
for i in $(seq 1 "$HUMANS"); do
	tmux split-window -t "$session:chat" "sleep 1d"
	tmux select-layout -t "$session:chat" tiled >/dev/null
done
for i in $(seq 1 "$HUMANS"); do
	ttys+=("$(tmux display-message -p -t "$session:chat.$i" '#{pane_tty}')")
	tmux select-pane -t "$session:chat.$i" -T "client $i"
done
tmux select-pane -t "$session:chat.0" -T server
tmux set-option -t "$session" pane-border-status top >/dev/null
np=$((1 + HUMANS + BOTS))
list=$(IFS=,; echo "${ttys[*]}")
# OpenMPI's name server, so that people join later from jobs of their own
# (make chat-join in another terminal); between jobs, TCP over the loopback.
scripts/chat-server.sh start "$uri" "$pidfile"
# The pane's shell gets the tmux server's environment, which need not be
# this one's (a tmux started earlier): it reads the OpenMPI settings itself.
cmd="cd '$PWD' && . ./openmpi.env && timeout --foreground -k 5 8h mpiexec -n $np --ompi-server file:$uri --mca btl_tcp_if_include lo $BIN/mpigo chat --ttys $list --bots 100000 --rate 0.1 --log $LOG --service mpigo-chat"
cmd="$cmd; scripts/chat-server.sh stop '$uri' '$pidfile'; echo; echo 'the chat is over; this window closes in 5 s'; sleep 5; tmux kill-session -t $session"
tmux respawn-pane -k -t "$session:chat.0" "bash -c \"$cmd\""
tmux select-pane -t "$session:chat.1"
if [ -n "${TMUX:-}" ]; then
	exec tmux switch-client -t "$session"
fi
exec tmux attach -t "$session"
