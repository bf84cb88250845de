#!/bin/bash
# test-root13.sh: the suite and the demos' smoke runs against Debian 13's
# OpenMPI 5.0.7 and MPICH 4.2.1, in the root scripts/root13.sh makes (and
# reuses). Run by make test-root13 (part of make test); each library's test
# log is bin/root13-<library>.log, and a failure prints its failed tests.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
status=0
suite() { # name, build tags, launcher
	local name=$1 tags=$2 launcher=$3
	local log=bin/root13-$name.log start=$SECONDS
	scripts/root13.sh run bash -c "
		. ./openmpi.env
		go test $tags -short -p 1 -count=1 -timeout 15m ./mpi/... ./collectives/... ./pool/... &&
		go build $tags -o bin/mpigo-$name ./cmd/mpigo &&
		timeout -k 5 60 $launcher -n 4 bin/mpigo-$name hello &&
		timeout -k 5 120 $launcher -n 3 bin/mpigo-$name heat --n 48 --steps 40 &&
		timeout -k 5 60 $launcher -n 4 bin/mpigo-$name broadcast --size 65536 --reps 5" >"$log" 2>&1
	local rc=$?
	echo "root13: $name: exit $rc in $((SECONDS - start)) s (log: $log)"
	if [ $rc -ne 0 ]; then
		grep -a -A40 -- '^--- FAIL' "$log" | head -150 || tail -60 "$log"
		status=1
	fi
}
suite openmpi "" mpiexec.openmpi
suite mpich "-tags mpich" mpiexec.mpich
scripts/root13.sh umount
exit $status
