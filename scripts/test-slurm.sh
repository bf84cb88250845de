#!/bin/bash
# test-slurm.sh: a one-node Slurm cluster on this machine (slurm-local.sh,
# auth/none, this machine only), scripts/slurm-job.sh submitted with sbatch
# --wait, and its output checked: two ranks started by mpiexec inside the
# allocation and two by srun --mpi=pmix. Removed again, even on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/mpigo-slurm.XXXXXX)
trap 'scripts/slurm-local.sh down "$dir"; rm -rf "$dir"' EXIT
scripts/slurm-local.sh up "$dir" || exit 1
export SLURM_CONF=$dir/slurm.conf
out=$dir/job.out
if ! timeout -k 5 120 sbatch --wait --chdir="$PWD" --output="$out" scripts/slurm-job.sh; then
	echo "test-slurm: FAIL: the batch job failed"; cat "$out"; exit 1
fi
cat "$out"
fail=0
for want in "--- mpiexec in the allocation" "hello from rank 1 of 2" "--- srun --mpi=pmix"; do
	grep -q -- "$want" "$out" || { echo "test-slurm: FAIL: the job's output lacks \"$want\""; fail=1; }
done
# Two hellos of 2 ranks each: mpiexec's and srun's.
[ "$(grep -c 'hello from rank 0 of 2' "$out")" = 2 ] || { echo "test-slurm: FAIL: want rank 0's hello twice"; fail=1; }
grep -q "one-way µs" "$out" || { echo "test-slurm: FAIL: no ping-pong table"; fail=1; }
[ $fail = 0 ] && echo "test-slurm: PASS" || echo "test-slurm: FAIL"
exit $fail
