# paperboy — plain make. Honours CFLAGS, LDFLAGS, PREFIX, DESTDIR.
PKGS     = libcurl libxml-2.0 libcjson libconfig sqlite3 libutf8proc
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
BUILD   ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g
WERROR  ?=
PB_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra $(WERROR) \
            -Iinclude $(shell pkg-config --cflags $(PKGS))
LIBS     = $(shell pkg-config --libs $(PKGS)) -lm

LIB_SRC  = $(sort $(wildcard src/*.c src/*/*.c))
LIB_SRC := $(filter-out src/main.c,$(LIB_SRC))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC = $(sort $(wildcard fuzz/fuzz_*.c))
# Helper programs the integration tests and benchmarks drive (each a main of its own).
TOOL_SRC = $(sort $(wildcard tests/tools/*.c bench/*.c))
TOOL_BIN = $(TOOL_SRC:%.c=$(BUILD)/%)

.PHONY: tools all deps test unit integration asan fuzz bench install clean run check
all: paperboy

$(BUILD)/%.o: %.c $(wildcard include/paperboy/*.h src/*.h src/*/*.h) | $(BUILD)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(PB_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD):
	@mkdir -p $(BUILD)

$(BUILD)/libpaperboy.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/paperboy: $(BUILD)/src/main.o $(BUILD)/libpaperboy.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

paperboy: $(BUILD)/paperboy
	@if [ "$(BUILD)" = build ]; then cp -f $(BUILD)/paperboy paperboy; fi

$(BUILD)/tests/%: tests/unit/%.c tests/unit/t.h $(BUILD)/libpaperboy.a
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(PB_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libpaperboy.a $(LIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libpaperboy.a
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(PB_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libpaperboy.a $(LIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libpaperboy.a
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(PB_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libpaperboy.a $(LIBS)

tools: $(TOOL_BIN)

# Installs what is missing (Debian packages only); safe to run again.
deps:
	@sh contrib/install-deps.sh

unit: $(UNIT_BIN) $(BUILD)/paperboy
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

integration: $(BUILD)/paperboy $(UNIT_BIN) $(TOOL_BIN)
	@PAPERBOY=$(abspath $(BUILD)/paperboy) BUILD=$(abspath $(BUILD)) sh tests/run-integration.sh

test: deps
	@$(MAKE) --no-print-directory WERROR=-Werror unit integration

check: test

# The whole test suite under AddressSanitizer and UBSan, in its own build tree.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan WERROR=-Werror \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" PB_SANITIZED=1 unit integration

# libFuzzer targets (clang). FUZZ_SECONDS per target; corpora under fuzz/corpus/<name>.
FUZZ_SECONDS ?= 30
fuzz: deps
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
	  build-fuzz/libpaperboy.a
	@set -e; mkdir -p build-fuzz/fuzz; for f in $(FUZZ_SRC); do \
	  n=$$(basename $$f .c); \
	  clang $(PB_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o build-fuzz/fuzz/$$n $$f build-fuzz/libpaperboy.a $(LIBS); \
	  mkdir -p fuzz/corpus/$$n build-fuzz/corpus/$$n; \
	  echo "== $$n ($(FUZZ_SECONDS) s)"; \
	  build-fuzz/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build-fuzz/corpus/$$n fuzz/corpus/$$n 2>&1 | tail -n 3; \
	done

bench: deps $(BUILD)/paperboy $(TOOL_BIN)
	@PAPERBOY=$(abspath $(BUILD)/paperboy) BUILD=$(abspath $(BUILD)) sh bench/run.sh

run: deps $(BUILD)/paperboy
	./$(BUILD)/paperboy -c conf/paperboy.conf.example run

install: $(BUILD)/paperboy
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(BUILD)/paperboy $(DESTDIR)$(BINDIR)/paperboy
	for m in man/*.1; do [ -f "$$m" ] && install -m 644 $$m $(DESTDIR)$(MANDIR)/man1/ || true; done
	for m in man/*.5; do [ -f "$$m" ] && install -m 644 $$m $(DESTDIR)$(MANDIR)/man5/ || true; done
	install -d $(DESTDIR)$(SYSCONFDIR)/paperboy/prompts
	install -m 644 conf/paperboy.conf.example $(DESTDIR)$(SYSCONFDIR)/paperboy/paperboy.conf.example
	for p in conf/prompts/*; do [ -f "$$p" ] && install -m 644 $$p $(DESTDIR)$(SYSCONFDIR)/paperboy/prompts/ || true; done

clean:
	rm -rf build build-asan build-fuzz paperboy
