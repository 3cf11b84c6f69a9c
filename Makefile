# streamkit - event-time stream processing filters for shell pipelines.
# GNU make.  `make` builds, `make test` runs every test, `make demo` shows it.

PREFIX    = /usr/local
MANPREFIX = $(PREFIX)/share/man
DESTDIR   =

CC      = cc
OPT     = -O2
WARN    = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wno-sign-compare
CFLAGS  = $(OPT) -g -std=c11 $(WARN) $(EXTRA_CFLAGS)
CPPFLAGS = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -iquote lib
LDFLAGS =
LDLIBS  = -lm

BUILD = build
BIN   = $(BUILD)/bin

TOOLS   = stream-agg stream-window
LIBSRC  = $(sort $(wildcard lib/*.c))
LIBOBJ  = $(LIBSRC:lib/%.c=$(BUILD)/lib/%.o)
LIB     = $(BUILD)/libstreamkit.a
UNITSRC = $(sort $(wildcard tests/unit/*_test.c))
UNITS   = $(UNITSRC:tests/unit/%.c=$(BUILD)/unit/%)
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

$(BUILD)/gen: bench/gen.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ bench/gen.c

$(BUILD)/runstat: bench/runstat.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ bench/runstat.c

units: $(UNITS)

test: all units $(BUILD)/gen
	@BUILD=$(BUILD) sh tests/run

# The whole suite again, against binaries built with ASan and UBSan.
check-asan:
	$(MAKE) BUILD=build-asan OPT=-O1 \
	    EXTRA_CFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
	    LDFLAGS='-fsanitize=address,undefined' test

bench: all $(BUILD)/gen $(BUILD)/runstat
	@BUILD=$(BUILD) sh bench/run

demo: all
	@BIN=$(BIN) sh examples/demo

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(MANPREFIX)/man7
	cp -f $(BINS) $(DESTDIR)$(PREFIX)/bin/
	cp -f $(MAN1) $(DESTDIR)$(MANPREFIX)/man1/
	cp -f $(MAN7) $(DESTDIR)$(MANPREFIX)/man7/

uninstall:
	cd $(DESTDIR)$(PREFIX)/bin && rm -f $(TOOLS)
	cd $(DESTDIR)$(MANPREFIX)/man1 && rm -f $(TOOLS:%=%.1)
	rm -f $(DESTDIR)$(MANPREFIX)/man7/streamkit.7

clean:
	rm -rf build build-asan build-clang

.PHONY: all units test check-asan bench demo install uninstall clean
.SECONDARY:
