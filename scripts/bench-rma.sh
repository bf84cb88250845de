#!/bin/bash
# bench-rma.sh: mpigo's one-sided Put latency and Get bandwidth (mpigo rma)
# against the same loops in C (bench/c/rma.c), OSU's method, as
# alternating jobs of 2 ranks; medians of ROUNDS rounds and the ratio to C
# (time for latency, C's rate over mpigo's for bandwidth: above 1 is slower).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
ROUNDS=${ROUNDS:-5}
SIZES=${SIZES:-8 1024 65536 1048576}
. ./openmpi.env
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
run() { timeout -k 5 120 mpiexec -n 2 "$@" | awk '{print $4}'; }
echo "# one-sided, 2 ranks, medians of $ROUNDS alternating rounds; ratio: mpigo's time over C's"
printf "%-12s %9s %12s %12s %7s\n" bench size C mpigo ratio
for bench in put-latency get-bw; do
	for size in $SIZES; do
		iters=10000 warm=100
		[ "$bench" = get-bw ] && iters=100 warm=10
		[ "$size" -gt 8192 ] && iters=$((iters / 10)) warm=$((warm / 10))
		c=() g=()
		for _ in $(seq "$ROUNDS"); do
			c+=("$(run "$BIN/rma-c" "$bench" "$size" "$iters" "$warm")")
			g+=("$(run "$BIN/mpigo" rma --bench "$bench" --size "$size" --iters "$iters" --warm "$warm")")
		done
		cm=$(printf '%s\n' "${c[@]}" | median); gm=$(printf '%s\n' "${g[@]}" | median)
		ratio=$(awk -v c="$cm" -v g="$gm" -v b="$bench" 'BEGIN {print (b == "get-bw") ? c / g : g / c}')
		unit=µs; [ "$bench" = get-bw ] && unit=MB/s
		printf "%-12s %9d %12s %12s %7.2f\n" "$bench" "$size" "$cm $unit" "$gm $unit" "$ratio"
	done
done
