#!/bin/bash
# bench-heat-persistent.sh: the heat solver's residual reduced each step by
# an Allreduce call or by a persistent Allreduce (AllreduceInit once, Start
# and Wait each step: mpigo heat --persistent), as alternating jobs at each
# rank count; medians of ROUNDS rounds of steps/s, and the ratio
# persistent / plain (above 1: the persistent one is faster). The fields
# must be identical to the serial run's either way. Needs bin/mpigo.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
N=${N:-128}
STEPS=${STEPS:-4000}
ROUNDS=${ROUNDS:-7}
NPS=${NPS:-2 4}
. ./openmpi.env
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
rate() { # np, extra flags: the steps/s of one job
	local np=$1; shift
	local out
	out=$(timeout -k 5 300 mpiexec -n "$np" "$BIN/mpigo" heat --n "$N" --steps "$STEPS" --no-scaling --exchange sendrecv "$@")
	if ! echo "$out" | grep -q identical; then echo "FAIL: the field differs from the serial one" >&2; exit 1; fi
	echo "$out" | awk '$3 == "sendrecv" {print $4}'
}
echo "# heat ${N}×${N}, $STEPS steps, sendrecv halos; steps/s, medians of $ROUNDS alternating rounds"
printf "%5s %12s %12s %7s\n" ranks "Allreduce" "persistent" ratio
for np in $NPS; do
	plain=() pers=()
	for _ in $(seq "$ROUNDS"); do
		plain+=("$(rate "$np")")
		pers+=("$(rate "$np" --persistent)")
	done
	a=$(printf '%s\n' "${plain[@]}" | median) b=$(printf '%s\n' "${pers[@]}" | median)
	printf "%5d %12.1f %12.1f %7.2f\n" "$np" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {print b / a}')"
done
