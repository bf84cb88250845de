#!/bin/bash
# netns-agent.sh: mpiexec's remote-launch agent (--mca plm_rsh_agent) for the
# hosts of netns-cluster.sh: instead of ssh HOST CMD, run CMD in the host's
# namespace. OpenMPI passes options first (dropped), then the host, then the
# remote command as one string. Each host has its own hostname (a UTS
# namespace), so MPI_Get_processor_name tells the hosts apart as on a cluster.
while [[ "${1:-}" == -* ]]; do shift; done
host=$1; shift
i=${host##*.}
exec ip netns exec "mpigo-h$i" unshare --uts env TMPDIR="/tmp/mpigo-netns/tmp$i" MPIGO_CMD="$*" \
	/bin/sh -c "hostname mpigo-h$i && exec /bin/sh -c \"\$MPIGO_CMD\""
