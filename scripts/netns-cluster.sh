#!/bin/bash
# netns-cluster.sh: several "hosts" on this machine, as network namespaces
# joined by a bridge, with addresses this script assigns (10.77.0.0/24), for
# multi-host mpiexec jobs. Sends nothing to any other address.
#
#   netns-cluster.sh up N        create hosts mpigo-h1 … mpigo-hN (10.77.0.1 … N)
#   netns-cluster.sh down        kill what runs in them, delete them
#   netns-cluster.sh hostfile S  print a hostfile, S slots per host
#   netns-cluster.sh exec HOST CMD…   run CMD inside host HOST (1 … N)
# The launch agent for mpiexec is netns-agent.sh beside this file.
set -euo pipefail
PREFIX=mpigo
BR=${PREFIX}-br
state=/tmp/${PREFIX}-netns

hosts() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^${PREFIX}-h[0-9]*$" || true; }

down() {
	for ns in $(hosts) $BR; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
	done
	for ns in $(hosts); do ip netns del "$ns" 2>/dev/null || true; done
	ip netns del "$BR" 2>/dev/null || true
	rm -rf "$state"
}

up() {
	local n=$1
	down
	mkdir -p "$state"
	ip netns add "$BR"
	ip -n "$BR" link add br0 type bridge
	ip -n "$BR" link set br0 up
	for i in $(seq 1 "$n"); do
		local ns=${PREFIX}-h$i
		ip netns add "$ns"
		ip link add "veth$i" netns "$BR" type veth peer name mpi0 netns "$ns"
		ip -n "$BR" link set "veth$i" master br0 up
		ip -n "$ns" addr add "10.77.0.$i/24" dev mpi0
		ip -n "$ns" link set mpi0 up
		ip -n "$ns" link set lo up
		# Notice a dead peer in seconds, not minutes.
		ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_retries2=3 || true
		mkdir -p "$state/tmp$i"
	done
}

case "${1:-}" in
up) up "${2:?number of hosts}" ;;
down) down ;;
hostfile)
	for ns in $(hosts | sort -V); do echo "10.77.0.${ns#${PREFIX}-h} slots=${2:-1}"; done ;;
exec)
	i=$2; shift 2
	# Its own hostname too (a UTS namespace), as netns-agent.sh gives the others.
	exec ip netns exec "${PREFIX}-h$i" unshare --uts sh -c 'hostname "$0" && exec "$@"' "${PREFIX}-h$i" env TMPDIR="$state/tmp$i" "$@" ;;
*) echo "usage: $0 up N | down | hostfile SLOTS | exec HOST CMD..." >&2; exit 2 ;;
esac
