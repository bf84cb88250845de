#!/bin/bash
# slurm-local.sh up DIR | down DIR: a one-node Slurm cluster on this machine,
# from Debian's packages (slurmctld, slurmd, slurm-client): a controller and
# a node daemon run by root in DIR, on ports of their own (16817, 16818), with
# no authentication between them (auth/none: this machine only), so that
# `SLURM_CONF=DIR/slurm.conf sbatch …` runs jobs here.
set -euo pipefail
cmd=${1:?usage: slurm-local.sh up|down DIR} dir=${2:?usage: slurm-local.sh up|down DIR}
case "$cmd" in
up)
	mkdir -p "$dir/state" "$dir/spool"
	host=$(hostname -s)
	cpus=$(nproc)
	cat >"$dir/slurm.conf" <<CONF
ClusterName=mpigo
SlurmctldHost=$host
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/none
CredType=cred/none
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=mpigo Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
	export SLURM_CONF=$dir/slurm.conf
	slurmctld -f "$SLURM_CONF" -i
	slurmd -f "$SLURM_CONF"
	for _ in $(seq 100); do
		if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
			echo "slurm: up in $dir (SLURM_CONF=$SLURM_CONF)"
			exit 0
		fi
		sleep 0.2
	done
	echo "slurm: the node did not come up; logs in $dir" >&2
	tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
	exit 1
	;;
down)
	# By the process ids the daemons wrote (never by a name pattern, which
	# would match other people's daemons and this shell): TERM, then KILL
	# after 5 s if that process is still ours.
	for p in slurmd slurmctld; do
		[ -s "$dir/$p.pid" ] || continue
		pid=$(cat "$dir/$p.pid")
		ours() { tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-f $dir/slurm.conf"; }
		ours && kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do ours || break; sleep 0.1; done
		ours && kill -9 "$pid" 2>/dev/null || true
	done
	;;
esac
