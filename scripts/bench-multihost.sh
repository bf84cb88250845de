#!/bin/bash
# bench-multihost.sh: benchmarks across 3 network-namespace hosts × 2 ranks
# whose links to the switch are rate-limited with tc tbf (RATE, default
# 1gbit; this kernel has no netem, so no added delay): ping-pong between two
# hosts, and every broadcast algorithm against MPI_Bcast, where the
# hierarchical tree should gain from crossing each host's link only once.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
RATE=${RATE:-1gbit}
cluster=scripts/netns-cluster.sh
hostfile=$(mktemp)
trap '$cluster down; rm -f "$hostfile"' EXIT
$cluster up 3 || exit 1
$cluster hostfile 2 >"$hostfile"
for i in 1 2 3; do # both directions of each host's link
	ip netns exec mpigo-br tc qdisc add dev "veth$i" root tbf rate "$RATE" burst 256kb latency 50ms
	ip netns exec "mpigo-h$i" tc qdisc add dev mpi0 root tbf rate "$RATE" burst 256kb latency 50ms
done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1
FLAGS=(--mca plm_rsh_agent "$PWD/scripts/netns-agent.sh" --mca btl tcp,self
	--mca btl_tcp_if_include mpi0 --mca oob_tcp_if_include mpi0 --bind-to none --mca rtc ^hwloc
	-x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM)
MPIEXEC=("$cluster" exec 1 timeout -k 5 600 mpiexec --hostfile "$hostfile" "${FLAGS[@]}")
echo "# links limited to $RATE (tc tbf)"
echo "## ping-pong between hosts 1 and 2"
"${MPIEXEC[@]}" -n 2 --map-by node "$BIN/mpigo" pingpong --sizes 1,1024,65536,1048576 --iters 1000
echo "## bandwidth between hosts 1 and 2"
"${MPIEXEC[@]}" -n 2 --map-by node "$BIN/mpigo" pingpong --bw --sizes 1048576,4194304 --iters 200
for size in 1048576 16777216; do
	echo "## broadcast, 3 hosts × 2 ranks, $size bytes"
	"${MPIEXEC[@]}" -n 6 "$BIN/mpigo" broadcast --size "$size" --reps 5 --hosts 0,0,1,1,2,2
done
# The suite as make bench-cluster runs it (every implementation, a result
# file recording the hosts and each rank's host), ranks 0 and 1 on
# different hosts (--map-by node); SCALE shortens it.
echo "## the benchmark suite across the hosts: mpigo bench all --hostfile"
# (Not the one-sided benchmarks: across TCP hosts OpenMPI 4.1 makes windows
# only with --mca osc sm,pt2pt below ThreadMultiple; see doc/operations.md.)
"$cluster" exec 1 "$BIN/mpigo" bench all --hostfile "$hostfile" --np 6 --rounds "${ROUNDS:-1}" -x "${SCALE:-0.1}" \
	-b latency,bw,bibw,bw-persistent,value,bcast,scatter,gather,allgather,alltoall,reduce,allreduce,barrier \
	-s 1:4194304 -c 1:1048576 --mpiexec-args "${FLAGS[*]} --map-by node" --timeout 20m \
	--json "$BIN/bench-multihost.json" --csv "$BIN/bench-multihost.csv" --plot "$BIN/bench-multihost.png"
