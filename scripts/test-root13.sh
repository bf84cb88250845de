#!/bin/bash
# test-root13.sh: the suite and the demos' smoke runs against Debian 13's
# OpenMPI 5.0.7 and MPICH 4.2.1, in the root scripts/root13.sh makes (and
# reuses). Run by make test-root13 (part of make test); each library's test
# log is bin/root13-<library>.log, and a failure prints its failed tests.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
status=0
suite() { # name, build tags, launcher, more commands
	local name=$1 tags=$2 launcher=$3 more=${4:-true}
	local log=bin/root13-$name.log start=$SECONDS
	scripts/root13.sh run bash -c "
		. ./openmpi.env
		go test $tags -short -p 1 -count=1 -timeout 15m ./mpi/... ./collectives/... ./pool/... &&
		go build $tags -o bin/mpigo-$name ./cmd/mpigo &&
		timeout -k 5 60 $launcher -n 4 bin/mpigo-$name hello &&
		timeout -k 5 120 $launcher -n 3 bin/mpigo-$name heat --n 48 --steps 40 &&
		timeout -k 5 60 $launcher -n 4 bin/mpigo-$name broadcast --size 65536 --reps 5 &&
		$more" >"$log" 2>&1
	local rc=$?
	echo "root13: $name: exit $rc in $((SECONDS - start)) s (log: $log)"
	if [ $rc -ne 0 ]; then
		grep -a -A40 -- '^--- FAIL' "$log" | head -150 || tail -60 "$log"
		status=1
	fi
}
# OpenMPI 5 has fault tolerance: the tests of what survives a dead rank
# outside mpi/, and the heat demo surviving a rank killed mid-run.
ft="go test -short -count=1 -run 'Resilient|Survived' ./internal/heat/ ./internal/chat/ &&
	timeout -k 5 120 mpiexec.openmpi --with-ft ulfm -n 4 bin/mpigo-openmpi heat --resilient --n 48 --steps 80 \
		--checkpoint-every 20 --kill 1@30 >bin/root13-heat-resilient.txt &&
	cat bin/root13-heat-resilient.txt && grep -q 'the field is identical to a serial run' bin/root13-heat-resilient.txt"
suite openmpi "" mpiexec.openmpi "$ft"
suite mpich "-tags mpich" mpiexec.mpich
scripts/root13.sh umount
exit $status
