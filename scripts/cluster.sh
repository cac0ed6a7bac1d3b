# Sourced by the demo and the benchmarks: a throwaway PostgreSQL cluster for
# wal2events in a temporary directory, on a free loopback port, run as the
# postgres user.
. "$(dirname "${BASH_SOURCE[0]}")/pg-env.sh"

# w2e_free_port: print a TCP port nothing listens on.
w2e_free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  echo "no free port found" >&2; return 1
}

# w2e_cluster_start DIR PORT: initdb DIR and start it on 127.0.0.1:PORT.
w2e_cluster_start() {
  local dir=$1 port=$2
  mkdir -p "$dir"; chown postgres: "$dir" 2>/dev/null || true
  as_postgres initdb -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  { w2e_server_conf; echo "port = $port"; echo "listen_addresses = '127.0.0.1'";
    echo "unix_socket_directories = '$dir'"; echo "fsync = off"; } >> "$dir/data/postgresql.conf"
  as_postgres pg_ctl -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { cat "$dir/server.log" >&2; return 1; }
}

# w2e_cluster_stop DIR
w2e_cluster_stop() {
  as_postgres pg_ctl -D "$1/data" -m immediate stop >/dev/null 2>&1 || true
}
