#!/bin/bash
# root13.sh: a Debian 13 (trixie) root with OpenMPI 5 and MPICH 4.2, for
# testing mpigo against the current libraries without touching the host
# (Debian 12). Made once (~2 min) and reused; `root13.sh run CMD…` runs CMD
# inside it, in this checkout (bind-mounted at /src), with the host's Go;
# `root13.sh umount` takes its mounts away. The root lives outside the
# checkout (ROOT13, default /var/tmp/mpigo-root13): it mounts the checkout,
# /proc and /dev, which a walk of the checkout must not meet.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=${ROOT13:-/var/tmp/mpigo-root13}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

make_root() {
	[ -x "$root/usr/bin/mpicc.openmpi" ] && [ -x "$root/usr/bin/mpicc.mpich" ] && return
	command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
	if [ ! -x "$root/usr/bin/apt-get" ]; then
		echo "root13: debootstrap trixie into $root (~2 min)"
		debootstrap --variant=minbase trixie "$root" "$mirror" >"$here/bin/root13-debootstrap.log" 2>&1 ||
			{ tail -20 "$here/bin/root13-debootstrap.log"; exit 1; }
	fi
	echo "deb $mirror trixie main" >"$root/etc/apt/sources.list"
	# This host's name must resolve inside the root: OpenMPI 5's launcher
	# (PRRTE) cannot reach the children of MPI_Comm_spawn otherwise.
	printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$(hostname)" >"$root/etc/hosts"
	mounts
	echo "root13: installing OpenMPI 5 and MPICH 4.2 in the root"
	chroot "$root" env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends \
		libopenmpi-dev openmpi-bin libmpich-dev mpich pkg-config gcc libc6-dev ca-certificates procps >/dev/null'
}

# mounts mounts what jobs need, once (idempotent).
mounts() {
	local goroot modcache; goroot=$(go env GOROOT) modcache=$(go env GOMODCACHE)
	mkdir -p "$modcache" "$root/src" "$root/usr/local/go" "$root/gomod" "$root/tmp"
	mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
	mountpoint -q "$root/sys" || mount -t sysfs sysfs "$root/sys"
	mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
	mountpoint -q "$root/dev/shm" || mount --bind /dev/shm "$root/dev/shm"
	mountpoint -q "$root/usr/local/go" || mount --bind "$goroot" "$root/usr/local/go"
	mountpoint -q "$root/gomod" || mount --bind "$modcache" "$root/gomod"
	# /src is this checkout: another one's mount (an earlier run from elsewhere) is replaced.
	if mountpoint -q "$root/src" && [ "$(stat -c %d:%i "$root/src/.")" != "$(stat -c %d:%i "$here/.")" ]; then
		umount "$root/src"
	fi
	mountpoint -q "$root/src" || mount --bind "$here" "$root/src"
}

if [ "${1:-}" = umount ]; then
	for m in src gomod usr/local/go dev/shm dev sys proc; do
		! mountpoint -q "$root/$m" || umount "$root/$m"
	done
	exit 0
fi
mkdir -p "$here/bin"
make_root
mounts
if [ "${1:-}" = run ]; then
	shift
	exec chroot "$root" env -i HOME=/root PATH=/usr/local/go/bin:/usr/bin:/bin:/usr/sbin:/sbin \
		GOMODCACHE=/gomod GOFLAGS=-mod=mod GOPROXY=off GOCACHE=/root/.cache/go-build GOTOOLCHAIN=local \
		TERM=dumb bash -c 'cd /src && "$@"' bash "$@"
fi
