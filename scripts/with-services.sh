#!/usr/bin/env bash
# Runs a command with a throwaway Redis server and PostgreSQL cluster on free loopback ports,
# exported as APISHIELD_TEST_REDIS_URL and APISHIELD_TEST_DATABASE_URL, and stops both afterwards.
set -euo pipefail
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
workdir=$(mktemp -d /tmp/apishield-services.XXXXXX)
redis_pid=""; pg_bin=""; pg_data=""
cleanup() {
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
  if [ -n "$pg_data" ]; then runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
  --dir "$workdir" --loglevel warning >"$workdir/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$rport" ping >/dev/null || { echo "redis-server did not start"; cat "$workdir/redis.log"; exit 1; }
export APISHIELD_TEST_REDIS_URL="redis://127.0.0.1:$rport/0"
export APISHIELD_REDIS_SERVER_BIN="$(command -v redis-server)"
echo "Redis for tests: $APISHIELD_TEST_REDIS_URL"

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
