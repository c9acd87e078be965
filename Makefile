# paperboy — plain make. Honours CFLAGS, LDFLAGS, PREFIX, DESTDIR.
PKGS     = libcurl libxml-2.0 libcjson libconfig sqlite3 libpq libutf8proc libcrypto libmicrohttpd libdeflate \
           libidn2
# The PDF module (paperboy-pdf.so, src/fulltext/pdf_module.h): poppler is loaded only when a PDF
# is read, not at every start.
PDF_PKGS = poppler-glib
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
LIBDIR  ?= $(PREFIX)/lib
PKGLIBDIR ?= $(LIBDIR)/paperboy
# /usr's configuration lives in /etc (Debian's convention), any other prefix's in PREFIX/etc.
SYSCONFDIR ?= $(if $(filter /usr,$(patsubst %/,%,$(PREFIX))),/etc,$(PREFIX)/etc)
# systemd looks for units in /usr/lib/systemd/system and /usr/local/lib/systemd/system.
UNITDIR ?= $(PREFIX)/lib/systemd/system
BUILD   ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g
WERROR  ?=
# Compilers run at once when test, asan, fuzz and run build (the tests themselves run one
# after another).
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PB_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra $(WERROR) \
            -Iinclude -I$(BUILD) $(shell pkg-config --cflags $(PKGS) $(PDF_PKGS))
# libcurl, libpq, libmicrohttpd, liblinear and libidn2 are not linked into paperboy: src/lazy/ loads
# each when first used, by the soname read from it here (pb_sonames.h), so that a start does not
# pay for the forty libraries they bring in.
LAZY_PKGS = libcurl libpq libmicrohttpd libidn2
LAZY_LIBS = CURL:curl PQ:pq MHD:microhttpd LINEAR:linear IDN2:idn2
LIBS     = $(shell pkg-config --libs $(filter-out $(LAZY_PKGS),$(PKGS))) -lm

LIB_SRC  = $(sort $(wildcard src/*.c src/*/*.c))
LIB_SRC := $(filter-out src/main.c src/fulltext/pdf_poppler.c,$(LIB_SRC))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC = $(sort $(wildcard fuzz/fuzz_*.c))
# Helper programs the integration tests and benchmarks drive (each a main of its own).
TOOL_SRC = $(sort $(wildcard tests/tools/*.c bench/*.c))
TOOL_BIN = $(TOOL_SRC:%.c=$(BUILD)/%)

.PHONY: tools all binaries fuzz-targets deps test-deps test unit unit-pg integration asan fuzz bench install clean run check FORCE
all: paperboy

# Everything the tests run, built (in parallel with -j) before any test starts.
binaries: $(BUILD)/paperboy $(UNIT_BIN) $(TOOL_BIN) $(BUILD)/tests/pdf-fake.so

# The paths compiled in (the default config file, the prompts), rewritten only when they change:
# `make` then `make install PREFIX=/usr` rebuilds what uses them.
$(BUILD)/pb_paths.h: FORCE
	@mkdir -p $(BUILD)
	@printf '#define PB_SYSCONFDIR "%s"\n#define PB_PKGLIBDIR "%s"\n' '$(SYSCONFDIR)' '$(PKGLIBDIR)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

# The sonames of the libraries loaded at first use, read from the ones built against.
$(BUILD)/pb_sonames.h: Makefile
	@mkdir -p $(BUILD)
	@for l in $(LAZY_LIBS); do n=$${l%%:*}; f=$$($(CC) -print-file-name=lib$${l#*:}.so); \
	  s=$$(objdump -p "$$f" 2>/dev/null | awk '$$1 == "SONAME" { print $$2 }'); \
	  if [ -z "$$s" ]; then echo "no soname found in $$f (lib$${l#*:}.so)" >&2; exit 1; fi; \
	  printf '#define PB_SONAME_%s "%s"\n' "$$n" "$$s"; done >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

$(patsubst %.c,$(BUILD)/%.o,$(wildcard src/lazy/*.c)): $(BUILD)/pb_sonames.h

$(BUILD)/src/main.o $(BUILD)/src/config/api.o $(BUILD)/src/config/validate.o \
  $(BUILD)/src/fulltext/pdf.o: $(BUILD)/pb_paths.h

$(BUILD)/%.o: %.c $(wildcard include/paperboy/*.h src/*.h src/*/*.h) | $(BUILD)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(PB_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD):
	@mkdir -p $(BUILD)

$(BUILD)/libpaperboy.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/paperboy: $(BUILD)/src/main.o $(BUILD)/libpaperboy.a | $(BUILD)/paperboy-pdf.so
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/paperboy-pdf.so: src/fulltext/pdf_poppler.c src/fulltext/pdf_module.h | $(BUILD)
	@echo "  CC    $<"
	@$(CC) $(PB_CFLAGS) $(CPPFLAGS) $(CFLAGS) -fPIC -shared -fvisibility=hidden $(LDFLAGS) \
	  -o $@ $< $(shell pkg-config --libs $(PDF_PKGS))

paperboy: $(BUILD)/paperboy
	@if [ "$(BUILD)" = build ]; then cp -f $(BUILD)/paperboy paperboy; \
	  cp -f $(BUILD)/paperboy-pdf.so paperboy-pdf.so; fi

# The state's tests make their PostgreSQL schemas with libpq itself.
$(BUILD)/tests/%: tests/unit/%.c tests/unit/t.h $(BUILD)/libpaperboy.a
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(PB_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libpaperboy.a $(LIBS) \
	  $(shell pkg-config --libs libpq)

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libpaperboy.a
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(PB_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libpaperboy.a $(LIBS)

# fulltext_bench counts a PDF's pages with poppler itself, so benchmarks link it.
$(BUILD)/bench/%: bench/%.c $(BUILD)/libpaperboy.a
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(PB_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libpaperboy.a $(LIBS) \
	  $(shell pkg-config --libs $(PDF_PKGS))

tools: $(TOOL_BIN)

# Installs what is missing (Debian packages only); safe to run again. deps: what paperboy
# builds and runs with; test-deps: that and what the tests, fuzzers and benchmarks use.
deps:
	@sh contrib/install-deps.sh

test-deps:
	@sh contrib/install-deps.sh --test

# Where the unit and integration tests find the saved arXiv responses.
PB_FIXTURES ?= $(abspath ../shared/fixtures/arxiv)
export PB_FIXTURES

unit: $(UNIT_BIN) $(BUILD)/paperboy $(BUILD)/tests/pdf-fake.so
	@set -e; echo "fixtures: $$PB_FIXTURES"; for t in $(UNIT_BIN); do echo "== $$t"; \
	  PAPERBOY_PDF_MODULE=$(abspath $(BUILD)/paperboy-pdf.so) \
	  PB_PDF_FAKE=$(abspath $(BUILD)/tests/pdf-fake.so) $$t; done

# A stand-in PDF module that crashes, hangs or takes all memory (test_fulltext_pdf_child).
$(BUILD)/tests/pdf-fake.so: tests/unit/pdf_fake.c src/fulltext/pdf_module.h
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(PB_CFLAGS) $(CPPFLAGS) $(CFLAGS) -fPIC -shared -fvisibility=hidden $(LDFLAGS) \
	  -o $@ $<

# The state's unit tests again on a throwaway PostgreSQL (tests/lib/pg.sh).
unit-pg: $(BUILD)/paperboy $(UNIT_BIN)
	@PAPERBOY=$(abspath $(BUILD)/paperboy) BUILD=$(abspath $(BUILD)) sh tests/integration/84-state-pg-suite.sh

integration: $(BUILD)/paperboy $(UNIT_BIN) $(TOOL_BIN)
	@PAPERBOY=$(abspath $(BUILD)/paperboy) BUILD=$(abspath $(BUILD)) sh tests/run-integration.sh

test: test-deps
	@$(MAKE) --no-print-directory -j$(JOBS) WERROR=-Werror binaries
	@$(MAKE) --no-print-directory WERROR=-Werror unit integration paperboy

check: test

# The whole test suite under AddressSanitizer and UBSan, in its own build tree.
ASAN_MAKE = $(MAKE) --no-print-directory BUILD=build-asan WERROR=-Werror \
  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
  LDFLAGS="-fsanitize=address,undefined" PB_SANITIZED=1
# intercept_tls_get_addr=0: GCC 12's LeakSanitizer, walking the dynamic TLS of libraries loaded
# with dlopen (the PDF module's poppler and GLib), reads a bogus block now and then and dies at
# exit ("Tracer caught signal 11"; 42-fulltext-faults' first run, 4 of 25 tries); with it off,
# 0 of 25, and no leak reported.
asan: test-deps
	@$(ASAN_MAKE) -j$(JOBS) binaries
	@ASAN_OPTIONS="intercept_tls_get_addr=0$${ASAN_OPTIONS:+:$$ASAN_OPTIONS}" $(ASAN_MAKE) unit integration

# libFuzzer targets (clang). FUZZ_SECONDS per target; corpora under fuzz/corpus/<name>.
# The parser's authors' caps are lowered so that inputs within -max_len pass them.
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	      -DPB_MAX_AUTHORS=8 -DPB_MAX_CREATOR=256
fuzz: test-deps
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build-fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS)" \
	  fuzz-targets
	@set -e; export PAPERBOY_PDF_MODULE=$(abspath build-fuzz/paperboy-pdf.so); for f in $(FUZZ_SRC); do \
	  n=$$(basename $$f .c); \
	  mkdir -p fuzz/corpus/$$n build-fuzz/corpus/$$n; \
	  echo "== $$n ($(FUZZ_SECONDS) s)"; \
	  if ! build-fuzz/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	       build-fuzz/corpus/$$n fuzz/corpus/$$n >build-fuzz/$$n.log 2>&1; then \
	    tail -n 40 build-fuzz/$$n.log; echo "fuzz: $$n FAILED (build-fuzz/$$n.log)"; exit 1; fi; \
	  grep -E '^Done' build-fuzz/$$n.log || true; \
	done

# The fuzz targets, linked with libFuzzer's main (make fuzz sets BUILD and CC).
fuzz-targets: $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%) $(BUILD)/paperboy-pdf.so

$(BUILD)/fuzz/%: fuzz/%.c $(BUILD)/libpaperboy.a
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(PB_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $< $(BUILD)/libpaperboy.a $(LIBS)

bench: test-deps $(BUILD)/paperboy $(TOOL_BIN)
	@PAPERBOY=$(abspath $(BUILD)/paperboy) BUILD=$(abspath $(BUILD)) \
	  PAPERBOY_PDF_MODULE=$(abspath $(BUILD)/paperboy-pdf.so) sh bench/run.sh

# The example configuration's main job; PAPERBOY_ARXIV_RSS_URL and PAPERBOY_ARXIV_API_URL,
# when set, point it at another arXiv (paperboy(1)).
run: deps
	@$(MAKE) --no-print-directory -j$(JOBS) paperboy
	./$(BUILD)/paperboy -c conf/paperboy.conf.example run

# The binary, the man pages, the example configuration with its conf.d/ and prompts (and it as
# paperboy.conf when there is none), and the systemd units with this install's paths.
install: $(BUILD)/paperboy
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(BUILD)/paperboy $(DESTDIR)$(BINDIR)/paperboy
	install -d $(DESTDIR)$(PKGLIBDIR)
	install -m 644 $(BUILD)/paperboy-pdf.so $(DESTDIR)$(PKGLIBDIR)/paperboy-pdf.so
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -d $(DESTDIR)$(SYSCONFDIR)/paperboy/prompts $(DESTDIR)$(SYSCONFDIR)/paperboy/conf.d
	install -m 644 conf/paperboy.conf.example $(DESTDIR)$(SYSCONFDIR)/paperboy/paperboy.conf.example
	[ -e $(DESTDIR)$(SYSCONFDIR)/paperboy/paperboy.conf ] || \
	  install -m 644 conf/paperboy.conf.example $(DESTDIR)$(SYSCONFDIR)/paperboy/paperboy.conf
	install -m 644 conf/conf.d/*.example $(DESTDIR)$(SYSCONFDIR)/paperboy/conf.d/
	install -m 644 conf/prompts/* $(DESTDIR)$(SYSCONFDIR)/paperboy/prompts/
	install -d $(DESTDIR)$(UNITDIR)
	for u in contrib/systemd/*.service contrib/systemd/*.timer; do \
	  sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $$u \
	    >$(DESTDIR)$(UNITDIR)/$${u##*/} && chmod 644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done

clean:
	rm -rf build build-asan build-fuzz paperboy paperboy-pdf.so
