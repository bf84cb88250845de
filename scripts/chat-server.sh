#!/bin/bash
# chat-server.sh start|stop|running URI PIDFILE: OpenMPI's name server for
# the chat (make chat, make chat-join), stopped by the process id it was
# started with, never by a name pattern (which would match other people's
# ompi-server, and the shell running the pattern). "running" exits 0 if the
# one that wrote URI is still alive.
set -euo pipefail
what=$1 uri=$2 pidfile=$3
alive() {
	[ -s "$pidfile" ] || return 1
	local pid
	pid=$(cat "$pidfile")
	# The process with that id is still our ompi-server (ids are reused).
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "^ompi-server .*--report-uri $uri "
}
case $what in
start)
	rm -f "$uri"
	ompi-server --no-daemonize --report-uri "$uri" >/dev/null 2>&1 &
	echo $! >"$pidfile"
	for _ in $(seq 50); do [ -s "$uri" ] && break; sleep 0.1; done
	;;
stop)
	if alive; then
		kill "$(cat "$pidfile")" 2>/dev/null || true
	fi
	rm -f "$uri" "$pidfile"
	;;
running)
	alive && [ -s "$uri" ]
	;;
esac
