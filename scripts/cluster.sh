# Sourced by the demo and the benchmarks: a throwaway PostgreSQL cluster for
# wal2events in a temporary directory, on a free loopback port, run as the
# postgres user.
. "$(dirname "${BASH_SOURCE[0]}")/pg-env.sh"

# w2e_free_port: print a TCP port nothing listens on.
# The ports come from below the kernel's ephemeral range (32768 and up by
# default), so that no outgoing connection can hold the port a server is
# about to listen on.
w2e_free_port() {
  local port low=32768
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
  [ "$low" -gt 12000 ] || low=32768
  for _ in $(seq 1 50); do
    port=$((10000 + RANDOM % (low - 10000)))
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
