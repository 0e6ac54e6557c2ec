# recallfs: build, test, sanitize, bench, fuzz, install.
#
#   make              build ./recallfs (installs missing packages first)
#   make test         build and run every test; ends "N passed, N failed"
#   make sanitize     the whole suite built with ASan + UBSan
#   make bench        benchmarks (SIZE=1000,10000,...)   make fuzz FUZZ_SECONDS=N
#   make install      PREFIX=/usr/local DESTDIR=          make uninstall
#   make setup        install missing Debian packages (or print the command)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
PKGS := fuse3 sqlite3 libcurl libcjson libpcre2-8

CC ?= cc
OPT ?= -O2 -g
B ?= build
WARN := -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=gnu11 $(OPT) $(WARN) -D_FILE_OFFSET_BITS=64 -DPCRE2_CODE_UNIT_WIDTH=8 \
	-Icore -Iindex -Ifs -Icli $(PKG_CFLAGS) $(SAN) $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lm -lpthread

CORE_SRC := $(sort $(wildcard core/*.c))
INDEX_SRC := $(sort $(wildcard index/*.c))
FS_SRC := $(sort $(wildcard fs/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
LIB_SRC := $(CORE_SRC) $(INDEX_SRC) $(FS_SRC)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
HELPER_SRC := $(sort $(wildcard tests/helpers/*.c))
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(B)/tests/%)

.PHONY: all setup deps-check test unit sanitize bench fuzz install uninstall \
	clean mount
all: deps-check recallfs

deps-check:
	@pkg-config --exists $(PKGS) || ./contrib/setup-deps.sh build

setup:
	@./contrib/setup-deps.sh all

recallfs: $(B)/recallfs
	@if [ "$(B)" = build ]; then cp $(B)/recallfs recallfs; fi

$(B)/recallfs: $(CLI_OBJ) $(B)/librecallfs.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(B)/librecallfs.a $(LIBS)

$(B)/librecallfs.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/%: tests/unit/%.c tests/unit/t.h $(B)/librecallfs.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(B)/librecallfs.a \
		$(ALL_LDFLAGS) $(LIBS)

$(B)/tests/%: tests/helpers/%.c $(B)/librecallfs.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/librecallfs.a $(ALL_LDFLAGS) $(LIBS)

test: deps-check $(B)/recallfs $(UNIT_BIN) $(HELPER_BIN)
	@B=$(B) ./tests/run.sh

unit: $(B)/recallfs $(UNIT_BIN) $(HELPER_BIN)
	@B=$(B) ONLY=unit ./tests/run.sh

sanitize:
	$(MAKE) B=build-san OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" test

bench: recallfs
	@./tests/bench/run.sh $(SIZE)

fuzz:
	@./tests/fuzz/run.sh $(FUZZ_SECONDS)

mount: recallfs
	@./contrib/quickstart.sh

install: recallfs
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 recallfs $(DESTDIR)$(BINDIR)/recallfs

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/recallfs

clean:
	rm -rf build build-san build-fuzz recallfs

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
