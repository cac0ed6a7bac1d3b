# wal2events: PostgreSQL logical decoding output plugin, extension and CLI.
#
# `make` builds wal2events.so (output plugin + the extension's SQL functions)
# with PGXS and the `wal2events` CLI; `make install` installs both.
# C code generated from proto/wal2events.proto lands in src/gen/ and is not
# committed.

EXTENSION   = wal2events
MODULE_big  = wal2events
# 1.0's script, then the updates: CREATE EXTENSION runs them in turn
DATA        = sql/wal2events--1.0.sql sql/wal2events--1.0--1.1.sql
PGFILEDESC  = "wal2events - domain events from logical decoding"

GEN         = src/gen/wal2events.pb-c.c src/gen/wal2events.pb-c.h
LIB_SRCS    = $(wildcard src/lib/*.c)
PLUGIN_SRCS = $(wildcard src/plugin/*.c)
OBJS        = src/gen/wal2events.pb-c.o $(LIB_SRCS:.c=.o) $(PLUGIN_SRCS:.c=.o)

# Warnings are errors everywhere. PostgreSQL's callback signatures carry
# parameters a plugin does not need, hence -Wno-unused-parameter.
WARNFLAGS   = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
PG_CPPFLAGS = -Isrc/gen -Isrc/lib -Isrc/plugin
PG_CFLAGS   = $(WARNFLAGS)
SHLIB_LINK  = -lprotobuf-c

# Test suites, each on a temporary instance of the installed server with
# tests/logical.conf (scripts/test.sh passes a copy completed for the
# server's version as TEMP_CONFIG). Run them as the postgres user.
TEMP_CONFIG ?= tests/logical.conf
REGRESS      = setup types toast toast_key identity truncate transactions ddl emit messages filters event_ids oversize \
               chunking format_json options decode_errors determinism encoding encoding_sql_ascii \
               routes routes_errors routes_redaction routes_outbox routes_soft_delete routes_forged routes_renames \
               routes_subject publication header_limits backfill backfill_errors extension_update
REGRESS_OPTS = --temp-instance=tmp_check_regress --temp-config=$(TEMP_CONFIG) --load-extension=wal2events
ISOLATION      = $(patsubst tests/specs/%.spec,%,$(wildcard tests/specs/*.spec))
ISOLATION_OPTS = --temp-instance=tmp_check_iso --temp-config=$(TEMP_CONFIG) --inputdir=tests --outputdir=tests/output_iso --load-extension=wal2events
TAP_TESTS    = 1
PROVE_TESTS  = tests/t/*.pl
PROVE_FLAGS  = -v

EXTRA_CLEAN = src/gen results regression.diffs regression.out tests/output_iso tmp_check tmp_check_regress tmp_check_iso

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Generated protobuf code: every object depends on its header. One rule
# writes both files (two targets of one rule would run protoc-c twice at
# once with -j).
src/gen/wal2events.pb-c.c: proto/wal2events.proto
	@mkdir -p src/gen
	protoc-c --proto_path=proto --c_out=src/gen proto/wal2events.proto
src/gen/wal2events.pb-c.h: src/gen/wal2events.pb-c.c
# (the LLVM bitcode files too: PGXS builds them beside the objects)
$(OBJS) $(OBJS:.o=.bc): src/gen/wal2events.pb-c.h $(wildcard src/plugin/*.h src/lib/*.h)

# The CLI, its unit tests and the client library for C consumers
# (libwal2events, with headers and pkg-config file) are plain C11, built by
# their own Makefiles: src/lib compiles the library once (src/lib/build/)
# and the CLI links that archive, so the CLI waits for the library (two
# makes in src/lib at once, with -j, would write the same objects).
# The server module above compiles the library sources itself, with the
# server's flags (objects next to the sources).
all: cli clientlib
cli: $(GEN) clientlib
	$(MAKE) -C src/cli
clientlib: $(GEN)
	$(MAKE) -C src/lib
install: install-cli install-clientlib
install-cli: cli
	$(MAKE) -C src/cli install
install-clientlib: clientlib
	$(MAKE) -C src/lib install
clean: clean-cli clean-clientlib
clean-cli:
	$(MAKE) -C src/cli clean
clean-clientlib:
	$(MAKE) -C src/lib clean

.PHONY: cli clientlib install-cli install-clientlib clean-cli clean-clientlib

# One target per suite (pgxs's installcheck runs them all at once).
installcheck-regress:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)
installcheck-isolation:
	$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION)
# Exported for the whole recipe: prove_installcheck is a chain of commands,
# and a VAR=value prefix would reach only the first of them.
# PGXS resets PROVE_FLAGS, so -v (the runner counts "ok N" lines) is set here.
installcheck-tap: export W2E_TEMP_CONFIG = $(abspath $(TEMP_CONFIG))
installcheck-tap: PROVE_FLAGS = -v
installcheck-tap:
	$(prove_installcheck)

.PHONY: installcheck-regress installcheck-isolation installcheck-tap
