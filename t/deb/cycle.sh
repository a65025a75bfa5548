#!/bin/bash
# cycle.sh - the package's whole life on a Debian 12 system: apt-get
# install (replacing another mail-transport-agent if there is one), mail
# in on port 25 and into the Maildir, out over POP3 and IMAP where
# master.cf serves them and through the relay agent to a relayhost, an
# upgrade to a newer version while it runs (the admin's main.cf kept),
# stop, remove while it runs, purge. Prints TAP.
#
# It changes the system it runs on: t/deb/010-package.t runs it through
# t/deb/overlay.sh, on a throw-away view of this machine. By hand, in a
# chroot or a spare machine (root):
#
#   t/deb/cycle.sh [--fresh] postern_0.1_amd64.deb
#
# --fresh first removes the package's service users where they exist
# (test instances make them), for a throw-away system only: a machine
# as new as the one the package meets first.
#
# It needs swaks (the SMTP client) and setpriv. No systemd here: the
# service's commands are run as its unit gives them
# (ExecStart=, ExecStop=), with its capability bounding set.
set -u

fresh=
[ "$1" = --fresh ] && { fresh=yes; shift; }
deb=$1
n=0
fail=0
ok() {	# ok STATUS NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"; fail=$((fail + 1)); fi
}
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
diag() { sed 's/^/# /'; }
log=$(mktemp -d)
unit=/lib/systemd/system/postern.service
unit_cmd() {	# unit_cmd Start|Stop|Reload
	local cmd caps
	cmd=$(sed -n "s/^Exec$1=//p" $unit)
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' $unit | tr 'A-Z ' 'a-z,' |
	    sed 's/cap_/+/g')
	setpriv --bounding-set="-all,$caps" --no-new-privs $cmd
}
other_mtas() {
	dpkg-query -W -f '${Package}\t${db:Status-Status}\t${Provides}\n' |
	    awk -F '\t' '$1 != "postern" && $2 == "installed" &&
		$3 ~ /(^|[ ,])mail-transport-agent([ ,(]|$)/ { print $1 }'
}
param() { postern conf -x "$1" | sed 's/^[^=]*= *//'; }
# a message to port 25 with swaks; it must be accepted
smtp_send() {	# smtp_send RCPT SUBJECT
	swaks --server 127.0.0.1:25 --helo cycle.example.org \
	    --from bob@example.org --to "$1" --header "Subject: $2" \
	    --body hello > "$log/swaks" 2>&1 || { diag < "$log/swaks"; return 1; }
}
maildir=
# new/ and cur/, where POP3 and IMAP sessions move what they have seen
maildir_count() {
	find "$maildir/new" "$maildir/cur" -type f 2>/dev/null | wc -l
}
wait_count() {	# wait_count N: up to 60 s for N messages
	local i
	for i in $(seq 1 120); do
		[ "$(maildir_count)" -ge "$1" ] && return 0
		sleep 0.5
	done
	return 1
}
# a POP3 or IMAP session: the commands, then the replies must hold $want
session() {	# session PORT WANT CMD...
	local port=$1 want=$2 out c
	shift 2
	exec 3<>/dev/tcp/127.0.0.1/"$port" || return 1
	for c in "$@"; do printf '%s\r\n' "$c" >&3; sleep 0.3; done
	out=$(timeout 10 cat <&3)
	exec 3>&-
	printf '%s' "$out" | grep -q "$want" || { printf '%s\n' "$out" | diag;
		return 1; }
}
read_back() {	# read_back SUBJECT
	if grep -q '^pop3 ' /etc/postern/master.cf; then
		session 110 "Subject: $1" "USER alice@example.test" \
		    "PASS cycle secret 19" "RETR 1" "QUIT"
		ok $? "POP3 on port 110: alice logs in and reads it"
	else
		skip "master.cf serves no POP3"
	fi
	if grep -q '^imap ' /etc/postern/master.cf; then
		session 143 "Subject: $1" \
		    "a LOGIN alice@example.test \"cycle secret 19\"" \
		    "b SELECT INBOX" "c FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]" \
		    "d LOGOUT"
		ok $? "IMAP on port 143: alice logs in and reads it"
	else
		skip "master.cf serves no IMAP"
	fi
}

# the package's service users (the built-in *_owner values that its
# main.cf needs), and which of them this system has already: those are
# not the package's to remove
mkdir "$log/x" && dpkg-deb -x "$deb" "$log/x"
defaults=$(POSTERN_CONFIG_DIR=/nonexistent "$log/x/usr/sbin/postern" conf -d -x)
rm -rf "$log/x"
# log_owner runs the log service, which main.cf asks for with maillog_file
owners() {	# owners "$(postern conf -x)": the users it needs
	local skip='^log_owner = '
	printf '%s\n' "$1" | grep -q '^maillog_file = .' && skip='^$'
	printf '%s\n' "$1" | grep -v "$skip" |
	    sed -n 's/^[a-z]*_owner = //p' | sort -u
}
users=$(owners "$defaults")
vmail=$(echo "$defaults" | sed -n 's/^vmail_owner = //p')
if [ -n "$fresh" ]; then
	for u in $users; do
		getent passwd "$u" > /dev/null && userdel "$u"
	done
fi
new_users= old_users=
for u in $users; do
	if getent passwd "$u" > /dev/null; then old_users="$old_users $u"
	else new_users="$new_users $u"; fi
done
[ -z "$old_users" ] || echo "# service users here before the package:$old_users"

export DEBIAN_FRONTEND=noninteractive
replaced=$(other_mtas | tr '\n' ' ')
apt-get install -y "$deb" > "$log/install" 2>&1
ok $? "apt-get install the package"
grep -v '^Selecting\|^Preparing\|^Unpacking\|^(Reading' "$log/install" |
    tail -n 30 | diag
if [ -n "$replaced" ]; then
	[ -z "$(other_mtas)" ]
	ok $? "it replaced ${replaced% } (Conflicts: mail-transport-agent)"
fi
[ -n "$users" ] && [ "$users" = "$(owners "$(postern conf -x)")" ]
ok $? "its service users are$(printf ' %s' $users)"
for u in $new_users; do
	getent passwd "$u" > /dev/null
	ok $? "the postinst (postern setup) made the user $u"
done
[ -s "$(param smtpd_tls_cert_file)" ] && [ -s "$(param smtpd_tls_key_file)" ]
ok $? "and a self-signed certificate"
[ -f /etc/aliases.db ]
ok $? "and /etc/aliases.db"
mailroot=$(param virtual_mailbox_base)
[ "$(stat -c %U "$mailroot")" = "$vmail" ]
ok $? "and the mail root $mailroot, vmail_owner's"
postern check > "$log/check" 2>&1
ok $? "postern check finds nothing wrong"
diag < "$log/check"

postern conf inet_interfaces=loopback-only \
    virtual_mailbox_domains=example.test > /dev/null
echo "cycle secret 19" | postern user add --stdin alice@example.test \
    > /dev/null
ok $? "postern user add alice@example.test"
maildir=$mailroot/example.test/alice
unit_cmd Start > "$log/start" 2>&1
ok $? "ExecStart= starts the master"
diag < "$log/start"
smtp_send alice@example.test "on port 25"
ok $? "port 25 takes a message (swaks)"
wait_count 1
ok $? "it is delivered into alice's Maildir"
read_back "on port 25"
printf 'Subject: local\n\nx\n' | /usr/sbin/sendmail alice@example.test
ok $? "/usr/sbin/sendmail submits one"
wait_count 2
ok $? "delivered too"
mailq > "$log/mailq" 2>&1
ok $? "mailq"
# out: the relay agent to a relayhost, an SMTP sink (Python's smtpd) on
# 127.0.0.1:10025 (no DNS in this namespace: an address literal)
if /usr/bin/python3 -c 'import smtpd' 2> /dev/null; then
	/usr/bin/python3 -W ignore -u -m smtpd -n -c DebuggingServer \
	    127.0.0.1:10025 > "$log/sink" 2>&1 &
	sink=$!
	postern conf 'relayhost=[127.0.0.1]:10025' > /dev/null &&
	    postern reload > /dev/null &&
	    printf 'Subject: outbound\n\nx\n' | /usr/sbin/sendmail carol@example.net
	for i in $(seq 1 120); do
		grep -q "Subject: outbound" "$log/sink" && break
		sleep 0.5
	done
	grep -q "Subject: outbound" "$log/sink"
	r=$?
	ok $r "the relay agent delivers mail for example.net to the relayhost"
	kill "$sink"
	[ $r = 0 ] || { tail -n 30 "$log/sink"; mailq; } | diag
else
	skip "no Python smtpd module for the relayhost"
fi

# an upgrade: the same package as version +1 (its main.cf the same, so
# dpkg keeps the admin's edited one without asking)
version=$(dpkg-deb -f "$deb" Version)
mkdir "$log/next" &&
dpkg-deb -R "$deb" "$log/next/root" &&
sed -i "s/^Version: .*/Version: $version+1/" "$log/next/root/DEBIAN/control" &&
dpkg-deb -b "$log/next/root" "$log/next/postern.deb" > /dev/null
ok $? "version $version+1 of the package (dpkg-deb -R, -b)"
apt-get install -y "$log/next/postern.deb" > "$log/upgrade" 2>&1
ok $? "apt-get install upgrades to it while the master runs"
[ "$(dpkg-query -W -f '${Version}' postern)" = "$version+1" ]
ok $? "dpkg says $version+1 is installed"
grep -q "postern setup: nothing to do" "$log/upgrade"
ok $? "the postinst's postern setup finds nothing to do"
grep -v '^Selecting\|^Preparing\|^Unpacking\|^(Reading' "$log/upgrade" |
    tail -n 30 | diag
[ "$(param virtual_mailbox_domains)" = example.test ] &&
    [ "$(param inet_interfaces)" = loopback-only ]
ok $? "the admin's main.cf is kept"
postern status > /dev/null
ok $? "the master still runs"
smtp_send alice@example.test "after the upgrade"
wait_count 3
ok $? "and mail still flows"
unit_cmd Reload > /dev/null 2>&1
ok $? "ExecReload= reloads it"
unit_cmd Stop > /dev/null 2>&1
ok $? "ExecStop= stops it"
! postern status > /dev/null 2>&1
ok $? "postern status: not running"

unit_cmd Start > /dev/null 2>&1
pid=$(cat /var/spool/postern/pid/master.pid 2> /dev/null)
[ -n "$pid" ] && kill -0 "$pid"
ok $? "ExecStart= starts it again"
apt-get remove -y postern > "$log/remove" 2>&1
ok $? "apt-get remove"
for i in $(seq 1 60); do kill -0 "$pid" 2> /dev/null || break; sleep 0.5; done
! kill -0 "$pid" 2> /dev/null
ok $? "its prerm stopped the master (no systemd here to do it)"
left=
for u in $users; do
	getent passwd "$u" > /dev/null && left="$left $u"
done
[ -f /etc/postern/main.cf ] && [ "$left" = "$(printf ' %s' $users)" ]
ok $? "keeps the configuration and the users"
apt-get purge -y postern > "$log/purge" 2>&1
ok $? "apt-get purge"
diag < "$log/purge"
[ ! -e /etc/postern ]
ok $? "the configuration is gone"
[ ! -e /var/spool/postern ]
ok $? "the (empty) queue is gone"
left=
for u in $users; do
	getent passwd "$u" > /dev/null && left="$left $u"
done
echo "# users left:${left:- none}"
keep=$(for u in $old_users $vmail; do echo "$u"; done | sort -u | tr '\n' ' ')
[ "$(for u in $left; do echo "$u"; done | sort -u | tr '\n' ' ')" = "$keep" ]
ok $? "the service users the package made are gone, but $vmail (the mail's)"
[ "$(maildir_count)" -ge 3 ]
ok $? "alice's mail is still there"
[ "$(stat -c %U "$maildir")" = "$vmail" ]
ok $? "and so is its owner, $vmail (README.Debian says how to remove both)"
rm -rf "$log"
echo "1..$n"
exit $((fail > 0))
