#!/bin/sh
# overlay.sh - run t/deb/cycle.sh on a copy-on-write view of this machine,
# so that the package's whole life (apt-get install, which replaces any
# other mail-transport-agent, as Debian's Conflicts: asks; the upgrade;
# the purge) happens on this machine's own Debian 12 without changing
# it. Every write goes to an overlayfs upper directory that is removed
# at the end; the cycle runs in its own mount, network and PID
# namespaces: ports 25, 110 and 143 on its own loopback, whatever this
# machine runs, and no process of it outlives the namespace. The service
# users that test instances leave here are removed in that view first
# (cycle.sh --fresh), so that the package meets a machine without them.
#
# Usage: t/deb/overlay.sh DEB	(root; prints cycle.sh's TAP)
#	Exits 77 when the overlay cannot be made (no overlayfs, not
#	allowed in this container): the caller skips, saying why.
set -u

deb=$1
here=$(cd "$(dirname "$0")" && pwd)
d=$(mktemp -d "${TMPDIR:-/var/tmp}/postern-overlay.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT INT TERM
mkdir "$d/up" "$d/work" "$d/root" "$d/up/cycle"
cp "$deb" "$d/up/cycle/" && cp "$here/cycle.sh" "$d/up/cycle/" || exit 1

# the mounts exist only in the new namespace; they go with its last
# process. The shell below is its PID 1: when it ends, or unshare is
# killed (--kill-child), every process of the cycle ends with it.
unshare --mount --net --pid --fork --kill-child --propagation private sh -c '
	d=$1 deb=$2
	mount -t overlay overlay \
	    -o "lowerdir=/,upperdir=$d/up,workdir=$d/work" "$d/root" ||
	    exit 77
	mount -t proc proc "$d/root/proc" &&
	mount --rbind /dev "$d/root/dev" &&
	mount -t tmpfs tmpfs "$d/root/tmp" &&
	mount -t tmpfs tmpfs "$d/root/run" || exit 77
	chroot "$d/root" /bin/sh -c "ip link set lo up &&
	    exec /cycle/cycle.sh --fresh /cycle/$deb"
' overlay "$d" "$(basename "$deb")"
