#!/usr/bin/env bash
# Runs every test suite against real parts: .NET tests (with a throwaway PostgreSQL started here), the dashboard's
# unit tests, and the browser test (headless Chromium against a real node fed over HEP). Installs what is missing.
# Exits non-zero if any suite fails; the last line sums up every suite.
set -uo pipefail
root=$(cd "$(dirname "$0")" && pwd)
cd "$root"

scripts/setup.sh test || exit 1

work=$(mktemp -d /tmp/homer-test.XXXXXX)
chmod 755 "$work"
node_pid=""
cleanup() {
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
  scripts/test-postgres.sh stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A port nothing listens on (TCP connect refused); random in a high range so parallel runs rarely collide.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

pg_port=$(free_port)
echo "==> starting PostgreSQL for the tests on 127.0.0.1:$pg_port"
HOMER_TEST_DB=$(scripts/test-postgres.sh start "$work/pg" "$pg_port") || { echo "PostgreSQL did not start"; exit 1; }
export HOMER_TEST_DB

passed=0; failed=0; suites_failed=()
tally() { passed=$((passed + $1)); failed=$((failed + $2)); }

echo "==> building"
if ! dotnet build Homer.Actors.sln -nologo -v quiet -clp:ErrorsOnly; then
  echo "build failed"; exit 1
fi

echo "==> .NET tests"
# One test project at a time (-m:1): the live-capture, sipp and multi-process cluster tests time real traffic, and
# running them beside each other on a 2-core machine made them fail for lack of CPU, not for a defect.
dotnet test Homer.Actors.sln --no-build -nologo -m:1 2>&1 | tee "$work/dotnet.log" \
  | grep -E '(Passed|Failed)!|\[FAIL\]|Cleanup Failure|Error Message|Assert|^\s+at Homer|Timed out' 
dotnet_rc=${PIPESTATUS[0]}
while read -r f p; do tally "$p" "$f"; done < <(grep -E '(Passed|Failed)!' "$work/dotnet.log" \
  | sed -E 's/.*Failed:[[:space:]]*([0-9]+), Passed:[[:space:]]*([0-9]+).*/\1 \2/')
[ "$dotnet_rc" -eq 0 ] || suites_failed+=(dotnet)

dash=src/Homer.Dashboard
if [ -f "$dash/package.json" ]; then
  echo "==> dashboard unit tests"
  (cd "$dash" && NO_COLOR=1 npx vitest run --reporter=default) 2>&1 | tee "$work/vitest.log" | tail -n 8
  vitest_rc=${PIPESTATUS[0]}
  p=$(grep -E '^\s*Tests\s' "$work/vitest.log" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' | tail -n1)
  f=$(grep -E '^\s*Tests\s' "$work/vitest.log" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' | tail -n1)
  tally "${p:-0}" "${f:-0}"
  [ "$vitest_rc" -eq 0 ] || { suites_failed+=(dashboard-unit); [ -z "$f" ] && tally 0 1; }

  echo "==> browser tests (headless Chromium against a real node)"
  (cd "$dash" && npm run build --silent) >"$work/dash-build.log" 2>&1 || { cat "$work/dash-build.log"; suites_failed+=(dashboard-build); }
  db="homer_e2e"
  runuser -u postgres -- psql -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE $db OWNER homer" postgres
  hep_port=$(free_port); http_port=$(free_port)
  # Authentication on, as shipped: the browser test logs in through the login page with this password. Maintenance
  # every 5 s: the stats test needs the minute buckets of a capture ten days old deleted, as a real node does.
  e2e_password="e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  HOMER_DB="Host=127.0.0.1;Port=$pg_port;Username=homer;Password=homer;Database=$db" \
  HOMER_HEP_UDP="127.0.0.1:$hep_port" HOMER_HTTP="http://127.0.0.1:$http_port" HOMER_AKKA_PORT=0 \
  HOMER_ENVIRONMENT=test HOMER_DASHBOARD="$root/$dash/dist" HOMER_AUTH=on HOMER_SPOOL_DIR="$work/spool" \
  HOMER_MAINTENANCE_SECONDS=5 \
  HOMER_ADMIN_PASSWORD="$e2e_password" HOMER_ADMIN_PASSWORD_FILE="$work/admin-password" \
    dotnet src/Homer.Node/bin/Debug/net10.0/homer-node.dll >"$work/node.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 1 90); do
    curl -fs "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break
    kill -0 "$node_pid" 2>/dev/null || break
    sleep 1
  done
  if curl -fs "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1; then
    # Screenshots go to the work folder so a test run leaves the checkout clean; HOMER_UPDATE_SCREENSHOTS=1 refreshes
    # the ones in docs/screenshots that the README shows.
    shots="$work/screenshots"; [ "${HOMER_UPDATE_SCREENSHOTS:-0}" = 1 ] && shots="$root/docs/screenshots"
    (cd "$dash" && HOMER_URL="http://127.0.0.1:$http_port" HOMER_HEP="127.0.0.1:$hep_port" HOMER_SCREENSHOTS="$shots" \
      HOMER_ADMIN_USER=admin HOMER_ADMIN_PASSWORD="$e2e_password" npm run test:e2e --silent) 2>&1 | tee "$work/e2e.log"
    e2e_rc=${PIPESTATUS[0]}
    p=$(grep -E '^# pass ' "$work/e2e.log" | awk '{s+=$3} END {print s+0}')
    f=$(grep -E '^# fail ' "$work/e2e.log" | awk '{s+=$3} END {print s+0}')
    sk=$(grep -E '^# skipped ' "$work/e2e.log" | awk '{s+=$3} END {print s+0}')
    [ "$sk" -gt 0 ] && echo "browser tests skipped: $sk (the reasons are on their '# SKIP' lines above)"
    tally "$p" "$f"
    [ "$e2e_rc" -eq 0 ] || { suites_failed+=(browser); [ "$f" -eq 0 ] && tally 0 1; }
  else
    echo "the node did not become healthy; its log:"; tail -n 60 "$work/node.log"
    suites_failed+=(browser); tally 0 1
  fi
  kill "$node_pid" 2>/dev/null; wait "$node_pid" 2>/dev/null; node_pid=""
else
  echo "no dashboard project yet: dashboard and browser suites not run"
  suites_failed+=(dashboard-missing)
fi

if [ ${#suites_failed[@]} -gt 0 ]; then
  echo "failed suites: ${suites_failed[*]}"
  echo "all suites: $passed passed, $failed failed"
  exit 1
fi
echo "all suites: $passed passed, $failed failed"
