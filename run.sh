#!/usr/bin/env bash
# Quick start: installs what is missing, provisions PostgreSQL (unless HOMER_DB points at one), builds, and runs
# one node with every role in the foreground: HEP on udp/9060, API and dashboard on http://localhost:9080.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
cd "$root"

scripts/setup.sh run

if [ -z "${HOMER_DB:-}" ]; then
  # The local cluster Debian's postgresql package created; start it and make sure role and database exist.
  cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
  if [ -z "$cluster" ]; then
    ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    pg_createcluster "$ver" main >/dev/null
    cluster="$ver main"
  fi
  # Capture-server settings (WAL and checkpoints sized for a write-heavy load, a quarter of the memory as cache),
  # written once to the cluster's conf.d: an admin's edits stay; delete the file to get the current defaults again.
  conf="/etc/postgresql/${cluster// //}/conf.d/homer-capture.conf"
  if [ -d "$(dirname "$conf")" ] && [ ! -f "$conf" ]; then
    echo "==> PostgreSQL: capture-server settings in $conf (docs/operations.md says why)"
    scripts/pg-capture-settings.sh > "$conf"
    pg_ctlcluster $cluster stop 2>/dev/null || true
  fi
  if pg_lsclusters -h | awk -v c="$cluster" '$1" "$2==c {print $4}' | grep -q down; then
    # Huge pages for the buffer cache, reserved before the cluster maps it (and again after a reboot).
    added=$(scripts/pg-huge-pages.sh reserve "/etc/postgresql/${cluster// //}" persist)
    [ "$added" -gt 0 ] && echo "==> PostgreSQL: reserved $added huge pages for its shared memory (docs/operations.md says why)"
  fi
  pg_ctlcluster $cluster start 2>/dev/null || true
  port=$(pg_lsclusters -h | awk -v c="$cluster" '$1" "$2==c {print $3}')
  psql_admin() { runuser -u postgres -- psql -p "$port" -qtA "$@"; }
  for _ in $(seq 1 30); do psql_admin -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 1; done
  psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname='homer'" | grep -q 1 || \
    psql_admin -c "CREATE ROLE homer LOGIN PASSWORD 'homer'"
  psql_admin -c "SELECT 1 FROM pg_database WHERE datname='homer'" | grep -q 1 || \
    psql_admin -c "CREATE DATABASE homer OWNER homer"
  export HOMER_DB="Host=127.0.0.1;Port=$port;Username=homer;Password=homer;Database=homer"
fi

if [ -f src/Homer.Dashboard/package.json ]; then
  echo "==> building the dashboard"
  (cd src/Homer.Dashboard && npm run build --silent)
fi

# HEP over UDP cannot be backpressured: a large socket buffer absorbs bursts. The kernel caps what the node may
# ask for at net.core.rmem_max; raise it when we can (root, not in a locked-down container).
if [ "$(id -u)" = 0 ] && [ "$(cat /proc/sys/net/core/rmem_max 2>/dev/null || echo 0)" -lt 33554432 ]; then
  sysctl -qw net.core.rmem_max=33554432 2>/dev/null || echo "note: could not raise net.core.rmem_max; UDP bursts may be dropped by the kernel"
fi
echo "==> building the node"
dotnet build src/Homer.Node -c Release -nologo -v quiet -clp:ErrorsOnly

export HOMER_ENVIRONMENT=${HOMER_ENVIRONMENT:-development}
# API and dashboard need a login. The first start creates `admin` with HOMER_ADMIN_PASSWORD, or generates a
# password, prints it once and writes it to ./initial-admin-password (mode 0600). HOMER_AUTH=off makes every
# caller an admin without a login: for a throwaway local experiment only.
export HOMER_AUTH=${HOMER_AUTH:-on}
if [ "$HOMER_AUTH" = off ]; then
  echo "==> note: API authentication is off (HOMER_AUTH=off): anyone who can reach the HTTP port is an admin"
elif [ -f "${HOMER_ADMIN_PASSWORD_FILE:-initial-admin-password}" ]; then
  echo "==> log in as admin with the password in ${HOMER_ADMIN_PASSWORD_FILE:-initial-admin-password}"
fi
export HOMER_DASHBOARD=${HOMER_DASHBOARD:-$root/src/Homer.Dashboard/dist}
echo "==> starting Homer.Actors: HEP udp/${HOMER_HEP_UDP:-0.0.0.0:9060}, dashboard and API ${HOMER_HTTP:-http://0.0.0.0:9080} (Ctrl-C stops)"
exec dotnet src/Homer.Node/bin/Release/net10.0/homer-node.dll
