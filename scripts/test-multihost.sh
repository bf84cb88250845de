#!/bin/bash
# test-multihost.sh: mpigo across 3 hosts × 2 ranks, the hosts being network
# namespaces this script creates (scripts/netns-cluster.sh) and removes again,
# even on failure. Runs the mpi/, collectives/ and chat tests over TCP between
# hosts, the broadcast and chat demos, and three faults: a SIGKILLed rank (in
# the chat tests), one host's ranks killed mid-collective, and a cut link.
# Each fault must end the job non-zero within a bounded time, naming the
# failed rank or host. Skipped, saying why, where namespaces cannot be made.
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
BIN=${BIN:-bin}
cluster=scripts/netns-cluster.sh

if ! ip netns add mpigo-probe 2>/dev/null; then
	echo "test-multihost: SKIPPED: cannot create network namespaces here (needs root and iproute2)"
	exit 0
fi
ip netns del mpigo-probe

hostfile=$(mktemp)
trap '$cluster down; rm -f "$hostfile"' EXIT
$cluster up 3 || exit 1
$cluster hostfile 2 >"$hostfile"

export MPITEST_HOSTS=3 MPITEST_SLOTS=2 MPITEST_HOSTFILE=$hostfile MPITEST_FORWARD=CHAT_TEST_DIR,CHAT_TTY,MPIGO_TRACE
fail=0
echo "== tests across 3 hosts × 2 ranks"
$GO test -short -p 1 -count=1 ./mpi/... ./collectives/... ./internal/chat/... ./pool/... || fail=1

MPIEXEC=("$cluster" exec 1 timeout -k 5 120 mpiexec --hostfile "$hostfile"
	--mca plm_rsh_agent "$PWD/scripts/netns-agent.sh" --mca btl tcp,self
	--mca btl_tcp_if_include mpi0 --mca oob_tcp_if_include mpi0 --bind-to none --mca rtc ^hwloc
	--mca oob_tcp_keepalive_time 1 --mca oob_tcp_keepalive_intvl 1 --mca oob_tcp_keepalive_probes 3
	-x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1

echo "== broadcast demo across hosts (link stress: hierarchical 2 copies, flat 4, binomial 2)"
out=$("${MPIEXEC[@]}" -n 6 "$BIN/mpigo" broadcast --size 65536 --reps 5) || fail=1 # hosts by processor name
echo "$out"
for want in "flat 4.00" "hierarchical 2.00" "binomial 2.00"; do # the stress column, the 10th
	echo "$out" | awk -v a="${want% *}" -v s="${want#* }" '$1 == a && $10 == s {ok = 1} END {exit !ok}' ||
		{ echo "FAIL: broadcast table lacks stress ${want#* } for ${want% *}"; fail=1; }
done
if echo "$out" | grep -q "false$"; then echo "FAIL: a broadcast was not verified"; fail=1; fi

echo "== chat demo across hosts"
"${MPIEXEC[@]}" -n 4 "$BIN/mpigo" chat --script demo/chat-%r.txt | tail -3 || fail=1

# fault NAME LIMIT ACTION: start a long job, do ACTION after 3 s, and require
# the job to end non-zero within LIMIT seconds of it, saying what failed.
fault() {
	local name=$1 limit=$2 action=$3 want=$4
	local log
	log=$(mktemp)
	"${MPIEXEC[@]}" -n 6 "$BIN/mpigo" broadcast --size 65536 --reps 1000000 --algo binomial >"$log" 2>&1 &
	local job=$!
	sleep 3
	local t0=$SECONDS
	eval "$action"
	wait $job
	local rc=$? took=$((SECONDS - t0))
	if [ $rc -eq 0 ] || [ $took -gt "$limit" ] || ! grep -Eq "$want" "$log"; then
		echo "FAIL: $name: exit $rc after ${took}s (limit ${limit}s), want a message matching /$want/:"
		tail -15 "$log"
		fail=1
	else
		echo "ok: $name: exit $rc after ${took}s: $(grep -Eom1 "$want" "$log")"
	fi
	rm -f "$log"
	$cluster down >/dev/null 2>&1
	$cluster up 3 || exit 1
}
echo "== faults"
# OpenMPI names the failed host (10.77.0.3) or the killed rank, or says it lost a daemon.
named="(10\.77\.0\.3|exited on signal 9|lost communication with a remote daemon|unable to reliably start)"
fault "host 3's ranks killed" 20 'ip netns pids mpigo-h3 | xargs -r kill -9' "$named"
fault "host 3's link cut" 30 'ip -n mpigo-br link set veth3 down' "$named"

$cluster down
left=$(ip netns list | grep -c mpigo || true)
if [ "$left" != 0 ]; then echo "FAIL: $left namespaces left behind"; fail=1; fi
[ $fail = 0 ] && echo "test-multihost: PASS" || echo "test-multihost: FAIL"
exit $fail
