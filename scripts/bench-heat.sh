#!/bin/bash
# bench-heat.sh: `mpigo heat` against the same loop in C (bench/c/heat.c),
# as alternating jobs at each rank count; medians of ROUNDS rounds and
# the ratio of mpigo's time per step to C's, with the time spent in halo
# exchanges (Sendrecv: rows contiguous, columns a vector datatype) and, for
# mpigo, the same exchange with columns packed by hand and as one
# NeighborAlltoallw of subarrays. Needs bin/mpigo and bin/heat-c (make bench-heat).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
N=${N:-512}
STEPS=${STEPS:-400}
ROUNDS=${ROUNDS:-5}
NPS=${NPS:-1 2 4}
. ./openmpi.env # root, oversubscription, pml
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
mpiexec_np() {
	local np=$1; shift
	local extra=()
	[ "$np" -gt "$(nproc)" ] && extra=(--mca mpi_yield_when_idle 1)
	timeout -k 5 300 mpiexec -n "$np" "${extra[@]}" "$@"
}
echo "# heat: ${N}×${N} grid, $STEPS steps, medians of $ROUNDS alternating rounds; ratio = mpigo's time per step / C's"
printf "%5s %12s %12s %7s %12s %14s %14s %14s\n" ranks "C steps/s" "mpigo st/s" ratio "C halo µs" "mpigo halo µs" "packed halo µs" "neighbor halo µs"
for np in $NPS; do
	c_rate=() ; c_halo=() ; g_rate=() ; g_halo=() ; p_halo=() ; n_halo=()
	for _ in $(seq "$ROUNDS"); do
		line=$(mpiexec_np "$np" "$BIN/heat-c" "$N" "$STEPS")
		c_rate+=("$(echo "$line" | sed -n 's/.*steps_per_s=\([0-9.]*\).*/\1/p')")
		c_halo+=("$(echo "$line" | sed -n 's/.*halo_us=\([0-9.]*\).*/\1/p')")
		out=$(mpiexec_np "$np" "$BIN/mpigo" heat --n "$N" --steps "$STEPS" --no-scaling)
		g_rate+=("$(echo "$out" | awk '$3 == "sendrecv" {print $4}')")
		g_halo+=("$(echo "$out" | awk '$3 == "sendrecv" {print $7}')")
		p_halo+=("$(echo "$out" | awk '$3 == "packed" {print $7}')")
		n_halo+=("$(echo "$out" | awk '$3 == "neighbor" {print $7}')")
		if echo "$out" | grep -q DIFFERS; then echo "FAIL: mpigo's field differs from the serial one"; exit 1; fi
	done
	cr=$(printf '%s\n' "${c_rate[@]}" | median); gr=$(printf '%s\n' "${g_rate[@]}" | median)
	printf "%5d %12.1f %12.1f %7.2f %12.2f %14.2f %14.2f %14.2f\n" "$np" "$cr" "$gr" "$(awk -v c="$cr" -v g="$gr" 'BEGIN {print c / g}')" \
		"$(printf '%s\n' "${c_halo[@]}" | median)" "$(printf '%s\n' "${g_halo[@]}" | median)" \
		"$(printf '%s\n' "${p_halo[@]}" | median)" "$(printf '%s\n' "${n_halo[@]}" | median)"
done
