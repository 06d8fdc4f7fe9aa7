#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suites: its own data directory and port, tuned for speed
# (no fsync: the data is thrown away), so tests never touch a real installation.
#   scripts/test-postgres.sh start DIR PORT [durable]  -> prints the connection string
#     "durable" keeps fsync and synchronous commit on and applies scripts/pg-capture-settings.sh, as ./run.sh
#     provisions a production server (for benchmarks)
#   scripts/test-postgres.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data directory}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
start)
  port=${3:?port}
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    run_pg "$bindir/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 1GB
max_wal_size = 8GB
CONF
    if [ "${4:-}" = durable ]; then
      # What ./run.sh gives a new user's PostgreSQL, so the benchmarks measure that (later lines win).
      "$(dirname "$0")/pg-capture-settings.sh" >> "$dir/postgresql.conf"
    else
      # Autovacuum workers run as the superuser; one working in a test database makes the test role's
      # DROP DATABASE ... WITH (FORCE) fail. Test databases are thrown away, so they need no vacuuming.
      printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nautovacuum = off\n' >> "$dir/postgresql.conf"
    fi
  fi
  if [ "${4:-}" = durable ] && [ ! -f "$dir/postmaster.pid" ]; then
    # As ./run.sh: the buffer cache in huge pages. Given back when this cluster stops.
    "$(dirname "$0")/pg-huge-pages.sh" reserve "$dir" > "$dir/homer-huge-pages"
  fi
  run_pg "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null
  run_pg "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_roles WHERE rolname='homer'" | grep -q 1 || \
    run_pg "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q \
      -c "CREATE ROLE homer LOGIN CREATEDB PASSWORD 'homer'" -c "CREATE DATABASE homer OWNER homer"
  echo "Host=127.0.0.1;Port=$port;Username=homer;Password=homer;Database=homer"
  ;;
stop)
  [ -f "$dir/postmaster.pid" ] && run_pg "$bindir/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
  if [ -f "$dir/homer-huge-pages" ]; then
    "$(dirname "$0")/pg-huge-pages.sh" release "$(cat "$dir/homer-huge-pages")"
    rm -f "$dir/homer-huge-pages"
  fi
  ;;
*) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
