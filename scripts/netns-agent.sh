#!/bin/bash
# netns-agent.sh: mpiexec's remote-launch agent (--mca plm_rsh_agent) for the
# hosts of netns-cluster.sh: instead of ssh HOST CMD, run CMD in the host's
# namespace. OpenMPI passes options first (dropped), then the host, then the
# remote command as one string.
while [[ "${1:-}" == -* ]]; do shift; done
host=$1; shift
i=${host##*.}
exec ip netns exec "mpigo-h$i" env TMPDIR="/tmp/mpigo-netns/tmp$i" /bin/sh -c "$*"
