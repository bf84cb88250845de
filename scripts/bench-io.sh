#!/bin/bash
# bench-io.sh: mpigo's collective write bandwidth (mpigo io) against the same
# loop in C (bench/c/io.c): every rank writes its block of one file in
# /tmp with MPI_File_write_at_all, as alternating jobs of NP ranks; medians
# of ROUNDS rounds and mpigo/C (MB/s: below 1 is slower), through the page
# cache and with MPI_File_sync after each write.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
ROUNDS=${ROUNDS:-5}
NPS=${NPS:-2 4}
SIZES=${SIZES:-65536 1048576 16777216}
FILE=${FILE:-/tmp/mpigo-io.bench}
. ./openmpi.env
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
run() { timeout -k 5 120 mpiexec -n "$np" --mca mpi_yield_when_idle 1 "$@" | awk '{print $4}'; }
echo "# collective write (MPI_File_write_at_all), MB/s, medians of $ROUNDS alternating rounds; ratio mpigo/C"
printf "%3s %5s %9s %10s %10s %6s\n" np sync size C mpigo ratio
for np in $NPS; do
	for sync in 0 1; do
		for size in $SIZES; do
			iters=200; [ "$size" -ge 16777216 ] && iters=10
			flag=; [ "$sync" = 1 ] && flag=--sync
			c=() g=()
			for _ in $(seq "$ROUNDS"); do
				c+=("$(run "$BIN/io-c" "$FILE" "$size" "$iters" "$sync")")
				g+=("$(run "$BIN/mpigo" io --file "$FILE" --size "$size" --iters "$iters" $flag)")
			done
			cm=$(printf '%s\n' "${c[@]}" | median); gm=$(printf '%s\n' "${g[@]}" | median)
			printf "%3d %5s %9d %10s %10s %6.2f\n" "$np" "$sync" "$size" "$cm" "$gm" "$(awk -v c="$cm" -v g="$gm" 'BEGIN {print g / c}')"
		done
	done
done
