#!/bin/sh
# deps.sh - make sure the Debian packages needed to build and test Postern
# are installed. As root, installs what is missing (apt-get update first);
# otherwise prints the exact apt-get line and fails.
#
# Usage: build-aux/deps.sh [-q] [fuzz | deb]
#	-q	say nothing when all is present
#	fuzz	also what `make fuzz` needs (clang's libFuzzer); plain
#		builds and `make check` never ask for it
#	deb	also what `make deb` and `make check-deb` need

PKGS="gcc make autoconf pkg-config libc6-dev libssl-dev libbsd-dev libdb-dev
libcrypt-dev perl db-util python3 openssl swaks pflogsumm strace e2fsprogs
libnet-ssleay-perl libio-socket-ssl-perl fetchmail isync
libmail-imapclient-perl libunbound-dev libidn2-dev dnsmasq-base postfix
systemd"

FUZZ_PKGS="clang-14 libclang-rt-14-dev libfuzzer-14-dev"
DEB_PKGS="dpkg-dev debhelper fakeroot lintian iproute2"

quiet=0
[ "$1" = "-q" ] && { quiet=1; shift; }
[ "$1" = "fuzz" ] && PKGS="$PKGS $FUZZ_PKGS"
[ "$1" = "deb" ] && PKGS="$PKGS $DEB_PKGS"

if ! command -v dpkg-query >/dev/null 2>&1; then
	[ $quiet = 1 ] || echo "deps: not a Debian system; install by hand:" $PKGS >&2
	exit 0
fi

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' ||
		missing="$missing $p"
done

if [ -z "$missing" ]; then
	[ $quiet = 1 ] || echo "deps: all build and test packages are installed"
	exit 0
fi

if [ "$(id -u)" = 0 ]; then
	echo "deps: installing:$missing"
	# postfix is there for its test tools (smtp-sink, smtp-source): it
	# must not set itself up as this host's mail system
	echo "postfix postfix/main_mailer_type select No configuration" |
		debconf-set-selections 2>/dev/null
	apt-get update &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing ||
		{ echo "deps: apt-get failed" >&2; exit 1; }
	exit 0
fi

echo "deps: missing packages; as root run:" >&2
echo "  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
exit 1
