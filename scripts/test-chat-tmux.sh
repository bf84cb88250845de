#!/bin/bash
# The chat's tmux wrapper as a user meets it (make test-chat-tmux): without a
# terminal it says so and leaves nothing running; make chat-join with a stale
# name-server file says no chat runs; inside a tmux whose server has none of
# OpenMPI's settings in its environment, the chat starts, /shutdown ends it,
# and its session and ompi-server are gone. Everything runs on a tmux server
# of its own (socket mpigo-test-$$), which the test ends.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
uri=$BIN/ompi-server.uri pidfile=$BIN/ompi-server.pid
fail() { echo "test-chat-tmux: FAIL: $*" >&2; exit 1; }
sock=mpigo-test-$$
cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; }
trap cleanup EXIT

# 1. No terminal: an error, nothing left.
if out=$(env -u TMUX BIN=$BIN scripts/chat-tmux.sh </dev/null 2>&1 | cat); then :; fi
echo "$out" | grep -q "needs a terminal" || fail "without a terminal: $out"
[ ! -e "$pidfile" ] || fail "without a terminal, an ompi-server was started"
tmux has-session -t mpigo-chat 2>/dev/null && fail "without a terminal, a tmux session was left"

# 2. A stale name-server file (a chat that ended without cleaning up).
echo "stale" >"$uri"
echo 999999 >"$pidfile"
start=$(date +%s)
if out=$(timeout 20 make -s chat-join BIN=$BIN </dev/null 2>&1); then fail "chat-join with a stale file succeeded: $out"; fi
echo "$out" | grep -q "no chat is running" || fail "chat-join with a stale file: $out"
[ $(($(date +%s) - start)) -lt 15 ] || fail "chat-join with a stale file took $(($(date +%s) - start)) s"
[ ! -e "$uri" ] && [ ! -e "$pidfile" ] || fail "chat-join left the stale files"

# 3. Inside a tmux whose server knows nothing of openmpi.env (started with a
# bare environment), as root: the chat must start, and /shutdown end it all.
env -i PATH="$PATH" HOME="$HOME" TERM=xterm tmux -L "$sock" new-session -d -s outer -x 200 -y 50 "bash --norc"
tmux -L "$sock" send-keys -t outer "HUMANS=1 BOTS=1 BIN=$BIN scripts/chat-tmux.sh" Enter
for _ in $(seq 100); do
	tmux -L "$sock" has-session -t mpigo-chat 2>/dev/null && break
	sleep 0.1
done
tmux -L "$sock" has-session -t mpigo-chat 2>/dev/null || fail "no chat session: $(tmux -L "$sock" capture-pane -p -t outer)"
server="" client=""
for _ in $(seq 150); do
	server=$(tmux -L "$sock" capture-pane -p -t mpigo-chat:chat.0)
	client=$(tmux -L "$sock" capture-pane -p -t mpigo-chat:chat.1)
	echo "$server" | grep -q "server: 2 clients" && echo "$client" | grep -q "welcome" && break
	sleep 0.1
done
echo "$server" | grep -q "server: 2 clients" || fail "the server pane shows no running chat: $server"
echo "$client" | grep -q "welcome" || fail "the client pane was not welcomed: $client"
scripts/chat-server.sh running "$uri" "$pidfile" || fail "no ompi-server runs during the chat"
pid=$(cat "$pidfile")
sleep 1
tmux -L "$sock" send-keys -t mpigo-chat:chat.0 "/shutdown" Enter
for _ in $(seq 200); do
	tmux -L "$sock" has-session -t mpigo-chat 2>/dev/null || break
	sleep 0.1
done
tmux -L "$sock" has-session -t mpigo-chat 2>/dev/null && fail "the chat session is still there 20 s after /shutdown: $(tmux -L "$sock" capture-pane -p -t mpigo-chat:chat.0)"
kill -0 "$pid" 2>/dev/null && fail "ompi-server ($pid) still runs after /shutdown"
[ ! -e "$uri" ] || fail "the name-server file is left after /shutdown"
echo "test-chat-tmux: PASS (no terminal, stale file, inside a bare tmux, /shutdown)"
