# Sourced by the scripts: where PostgreSQL 15 lives and how to configure a
# throwaway cluster for wal2events.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
export PATH="$PG_BIN:$PATH"

# Print the server settings every wal2events cluster needs. Debian's
# PostgreSQL 15.19+ only allows the output plugins listed in
# output_plugin_libraries; older servers do not know the setting and refuse
# to start with it, so it is added only where the server binary knows it.
w2e_server_conf() {
  cat "$(dirname "${BASH_SOURCE[0]}")/../tests/logical.conf"
  # (postgres refuses to run as root, even to describe its settings; and no
  # grep -q: it would stop reading early, postgres would die of SIGPIPE and,
  # under the callers' set -o pipefail, the test would fail at random)
  if as_postgres "$PG_BIN/postgres" --describe-config 2>/dev/null | grep '^output_plugin_libraries' >/dev/null; then
    echo "output_plugin_libraries = 'pgoutput, test_decoding, wal2events${W2E_EXTRA_PLUGINS:+, $W2E_EXTRA_PLUGINS}'"
  fi
}

# Run a command as the postgres user (initdb and postgres refuse root).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- env PATH="$PATH" "$@"
  else
    "$@"
  fi
}
