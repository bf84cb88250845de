#!/bin/bash
# A batch script for Slurm: two ranks of a mpigo program, started first by
# OpenMPI's mpiexec inside the allocation (it learns the nodes and slots from
# Slurm and starts its daemons with srun), then by srun itself through PMIx
# (Debian's Slurm has the pmix plugin, and Debian's OpenMPI speaks PMIx).
# Submit it from the repository: sbatch scripts/slurm-job.sh
#SBATCH --job-name=mpigo
#SBATCH --ntasks=2
#SBATCH --output=mpigo-%j.out
set -e
. ./openmpi.env # as root: OpenMPI's run-as-root settings; harmless otherwise
echo "--- mpiexec in the allocation"
mpiexec bin/mpigo hello
mpiexec bin/mpigo pingpong --sizes 1,65536 --iters 2000
echo "--- srun --mpi=pmix"
srun --mpi=pmix bin/mpigo hello
