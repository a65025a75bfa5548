# Postern - hand-written, non-recursive Makefile.
#
# On a fresh clone `make` installs missing build packages (as root; see
# build-aux/deps.sh), generates ./configure from configure.ac, runs it, and
# builds everything. Header dependencies are tracked with -MMD.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

-include config.mk

WARN = -Wall -Wextra -Wformat=2 -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wpointer-arith -Wcast-qual -Wsign-compare
HARDEN = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
ALL_CPPFLAGS = -I. -Ilib -It $(CPPFLAGS)
ALL_CFLAGS = $(WARN) $(WERROR) $(HARDEN) $(CFLAGS) -MMD -MP
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now $(LDFLAGS)

# The programs; each is built from every .c file in its directory.
PROGRAMS = ctl/postern
DAEMONS = master/master auth/auth anvil/anvil delivery/local/local qmgr/qmgr smtpd/smtpd \
	postlogd/postlogd resolver/resolver delivery/relay/relay \
	pop3d/pop3d pop3d/login/pop3-login imapd/imapd imapd/login/imap-login

# Libraries that only some programs link (and their unit tests).
resolver/resolver_LIBS = $(UNBOUND_LIBS) $(IDN2_LIBS)

LIB_SRCS := $(sort $(wildcard lib/*.c))
LIB_OBJS := $(LIB_SRCS:.c=.o)
LIB = lib/libpostern.a

UNIT_SRCS := $(sort $(wildcard t/unit/*.c))
UNIT_TESTS := $(UNIT_SRCS:.c=.t)
# Test-only helper programs (t/bin/NAME.c -> t/bin/NAME).
TBIN_SRCS := $(sort $(wildcard t/bin/*.c))
TBINS := $(TBIN_SRCS:.c=)
TAP_OBJ = t/tap.o

prog_srcs = $(sort $(wildcard $(dir $(1))*.c))
prog_objs = $(patsubst %.c,%.o,$(call prog_srcs,$(1)))
ALL_PROG_OBJS := $(foreach p,$(PROGRAMS) $(DAEMONS),$(call prog_objs,$(p)))

# Fuzz harnesses (fuzz/README): fuzz/NAME.c, its seeds in fuzz/corpus/NAME/.
# A harness of a program's internals links that program's objects except
# main.o; name the program here, one line per such harness.
FUZZ_PROG_smtpd_session = smtpd/smtpd
FUZZ_PROG_bdat = smtpd/smtpd
FUZZ_PROG_local_request = delivery/local/local
FUZZ_PROG_auth_throttle = auth/auth
FUZZ_PROG_anvil_table = anvil/anvil
FUZZ_PROG_auth_token = auth/auth
FUZZ_PROG_imap_cmd = imapd/imapd
FUZZ_PROG_resolver_rr = resolver/resolver
FUZZ_PROG_relay_mime = delivery/relay/relay
FUZZ_PROG_qmgr_trigger = qmgr/qmgr

FUZZ_SRCS := $(filter-out fuzz/replay.c,$(sort $(wildcard fuzz/*.c)))
FUZZ_NAMES := $(notdir $(FUZZ_SRCS:.c=))
FUZZ_TESTS := $(FUZZ_SRCS:.c=.t)
fuzz_prog_objs = $(if $(FUZZ_PROG_$(1)),$(filter-out \
	$(dir $(FUZZ_PROG_$(1)))main.o,$(call prog_objs,$(FUZZ_PROG_$(1)))))

ALL_OBJS := $(LIB_OBJS) $(ALL_PROG_OBJS) $(UNIT_SRCS:.c=.o) $(TBIN_SRCS:.c=.o) $(TAP_OBJ) \
	build-aux/genman.o $(FUZZ_SRCS:.c=.o) fuzz/replay.o

MAN_PAGES := $(sort $(wildcard man/*.[1-8])) man/postern.conf.5
MAN_PAGES := $(sort $(MAN_PAGES))

# The files of a system install with this build's paths (system/NAME.in).
SYSTEM_FILES = system/postern.service system/postern.logrotate

.PHONY: all check check-unit tests deps install clean distclean run bench \
	bench-pop3 bench-imap bench-outbound fuzz \
	fuzz-merge deb check-deb

all: $(PROGRAMS) $(DAEMONS) man/postern.conf.5 $(SYSTEM_FILES)

# --- configuration ------------------------------------------------------
configure: configure.ac
	@build-aux/deps.sh -q
	autoheader && autoconf
	@rm -rf autom4te.cache

config.mk config.h: configure config.mk.in
	@build-aux/deps.sh -q
	if [ -f config.status ]; then ./config.status --recheck && ./config.status; \
	else ./configure $(CONFIGURE_FLAGS); fi
	@touch config.mk config.h

deps:
	@build-aux/deps.sh

# --- compilation --------------------------------------------------------
$(ALL_OBJS): config.h config.mk

%.o: %.c
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

define program_rule
$(1): $(call prog_objs,$(1)) $(LIB)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$(filter %.o,$$^) $(LIB) $$($(1)_LIBS) $$(LIBS)
endef
$(foreach p,$(PROGRAMS) $(DAEMONS),$(eval $(call program_rule,$(p))))

t/unit/%.t: t/unit/%.o $(TAP_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(TAP_OBJ) $(LIB) $(LIBS)

# A unit test of a program's internals, t/unit/PROG_topic.c, links that
# program's objects except main.o (STYLE 2.1: main.c holds only main).
define prog_test_rule
t/unit/$(notdir $(1))_%.t: t/unit/$(notdir $(1))_%.o $(TAP_OBJ) \
    $(filter-out $(dir $(1))main.o,$(call prog_objs,$(1))) $(LIB)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$(filter %.o,$$^) $(LIB) $$($(1)_LIBS) $$(LIBS)
endef
$(foreach p,$(PROGRAMS) $(DAEMONS),$(eval $(call prog_test_rule,$(p))))

t/bin/%: t/bin/%.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LIBS)

# The parameter section of postern.conf.5 comes from the parameter table.
build-aux/genman: build-aux/genman.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LIBS)

man/postern.conf.5: man/postern.conf.5.in build-aux/genman
	build-aux/genman man/postern.conf.5.in > $@.tmp && mv $@.tmp $@

system/%: system/%.in config.mk
	sed -e 's|@QUEUE_DIR@|$(QUEUE_DIR)|g' -e 's|@DATA_DIR@|$(DATA_DIR)|g' \
		-e 's|@MAIL_ROOT@|$(MAIL_ROOT)|g' \
		-e 's|@COMMAND_DIR@|$(COMMAND_DIR)|g' $< > $@.tmp && mv $@.tmp $@

# Each harness with the plain replay driver: a TAP test of its corpus.
define fuzz_replay_rule
fuzz/$(1).t: fuzz/$(1).o fuzz/replay.o $(call fuzz_prog_objs,$(1)) $(LIB)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$(filter %.o,$$^) $(LIB) \
		$$($(FUZZ_PROG_$(1))_LIBS) $$(LIBS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_replay_rule,$(n))))

# --- tests --------------------------------------------------------------
tests: all $(UNIT_TESTS) $(TBINS) $(FUZZ_TESTS)

# make check runs the test files JOBS at a time: by default twice the
# CPUs, as an integration test spends most of its time waiting for its
# servers (JOBS=1: one at a time). A test that cannot share the machine
# with others says so on a line "# check: serial (why)" and runs after
# them, alone; one that takes long says "# check: slow" and starts first.
JOBS = $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 )))
INTEG_TESTS = $(sort $(wildcard t/integ/*.t))
SERIAL_TESTS = $(shell grep -l '^\# check: serial' $(INTEG_TESTS) /dev/null)
# the long ones (a line "# check: slow") start first, so none is the tail
SLOW_TESTS = $(shell grep -l '^\# check: slow' $(INTEG_TESTS) /dev/null)
PARALLEL_TESTS = $(filter-out $(SERIAL_TESTS),$(SLOW_TESTS) \
	$(filter-out $(SLOW_TESTS),$(INTEG_TESTS))) $(UNIT_TESTS)

check: tests
	@build-aux/deps.sh -q
	@s=0; echo "prove -j$(JOBS) (t/integ, the slow ones first, then t/unit)"; \
	prove -j$(JOBS) $(PARALLEL_TESTS) $(FUZZ_TESTS) || s=1; \
	if [ -n "$(SERIAL_TESTS)" ]; then \
		echo "prove (tests that run alone: # check: serial)"; \
		prove $(SERIAL_TESTS) || s=1; fi; exit $$s

check-unit: tests
	prove -j$(JOBS) t/unit/ $(FUZZ_TESTS)

# --- fuzzing (never part of check; fuzz/README) ---------------------------
# libFuzzer builds with clang, ASan and UBSan in fuzz/build/, apart from
# the normal objects. `make fuzz` runs every harness FUZZ_SECONDS,
# `make fuzz FUZZ=addr` one; `make fuzz-merge FUZZ=addr` folds what the
# runs found into the committed corpus, minimised.
FUZZ_CC = clang-14
FUZZ_SECONDS = 60
FUZZ = $(FUZZ_NAMES)
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_LIB = fuzz/build/libpostern.a

fuzz/build/%.o: %.c config.h config.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CPPFLAGS) $(WARN) $(FUZZ_CFLAGS) \
		-fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(addprefix fuzz/build/,$(LIB_OBJS))
	@rm -f $@
	$(AR) rcs $@ $^

define fuzz_bin_rule
fuzz/build/$(1): fuzz/build/fuzz/$(1).o \
    $(addprefix fuzz/build/,$(call fuzz_prog_objs,$(1))) $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $$@ \
		$$(filter %.o,$$^) $(FUZZ_LIB) $$($(FUZZ_PROG_$(1))_LIBS) $$(LIBS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_bin_rule,$(n))))

fuzz:
	@build-aux/deps.sh -q fuzz
	$(MAKE) $(addprefix fuzz/build/,$(FUZZ))
	@for n in $(FUZZ); do fuzz/run $$n $(FUZZ_SECONDS) || exit 1; done

fuzz-merge:
	@build-aux/deps.sh -q fuzz
	$(MAKE) $(addprefix fuzz/build/,$(FUZZ))
	@for n in $(FUZZ); do fuzz/run -merge $$n || exit 1; done

# --- benchmark (never part of check) -------------------------------------
# Postern against Postfix on this machine with smtp-source; see
# bench/README. As root it installs postfix; e.g. BENCH_ARGS=--quick.
bench: all
	bench/run $(BENCH_ARGS)

# POP3 against Dovecot's pop3d (bench/pop3; as root, installs dovecot-pop3d).
bench-pop3: all
	bench/pop3 $(BENCH_ARGS)

# IMAP against Dovecot's imapd (bench/imap; as root, installs
# dovecot-imapd); e.g. BENCH_ARGS=\"--messages 10000 --rounds 1\".
bench-imap: all
	bench/imap $(BENCH_ARGS)

# Outbound: relayhost to smtp-sink, Postern against Postfix (bench/README).
bench-outbound: all
	bench/outbound $(BENCH_ARGS)

# --- the Debian package (debian/; never part of check) --------------------
# `make deb` builds it in a copy of this tree (build-aux/mkdeb) into deb/.
# `make check-deb` (root) builds it again and runs t/deb/: lintian, an
# instance run from the extracted package, and its install, upgrade and
# purge on a throw-away overlay of this machine (t/deb/overlay.sh).
deb:
	@build-aux/deps.sh -q deb
	build-aux/mkdeb

check-deb: tests
	@build-aux/deps.sh -q deb
	prove -v t/deb/

# --- running and installing ---------------------------------------------
# The suite's own instance in ./run (made by `postern init` when missing,
# on ports PORT_BASE+25, +87 and +65: 2025, 2087, 2065 by default), in the
# foreground with the logs on stderr; Ctrl-C stops it.
run: all
	@build-aux/deps.sh -q
	@test -f run/etc/main.cf || ctl/postern init run \
		$(if $(PORT_BASE),--port-base $(PORT_BASE))
	@# as root the services run as system users: `postern setup` creates
	@# the missing ones and gives them what they own (the mail root)
	@if [ "$$(id -u)" = 0 ]; then ctl/postern -c run/etc setup || exit 1; fi
	@# the banner once the master is ready (its pid in master.state),
	@# never before a start that fails; the shell waits for the master
	@echo "make run: starting Postern in the foreground"
	@ctl/postern -c run/etc start -f & pid=$$!; trap '' INT; \
	state=$$(ctl/postern -c run/etc conf -x queue_directory | \
		sed 's/^[^=]*= *//')/pid/master.state; \
	while ! grep -qx "pid $$pid" "$$state" 2>/dev/null; do \
		kill -0 $$pid 2>/dev/null || { wait $$pid; exit 1; }; \
		sleep 0.2; done; \
	echo "Postern runs (pid $$pid), its log below; Ctrl-C stops it."; \
	awk '$$2 == "inet" && $$1 !~ /^#/ { n++; \
		printf "  %s on 127.0.0.1 port %s\n", $$8, $$1 } \
		END { if (!n) print "  (no network service is built yet)" }' \
		run/etc/master.cf; \
	echo "  status: ctl/postern -c run/etc status    (in another terminal)"; \
	wait $$pid

# A system instance (README, Installing on a server): the programs, the
# sendmail, mailq and newaliases links, the man pages, main.cf and
# master.cf (postern init --system: an admin's own are kept, the new
# samples go beside them as .dist), the empty queue and data directories,
# the systemd unit, logrotate's file (kept when there is one) and the
# rsyslog sample. Nothing outside DESTDIR; users, owners, the mail root,
# the certificate and the alias table come from `postern setup`.
install: all
	install -d $(DESTDIR)$(sbindir) $(DESTDIR)$(bindir) \
		$(DESTDIR)$(DAEMON_DIR) $(DESTDIR)$(CONF_DIR) \
		$(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man5 \
		$(DESTDIR)$(mandir)/man8 $(DESTDIR)$(QUEUE_DIR) \
		$(DESTDIR)$(DATA_DIR) $(DESTDIR)$(sysconfdir)/logrotate.d \
		$(DESTDIR)$(datarootdir)/doc/postern/examples
	install -m 755 ctl/postern $(DESTDIR)$(sbindir)/postern
	ln -sf postern $(DESTDIR)$(sbindir)/sendmail
	for n in mailq newaliases; do \
		ln -sf $(sbindir)/postern $(DESTDIR)$(bindir)/$$n; done
	for p in $(DAEMONS); do install -m 755 $$p $(DESTDIR)$(DAEMON_DIR)/; done
	for m in $(MAN_PAGES); do \
		s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(mandir)/man$$s/; done
	for n in mailq newaliases; do \
		echo '.so man1/sendmail.1' > $(DESTDIR)$(mandir)/man1/$$n.1; done
	ctl/postern init --system $(DESTDIR)$(CONF_DIR)
	@if [ -f $(DESTDIR)$(sysconfdir)/logrotate.d/postern ]; then \
		echo "make install: $(DESTDIR)$(sysconfdir)/logrotate.d/postern is kept"; \
	else install -m 644 system/postern.logrotate \
		$(DESTDIR)$(sysconfdir)/logrotate.d/postern; fi
	if [ "$(SYSTEMD_UNIT_DIR)" != no ]; then \
		install -d $(DESTDIR)$(SYSTEMD_UNIT_DIR) && \
		install -m 644 system/postern.service $(DESTDIR)$(SYSTEMD_UNIT_DIR)/; fi
	install -m 644 system/postern-rsyslog.conf \
		$(DESTDIR)$(datarootdir)/doc/postern/examples/
	@if [ -z "$(DESTDIR)" ]; then echo "make install: done; as root, run" \
		"$(sbindir)/postern setup (users, directories, certificate)"; fi

clean:
	rm -f $(ALL_OBJS) $(ALL_OBJS:.o=.d) $(LIB) $(PROGRAMS) $(DAEMONS) \
		$(UNIT_TESTS) $(TBINS) build-aux/genman man/postern.conf.5 \
		$(SYSTEM_FILES) \
		$(FUZZ_TESTS) $(FUZZ_LIB) $(addprefix fuzz/build/,$(FUZZ_NAMES))
	find . -name '*.o' -o -name '*.d' | xargs rm -f

distclean: clean
	rm -f config.h config.mk config.status config.log configure
	rm -rf autom4te.cache fuzz/build deb

-include $(ALL_OBJS:.o=.d) $(wildcard fuzz/build/*/*.d fuzz/build/*/*/*.d \
	fuzz/build/*/*/*/*.d)
