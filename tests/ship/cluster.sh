# tests/ship/cluster.sh: a 3-node JetStream cluster on loopback for
# tests/ship/run.sh (sourced after lib.sh).
#
# Node i (1..3) is nats-server -js named n<i>, with its own client port
# CL_PORT[i], route port, monitoring port CL_MON[i] (-m: /jsz, /connz) and
# store directory; every node lists every route. CLUSTER_URL is the three
# client URLs, comma-separated, as --to takes them. The monitoring
# endpoints answer the questions of the tests (tests/ship/cluster.py):
# which node leads a stream, which node the shipper publishes to, how far
# each node's copy of a stream is.

CL_PID=()
CL_PORT=()
CL_MON=()
CL_ROUTE=()
CLUSTER_URL=
CLPY="python3 $ROOT/tests/ship/cluster.py"

cluster_node_start() { # I
  local i=$1 routes
  routes="nats://127.0.0.1:${CL_ROUTE[1]},nats://127.0.0.1:${CL_ROUTE[2]},nats://127.0.0.1:${CL_ROUTE[3]}"
  nats-server -js -a 127.0.0.1 -p "${CL_PORT[$i]}" -m "${CL_MON[$i]}" -n "n$i" \
    --cluster_name w2e --cluster "nats://127.0.0.1:${CL_ROUTE[$i]}" --routes "$routes" \
    -sd "$WORK/cluster/n$i" >>"$WORK/cluster/n$i.log" 2>&1 &
  CL_PID[$i]=$!
}

# cluster_start: three nodes, up and with a JetStream meta leader
cluster_start() {
  local i
  mkdir -p "$WORK/cluster"
  for i in 1 2 3; do
    CL_PORT[$i]=$(w2e_free_port) && CL_MON[$i]=$(w2e_free_port) && CL_ROUTE[$i]=$(w2e_free_port) || return 1
  done
  CLUSTER_URL="nats://127.0.0.1:${CL_PORT[1]},nats://127.0.0.1:${CL_PORT[2]},nats://127.0.0.1:${CL_PORT[3]}"
  for i in 1 2 3; do cluster_node_start "$i"; done
  wait_until 30 $CLPY meta "$(cluster_mons)"
}

# the monitoring ports of the nodes, comma-separated (cluster.py's first argument)
cluster_mons() { echo "${CL_MON[1]},${CL_MON[2]},${CL_MON[3]}"; }

cluster_kill() { # I: kill -9 node I
  kill -9 "${CL_PID[$1]}" 2>/dev/null
  wait "${CL_PID[$1]}" 2>/dev/null
  CL_PID[$1]=
}

cluster_restart() { # I: start node I again (same ports, same store), wait for its client port
  cluster_node_start "$1"
  wait_until 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/${CL_PORT[$1]}"
}

cluster_stop() {
  local i
  for i in 1 2 3; do
    [ -n "${CL_PID[$i]:-}" ] && kill "${CL_PID[$i]}" 2>/dev/null && wait "${CL_PID[$i]}" 2>/dev/null
    CL_PID[$i]=
  done
}

# cluster_leader STREAM: the number of the node that leads the stream
cluster_leader() { $CLPY leader "$(cluster_mons)" "$1"; }

# cluster_publisher: the number of the node holding the shipper's
# publishing connection (the "wal2events ship" connection that sent most)
cluster_publisher() { $CLPY publisher "$(cluster_mons)"; }

# cluster_copies_equal STREAM MESSAGES LAST_SEQ: every node's copy holds that
cluster_copies_equal() { $CLPY copies "$(cluster_mons)" "$1" "$2" "$3"; }

# cluster_dump STREAM FILE: js_dump's lines of the stream; retried for 30 s
# (after a node's restart the JetStream API may time out until the cluster
# has settled its leaders)
cluster_dump() {
  local i
  for i in $(seq 1 30); do
    "$JS" dump "$CLUSTER_URL" "$1" >"$2" 2>"$2.err" && return 0
    sleep 1
  done
  cat "$2.err"
  return 1
}
