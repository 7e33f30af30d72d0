# metagen - build, test, install.
#   make            library + binary (build/libmetagen.a, build/metagen)
#   make check      unit tests (cmocka) then integration tests (real ODBC
#                   drivers, PostgreSQL, local OpenAI-compatible server)
#   make demo       the main job on the shipped demo SQLite database
#   make DEV=1      strict warnings as errors
#   make SANITIZE=address,undefined check
#   make lint       clang-format check + banned libc calls
#   make install    PREFIX=/usr/local

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
PKGS    := libcurl libcjson odbc yaml-0.1 sqlite3 libcrypto
# deferred (=), not immediate (:=): `make deps demo` on a fresh machine
# installs the packages before the first compile asks pkg-config
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CMOCKA_CFLAGS = $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   = $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wundef -Wvla -Wno-unused-parameter \
	-Wno-format-truncation
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
endif

LIB_SRC := $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
PROMPTS := $(sort $(wildcard prompts/*.txt))
GEN_SRC := $(BUILD)/gen/prompts_embedded.c
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/prompts_embedded.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# Debian 12 packages: build, test and run (`make deps` installs them)
DEBIAN_PKGS := build-essential pkg-config libcurl4-openssl-dev libcjson-dev \
	libssl-dev unixodbc unixodbc-dev libsqliteodbc odbc-postgresql libyaml-dev \
	libsqlite3-dev libcmocka-dev postgresql python3 valgrind
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all check unit integration demo install clean lint valgrind bench deps
all: $(BUILD)/metagen

$(BUILD)/libmetagen.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/metagen: $(CLI_OBJ) $(BUILD)/libmetagen.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libmetagen.a $(LDLIBS)

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

# everything: unit + integration, with a private PostgreSQL cluster
check: all $(UNIT_BIN)
	bash tests/run_all.sh $(UNIT_BIN)

valgrind: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do \
		valgrind -q --error-exitcode=9 --leak-check=full \
			--errors-for-leak-kinds=definite $$t >/dev/null || fail=1; \
	done; exit $$fail

deps:
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $(DEBIAN_PKGS)

demo: $(BUILD)/metagen
	bash examples/demo.sh

bench: $(BUILD)/metagen
	@if [ -x bench/run.sh ]; then bash bench/run.sh; else echo "no benchmarks yet"; fi

install: $(BUILD)/metagen
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/metagen \
		$(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/share/metagen/prompts
	install -m 755 $(BUILD)/metagen $(DESTDIR)$(PREFIX)/bin/metagen
	install -m 644 $(BUILD)/libmetagen.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/metagen/*.h $(DESTDIR)$(PREFIX)/include/metagen/
	install -m 644 prompts/*.txt $(DESTDIR)$(PREFIX)/share/metagen/prompts/

lint:
	@bad=$$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok)\s*\(' \
		src/*/*.c src/*/*.h include/metagen/*.h || true); \
	if [ -n "$$bad" ]; then echo "banned calls:"; echo "$$bad"; exit 1; fi
	@if command -v clang-format >/dev/null; then \
		clang-format --dry-run --Werror src/*/*.c src/*/*.h include/metagen/*.h \
		2>$(BUILD)/lint.log || { head -40 $(BUILD)/lint.log; \
		echo "clang-format: see $(BUILD)/lint.log (advisory)"; }; fi

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
