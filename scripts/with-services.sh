#!/usr/bin/env bash
# Runs a command with throwaway state servers on free loopback ports, stopped afterwards:
#   APISHIELD_TEST_REDIS_URL           one Redis server
# Every Redis persists as production should (AOF, fsync every second); a test that needs a Redis without
# persistence starts its own.
#   APISHIELD_TEST_REDIS_CLUSTER_URL   a Redis Cluster of 3 masters + 3 replicas (redis+cluster://h:p,h:p,...)
#   APISHIELD_TEST_REDIS_SENTINEL_URL  a master + 1 replica watched by 3 sentinels (redis+sentinel://.../service)
#   APISHIELD_TEST_DATABASE_URL        a PostgreSQL cluster (when running as root with PostgreSQL installed)
set -euo pipefail
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# a cluster node also listens on port+10000 for the cluster bus, so both must be free (and port <= 55535)
free_cluster_port() {
  python3 -c '
import random, socket
while True:
    port = random.randint(20000, 55535)
    try:
        with socket.socket() as a, socket.socket() as b:
            a.bind(("127.0.0.1", port)); b.bind(("127.0.0.1", port + 10000))
    except OSError:
        continue
    print(port); break'
}
workdir=$(mktemp -d /tmp/apishield-services.XXXXXX)
pids=(); pg_bin=""; pg_data=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$pg_data" ]; then runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

# start_redis NAME PORT [redis-server options...]: a server in its own directory, logging to NAME.log
start_redis() {
  local name=$1 port=$2; shift 2
  mkdir -p "$workdir/$name"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync everysec --daemonize no \
    --dir "$workdir/$name" --loglevel warning "$@" >"$workdir/$name.log" 2>&1 &
  pids+=($!)
}
wait_ping() {
  local port=$1
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "redis-server on port $port did not start"; cat "$workdir"/*.log; exit 1
}

rport=$(free_port)
start_redis single "$rport"
wait_ping "$rport"
export APISHIELD_TEST_REDIS_URL="redis://127.0.0.1:$rport/0"
export APISHIELD_REDIS_SERVER_BIN="$(command -v redis-server)"
echo "Redis for tests: $APISHIELD_TEST_REDIS_URL"

# Redis Cluster: 6 nodes, `--cluster-replicas 1` makes 3 masters with one replica each
cluster_ports=(); for _ in 1 2 3 4 5 6; do cluster_ports+=("$(free_cluster_port)"); done
for p in "${cluster_ports[@]}"; do
  start_redis "cluster-$p" "$p" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000
done
for p in "${cluster_ports[@]}"; do wait_ping "$p"; done
redis-cli --cluster create $(printf '127.0.0.1:%s ' "${cluster_ports[@]}") --cluster-replicas 1 --cluster-yes \
  >"$workdir/cluster-create.log" 2>&1 || { cat "$workdir/cluster-create.log"; exit 1; }
for p in "${cluster_ports[@]}"; do
  for _ in $(seq 200); do
    redis-cli -p "$p" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break; sleep 0.05
  done
done
export APISHIELD_TEST_REDIS_CLUSTER_URL="redis+cluster://$(printf '127.0.0.1:%s,' "${cluster_ports[@]}" | sed 's/,$//')"
echo "Redis Cluster for tests: $APISHIELD_TEST_REDIS_CLUSTER_URL"

# Sentinel: a master, one replica and three sentinels (quorum 2) for the service "apishield"
mport=$(free_port); sport=$(free_port)
start_redis sentinel-master "$mport"
start_redis sentinel-replica "$sport" --replicaof 127.0.0.1 "$mport"
wait_ping "$mport"; wait_ping "$sport"
sentinels=()
for i in 1 2 3; do
  p=$(free_port); sentinels+=("127.0.0.1:$p")
  mkdir -p "$workdir/sentinel-$i"
  printf 'port %s\nbind 127.0.0.1\ndir %s\nsentinel monitor apishield 127.0.0.1 %s 2\nsentinel down-after-milliseconds apishield 1000\nsentinel failover-timeout apishield 5000\n' \
    "$p" "$workdir/sentinel-$i" "$mport" >"$workdir/sentinel-$i/sentinel.conf"
  redis-server "$workdir/sentinel-$i/sentinel.conf" --sentinel --loglevel warning >"$workdir/sentinel-$i.log" 2>&1 &
  pids+=($!)
done
for s in "${sentinels[@]}"; do
  for _ in $(seq 100); do
    redis-cli -p "${s##*:}" sentinel get-master-addr-by-name apishield 2>/dev/null | grep -q "$mport" && break; sleep 0.05
  done
done
export APISHIELD_TEST_REDIS_SENTINEL_URL="redis+sentinel://$(IFS=,; echo "${sentinels[*]}")/apishield"
echo "Redis Sentinel for tests: $APISHIELD_TEST_REDIS_SENTINEL_URL"

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -n "$pg_bin" ] && [ "$(id -u)" = 0 ]; then
  pport=$(free_port)
  pg_data="$workdir/pg"
  mkdir -p "$pg_data"; chown postgres "$workdir" "$pg_data"; chmod 700 "$pg_data"
  runuser -u postgres -- "$pg_bin/initdb" -D "$pg_data" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -l "$workdir/pg.log" -w \
    -o "-p $pport -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  export APISHIELD_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$pport/postgres"
  echo "PostgreSQL for tests: $APISHIELD_TEST_DATABASE_URL"
fi
"$@"
