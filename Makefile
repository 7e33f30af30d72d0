# metagen - build, test, install.
#   make            library + binary (build/libmetagen.a, build/metagen)
#   make check      unit tests (cmocka) then integration tests (real ODBC
#                   drivers, PostgreSQL, local OpenAI-compatible server,
#                   DuckDB through its npm package)
#   make demo       the main job on the shipped demo SQLite database
#   make DEV=1      strict warnings as errors
#   make SANITIZE=address,undefined check
#   make valgrind   unit tests under valgrind, with a private PostgreSQL
#   make fuzz       libFuzzer targets (clang) in build-fuzz/
#   make fuzz-smoke each fuzz target briefly on a copy of tests/fuzz/<name>
#   make lint       clang-format check + banned libc calls
#   make install    PREFIX=/usr/local

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
PKGS    := libcurl libcjson odbc yaml-0.1 sqlite3 libcrypto libxml-2.0 libmicrohttpd
# deferred (=), not immediate (:=): `make deps demo` on a fresh machine
# installs the packages before the first compile asks pkg-config
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CMOCKA_CFLAGS = $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   = $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wundef -Wvla -Wno-unused-parameter
# gcc only: clang has no -Wformat-truncation (and -Werror rejects unknown flags)
CC_IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -qi clang && echo 1)
ifneq ($(CC_IS_CLANG),1)
WARN += -Wno-format-truncation
endif
ifeq ($(DEV),1)
WARN += -Werror
endif
OPT ?= -O2 -g
CFLAGS += -std=c11 $(OPT) $(WARN) -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-Iinclude -Isrc -I$(BUILD)/gen $(PKG_CFLAGS) -pthread -MMD -MP
LDLIBS += $(PKG_LIBS) -pthread -lm
ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
# the PostgreSQL ODBC driver's own leak (tests/lsan.supp)
export LSAN_OPTIONS ?= suppressions=$(CURDIR)/tests/lsan.supp
endif

LIB_SRC := $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
PROMPTS := $(sort $(wildcard prompts/*.txt))
GEN_SRC := $(BUILD)/gen/prompts_embedded.c
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/prompts_embedded.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# Node.js and npm run DuckDB for its dialect's tests (tests/duckdb/:
# the npm package @duckdb/node-api, installed by `make deps` or on first
# use). A nodejs that already brings npm (NodeSource's, which conflicts
# with Debian's npm package) is kept.
NODE_PKGS := $(if $(shell command -v npm 2>/dev/null),,nodejs npm)
# Debian 12 packages: build, test and run (`make deps` installs them; .ci/run
# installs the same list; tests/tools_check.sh checks that every command the
# tests call comes from one of them, or from an Essential/required package)
DEBIAN_PKGS := build-essential pkg-config libcurl4-openssl-dev libcjson-dev \
	libssl-dev unixodbc unixodbc-dev libsqliteodbc odbc-postgresql libyaml-dev \
	libsqlite3-dev libcmocka-dev postgresql python3 valgrind clang libxml2-dev \
	libclang-rt-14-dev man-db g++ sqlite3 mariadb-server mariadb-client \
	odbc-mariadb libmicrohttpd-dev libedit-dev curl jq clang-format wrk $(NODE_PKGS)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all check unit integration demo install clean lint valgrind bench bench-rag deps \
	fuzz fuzz-smoke allocfail bench-answer bench-serve
all: $(BUILD)/metagen

$(BUILD)/libmetagen.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# libedit: line editing for `metagen ask`'s conversation (the CLI only)
EDIT_LIBS = $(shell pkg-config --libs libedit)

$(BUILD)/metagen: $(CLI_OBJ) $(BUILD)/libmetagen.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libmetagen.a $(EDIT_LIBS) $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -o $@ $<

$(GEN_SRC): $(BUILD)/tools/embed $(PROMPTS)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $(PROMPTS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/prompts_embedded.o: $(GEN_SRC)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libmetagen.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< $(BUILD)/libmetagen.a \
		$(LDFLAGS) $(CMOCKA_LIBS) $(LDLIBS)

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do \
		$$t || fail=1; \
	done; exit $$fail

integration: $(BUILD)/metagen
	bash tests/integration/run.sh

# the allocation-failure sweep (tests/allocfail/sweep.c): each fuzz
# target's code with every allocation failing in turn, on its corpus
ALLOC_NAMES := answer config template program adapter checkpoint cachekey qa
ALLOC_BIN := $(ALLOC_NAMES:%=$(BUILD)/allocfail/sweep_%)
ALLOC_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free

$(BUILD)/allocfail/sweep_%: tests/allocfail/sweep.c tests/fuzz/fuzz_%.c \
		$(BUILD)/libmetagen.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) -o $@ tests/allocfail/sweep.c \
		tests/fuzz/fuzz_$*.c $(BUILD)/libmetagen.a $(LDFLAGS) $(ALLOC_WRAP) \
		$(CMOCKA_LIBS) $(LDLIBS)

# the sweep alone: make allocfail
allocfail: $(ALLOC_BIN)
	@fail=0; for n in $(ALLOC_NAMES); do \
		$(BUILD)/allocfail/sweep_$$n || fail=1; \
	done; exit $$fail

# everything: unit + integration, with a private PostgreSQL cluster
# (the sweeps run as unit suites, each over its fuzz corpus)
check: all $(UNIT_BIN) $(ALLOC_BIN)
	bash tests/run_all.sh $(UNIT_BIN) $(ALLOC_BIN)

# unit tests under valgrind with PostgreSQL running (tests/valgrind.sh)
valgrind: $(UNIT_BIN)
	bash tests/valgrind.sh $(UNIT_BIN)

# libFuzzer targets: clang, the library compiled again with the fuzzer's
# instrumentation into a build dir of its own (never mixed with $(BUILD))
FUZZ_CC    ?= clang
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME  ?= 20
FUZZ_NAMES := answer config template program adapter checkpoint cachekey qa
FUZZ_BIN   := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_SAN   := address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# clang: no -Wformat-truncation; -Wformat=2 flags mgen_buf_vprintf's va_list
FUZZ_WARN := $(filter-out -Wno-format-truncation,$(WARN)) -Wno-format-nonliteral
FUZZ_CFLAGS = -std=c11 -O1 -g $(FUZZ_WARN) -D_POSIX_C_SOURCE=200809L \
	-D_DEFAULT_SOURCE -Iinclude -Isrc -I$(BUILD)/gen $(PKG_CFLAGS) -pthread \
	-MMD -MP
FUZZ_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o) $(FUZZ_BUILD)/gen/prompts_embedded.o

fuzz: $(FUZZ_BIN)

$(FUZZ_BUILD)/libmetagen.a: $(FUZZ_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<

$(FUZZ_BUILD)/gen/prompts_embedded.o: $(GEN_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libmetagen.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< \
		$(FUZZ_BUILD)/libmetagen.a $(LDLIBS)

# each target FUZZ_TIME seconds on a copy of its corpus (libFuzzer adds
# inputs to the folder); any crash, leak, timeout or OOM fails
fuzz-smoke: $(FUZZ_BIN)
	@fail=0; for n in $(FUZZ_NAMES); do \
		c=$(FUZZ_BUILD)/corpus-$$n; rm -rf $$c; cp -r tests/fuzz/$$n $$c; \
		if $(FUZZ_BUILD)/fuzz_$$n -max_total_time=$(FUZZ_TIME) \
			-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/$$n- $$c \
			>$(FUZZ_BUILD)/fuzz_$$n.log 2>&1; then \
			echo "fuzz_$$n: ok, $$(sed -n 's/^stat::number_of_executed_units: *//p' \
				$(FUZZ_BUILD)/fuzz_$$n.log) runs"; \
		else \
			fail=1; tail -60 $(FUZZ_BUILD)/fuzz_$$n.log; \
			echo "fuzz_$$n: FAILED (log $(FUZZ_BUILD)/fuzz_$$n.log)"; \
		fi; \
	done; exit $$fail

deps:
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $(DEBIAN_PKGS)
	bash tests/duckdb/duckdb.sh --install

# `make demo ARGS=--apply`: ARGS go to `metagen generate` (examples/demo.sh
# works on a copy of the demo database, out/demo.sqlite)
demo: $(BUILD)/metagen
	bash examples/demo.sh $(ARGS)

# measure: peak RSS and CPU of a command (a C program: see its comment)
$(BUILD)/bench-measure: bench/measure.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -Wextra $(if $(DEV),-Werror) -o $@ $<

# BM25 latency of the retrieval index (bench/rag.sh)
$(BUILD)/bench-rag-query: bench/rag_query.c $(BUILD)/libmetagen.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libmetagen.a $(LDFLAGS) $(LDLIBS)

# dense and hybrid latency of the retrieval index (bench/rag.sh)
$(BUILD)/bench-rag-dense: bench/rag_dense.c $(BUILD)/libmetagen.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libmetagen.a $(LDFLAGS) $(LDLIBS)

# the LM endpoint of the serve bench: a fixed answer after a fixed latency
# (bench/bench_lm.c)
$(BUILD)/bench-lm: bench/bench_lm.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) $(LDLIBS)

bench: $(BUILD)/metagen $(BUILD)/bench-measure $(BUILD)/bench-rag-query \
	$(BUILD)/bench-rag-dense $(BUILD)/bench-lm
	bash bench/run.sh
	bash bench/rag.sh
	bash bench/serve.sh

# the retrieval figures alone (BENCH_RAG_CHUNKS, default 1,000,000)
bench-rag: $(BUILD)/metagen $(BUILD)/bench-measure $(BUILD)/bench-rag-query \
	$(BUILD)/bench-rag-dense
	bash bench/rag.sh

# metagen serve at 200 connections for 30 s, test LM at 50 ms (bench/serve.sh)
bench-serve: $(BUILD)/metagen $(BUILD)/bench-lm
	bash bench/serve.sh

# the answer parser on a hostile answer of N entries (bench/answer_parse.c)
$(BUILD)/bench-answer: bench/answer_parse.c $(BUILD)/libmetagen.a
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libmetagen.a $(LDFLAGS) $(LDLIBS)

bench-answer: $(BUILD)/bench-answer
	@for n in 20000 200000; do $(BUILD)/bench-answer $$n 0; \
		$(BUILD)/bench-answer $$n 26; done

# the prompts are compiled into the binary (tools/embed.c), so none are
# installed; prompts.dir points at a folder of your own
VERSION = $(shell sed -n 's/^\#define MGEN_VERSION "\(.*\)"/\1/p' include/metagen/metagen.h)
install: $(BUILD)/metagen
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/metagen \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/metagen $(DESTDIR)$(PREFIX)/bin/metagen
	install -m 644 $(BUILD)/libmetagen.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/metagen/*.h $(DESTDIR)$(PREFIX)/include/metagen/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' metagen.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/metagen.pc
	chmod 644 $(DESTDIR)$(PREFIX)/lib/pkgconfig/metagen.pc
	install -m 644 docs/metagen.1 $(DESTDIR)$(PREFIX)/share/man/man1/metagen.1

lint:
	@bad=$$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok)\s*\(' \
		src/*/*.c src/*/*.h include/metagen/*.h || true); \
	if [ -n "$$bad" ]; then echo "banned calls:"; echo "$$bad"; exit 1; fi
	@command -v clang-format >/dev/null || \
		{ echo "lint: clang-format is not installed (apt-get install clang-format)"; exit 1; }
	@mkdir -p $(BUILD)
	@clang-format --dry-run --Werror src/*/*.c src/*/*.h include/metagen/*.h \
		2>$(BUILD)/lint.log || { head -40 $(BUILD)/lint.log; \
		echo "lint: clang-format differs (see $(BUILD)/lint.log; fix with clang-format -i)"; exit 1; }

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)

-include $(shell find $(BUILD) $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
