# streamkit - event-time stream processing filters for shell pipelines.
# GNU make.  `make` builds, `make test` runs every test, `make demo` shows it.

PREFIX    = /usr/local
MANPREFIX = $(PREFIX)/share/man
# Where bash-completion and zsh look for completions; Debian's zsh takes
# vendor-completions under /usr (debian/rules says so).
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  = $(PREFIX)/share/zsh/site-functions
DESTDIR   =

CC      = cc
OPT     = -O2
WARN    = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wno-sign-compare
# Link-time optimisation: a record's hot path crosses modules (the
# parser, pred, route, out) and gains from inlining across them; routing
# the bench data took 10-15% less time.  gcc's only (clang's needs its
# own archiver); LTO= turns it off.
LTO     = $(if $(shell $(CC) -v 2>&1 | grep '^gcc version'),-flto=auto)
CFLAGS  = $(OPT) $(LTO) -g -std=c11 -pthread $(WARN) $(EXTRA_CFLAGS)
CPPFLAGS = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -iquote lib
LDFLAGS =
LDLIBS  = -lm

BUILD = build
BIN   = $(BUILD)/bin

TOOLS   = event-route stream-agg stream-trigger stream-window
LIBSRC  = $(sort $(wildcard lib/*.c))
LIBOBJ  = $(LIBSRC:lib/%.c=$(BUILD)/lib/%.o)
LIB     = $(BUILD)/libstreamkit.a
UNITSRC = $(sort $(wildcard tests/unit/*_test.c))
UNITS   = $(UNITSRC:tests/unit/%.c=$(BUILD)/unit/%)
FUZZSRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS = $(FUZZSRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS = 60
BINS    = $(TOOLS:%=$(BIN)/%)
MAN1    = $(TOOLS:%=man/%.1)
MAN7    = man/streamkit.7

all: $(BINS)

$(BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

$(BIN)/%: cmd/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/unit/%: tests/unit/%.c tests/unit/check.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer,address,undefined \
	    -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/gen: bench/gen.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ bench/gen.c

$(BUILD)/latency: bench/latency.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ bench/latency.c

$(BUILD)/runstat: bench/runstat.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ bench/runstat.c

units: $(UNITS)

test: all units $(BUILD)/gen $(BUILD)/runstat $(BUILD)/latency
	@BUILD=$(BUILD) SUITES='$(SUITES)' sh tests/run

# The whole suite again, against binaries built with ASan and UBSan.
check-asan:
	$(MAKE) BUILD=build-asan OPT=-O1 LTO= \
	    EXTRA_CFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
	    LDFLAGS='-fsanitize=address,undefined' test

# The whole suite again, against binaries built with ThreadSanitizer:
# the second thread that parses ahead (lib/ahead.c).  SUITES=tests/x.bats
# runs only those bats files, here and in make test.
check-tsan:
	$(MAKE) BUILD=build-tsan OPT=-O1 LTO= \
	    EXTRA_CFLAGS='-fsanitize=thread -fno-omit-frame-pointer' \
	    LDFLAGS='-fsanitize=thread' test

# The scale-out and broker recipes of examples/cluster against real
# services, each started on 127.0.0.1 in a temporary directory and
# stopped at the end: munged, slurmctld and slurmd, sshd, mosquitto
# (Debian: slurm-wlm munge openssh-server openssh-client rsync parallel
# mosquitto mosquitto-clients).  Run as root, as CI does.
check-cluster: all
	@BUILD=$(BUILD) SUITES='$(SUITES)' bash tests/cluster/run

# libFuzzer targets for every parser, built with clang, each run for
# FUZZ_SECONDS from the seed corpora in tests/fuzz/corpus.
fuzzers: $(FUZZERS)

fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang OPT='-O1 -g' \
	    EXTRA_CFLAGS='-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all' \
	    fuzzers
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run build-fuzz

bench: all $(BUILD)/gen $(BUILD)/runstat $(BUILD)/latency
	@BUILD=$(BUILD) sh bench/run

demo: all
	@BIN=$(BIN) sh examples/demo

# The demo's pipelines under valgrind's memcheck: any error or leak, in
# any stage of a pipeline, fails.
check-valgrind: all
	@rm -rf $(BUILD)/valgrind && mkdir -p $(BUILD)/valgrind
	@for t in $(TOOLS); do \
	    printf '#!/bin/sh\nexec valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --log-file=%s/%%p.log %s "$$@"\n' \
	        "$(CURDIR)/$(BUILD)/valgrind" "$(CURDIR)/$(BIN)/$$t" > $(BUILD)/valgrind/$$t; \
	    chmod +x $(BUILD)/valgrind/$$t; done
	BIN=$(BUILD)/valgrind sh examples/demo > $(BUILD)/valgrind/demo.out
	@if [ -n "$$(cat $(BUILD)/valgrind/*.log)" ]; then \
	    cat $(BUILD)/valgrind/*.log; exit 1; fi
	@echo "check-valgrind: the demo ran clean under memcheck"

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(MANPREFIX)/man7
	cp -f $(BINS) $(DESTDIR)$(PREFIX)/bin/
	cp -f $(MAN1) $(DESTDIR)$(MANPREFIX)/man1/
	cp -f $(MAN7) $(DESTDIR)$(MANPREFIX)/man7/
	mkdir -p $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	for t in $(TOOLS); do \
	    cp -f completion/streamkit.bash $(DESTDIR)$(BASHCOMPDIR)/$$t || exit 1; done
	cp -f completion/_streamkit $(DESTDIR)$(ZSHCOMPDIR)/_streamkit

uninstall:
	cd $(DESTDIR)$(PREFIX)/bin && rm -f $(TOOLS)
	cd $(DESTDIR)$(MANPREFIX)/man1 && rm -f $(TOOLS:%=%.1)
	rm -f $(DESTDIR)$(MANPREFIX)/man7/streamkit.7
	cd $(DESTDIR)$(BASHCOMPDIR) && rm -f $(TOOLS)
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_streamkit

# The Debian package, built from a copy of the tree in $(BUILD)/deb/src
# (dpkg-buildpackage writes to the parent of the tree it builds), so the
# .deb, .changes and .buildinfo land in $(BUILD)/deb; this make's
# variables stay out of the package's.  DEB_BUILD_OPTIONS is the
# caller's: nocheck skips the test suite inside the build (about a minute).
deb:
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src
	tar -cf - --exclude='./build*' --exclude=./.git . | tar -xf - -C $(BUILD)/deb/src
	cd $(BUILD)/deb/src && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
	    dpkg-buildpackage -us -uc -b
	lintian --fail-on error $(BUILD)/deb/*.changes

# The package, built without its own run of the suite (make test has run
# it on this tree), unpacked into a scratch root, and its installed tools
# run there (debian/tests/smoke, also the autopkgtest).
check-deb:
	DEB_BUILD_OPTIONS=nocheck DEB_BUILD_PROFILES=nocheck $(MAKE) BUILD=$(BUILD) deb
	rm -rf $(BUILD)/deb/root
	dpkg -x $(BUILD)/deb/streamkit_*.deb $(BUILD)/deb/root
	STREAMKIT_ROOT=$(CURDIR)/$(BUILD)/deb/root sh debian/tests/smoke

clean:
	rm -rf build build-asan build-tsan build-clang build-fuzz

.PHONY: all units test check-asan check-tsan check-cluster check-valgrind fuzzers fuzz bench demo install uninstall clean
.PHONY: deb check-deb
.SECONDARY:
