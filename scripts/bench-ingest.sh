#!/usr/bin/env bash
# Ingest benchmark (not part of ./test.sh): starts a durable PostgreSQL and a Release node, offers a ladder of
# HEP rates for a fixed time each, waits for the store to settle, and prints per rate: sent, stored, loss %,
# drops by reason, kernel UDP drops, and p50/p99 from send until a probe message is searchable through GraphQL.
#   scripts/bench-ingest.sh [RATE ...]        (default 5000 10000 20000 30000 40000)
#   DURATION=60 TRANSPORT=udp|tcp CONCURRENCY=500 WARMUP=45 scripts/bench-ingest.sh 20000
#   PROBE_MS=0 scripts/bench-ingest.sh 20000   (no probes: the CPU figures of ingest alone)
#   SEED=10000000 scripts/bench-ingest.sh 20000   (first fills today's partitions with that many messages and their
#                                                   dialog rows, so the rate is measured on a grown store)
#   SAMPLE=/tmp/s.txt scripts/bench-ingest.sh 40000   (every second a line "unix-time received stored buffer-full" from
#                                                   the node's counters: whether a loss is a burst or a steady deficit)
#   STATEMENTS=1 scripts/bench-ingest.sh 20000   (loads pg_stat_statements; after the ladder prints, for the ladder
#                                                   alone, rows written per table and the statements by time and WAL)
#   SQL_BEFORE='DROP INDEX …; CREATE INDEX …' scripts/bench-ingest.sh 20000   (run as the superuser once the node has
#                                                   made its schema, before the warm-up: to try a schema change)
# Per rate it also prints the CPU time the node and PostgreSQL (postmaster and every backend) spent per stored
# message, read from /proc over the send and settle time, and in brackets the kernel's (system) part of it.
# WARMUP seconds of 5 000 pkt/s go first and are not reported: .NET compiles hot code twice (quick, then optimised
# once it is seen to be hot), and on a busy 2-core machine the second compile can lag a minute behind the start.
# The probes (one OPTIONS every PROBE_MS, polled through GraphQL every 20 ms until found) run in the warm-up too, and
# their queries are in the CPU figures: about 30 a second, 3 µs of node and 2 µs of PostgreSQL CPU per message at
# 20 000/s. PROBE_MS=0 leaves them out (no searchable column) to see what ingest alone costs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rates=("$@"); [ ${#rates[@]} -gt 0 ] || rates=(5000 10000 20000 30000 40000)
duration=${DURATION:-60}; transport=${TRANSPORT:-udp}; concurrency=${CONCURRENCY:-500}; warmup=${WARMUP:-45}
seed=${SEED:-0}; probe_ms=${PROBE_MS:-200}

work=$(mktemp -d /tmp/homer-bench.XXXXXX); chmod 755 "$work"
node_pid=""
cleanup() { [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null; scripts/test-postgres.sh stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT INT TERM

port() { local p; while :; do p=$((20000 + RANDOM % 40000)); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; }
pg_port=$(port); hep_port=$(port); http_port=$(port)
db=$(scripts/test-postgres.sh start "$work/pg" "$pg_port" durable)
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_sql() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bindir/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d homer "$@"
  else "$bindir/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d homer "$@"; fi
}
if [ -n "${STATEMENTS:-}" ]; then
  echo "shared_preload_libraries = 'pg_stat_statements'" >> "$work/pg/postgresql.conf"
  scripts/test-postgres.sh stop "$work/pg"; db=$(scripts/test-postgres.sh start "$work/pg" "$pg_port" durable)
  pg_sql -qc "CREATE EXTENSION pg_stat_statements"
fi

# HEP over UDP cannot be backpressured: a large socket buffer absorbs bursts. The kernel caps what the node may
# ask for at net.core.rmem_max; raise it when we can (root, not in a locked-down container).
if [ "$(id -u)" = 0 ] && [ "$(cat /proc/sys/net/core/rmem_max 2>/dev/null || echo 0)" -lt 33554432 ]; then
  sysctl -qw net.core.rmem_max=33554432 2>/dev/null || echo "note: could not raise net.core.rmem_max; UDP bursts may be dropped by the kernel"
fi
dotnet build src/Homer.Node -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build tests/Homer.LoadTool -c Release -nologo -v quiet -clp:ErrorsOnly
load=tests/Homer.LoadTool/bin/Release/net10.0/homer-load.dll
if [ "$seed" -gt 0 ]; then
  # Spread over the hours since midnight UTC (at least one), so the seeded rows share today's partition with the run.
  since_midnight=$(( $(date -u +%s) % 86400 )); hours=$(awk -v s="$since_midnight" 'BEGIN { h = s / 3600 - 0.05; print (h < 1 ? 1 : h) }')
  dotnet "$load" seed --db "$db" --messages "$seed" --hours "$hours" --dialogs >&2
  # A store that grew over the day has long been checkpointed; one seeded in two minutes has ~15 GB of WAL behind it,
  # and the checkpoint that forces would run through the first rates of the ladder. Checkpoint before measuring.
  pg_sql -qc CHECKPOINT
fi
HOMER_DB="$db" HOMER_HEP_UDP="127.0.0.1:$hep_port" HOMER_HEP_TCP="127.0.0.1:$hep_port" HOMER_HTTP="http://127.0.0.1:$http_port" \
HOMER_AKKA_PORT=0 HOMER_ENVIRONMENT=production HOMER_AUTH=off HOMER_SPOOL_DIR="$work/spool" \
  dotnet src/Homer.Node/bin/Release/net10.0/homer-node.dll >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 90); do curl -fs "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break; sleep 1; done
curl -fs "http://127.0.0.1:$http_port/healthz" >/dev/null || { tail -40 "$work/node.log"; exit 1; }
[ -n "${SQL_BEFORE:-}" ] && pg_sql -qc "$SQL_BEFORE"

# CPU ticks of a process, and of PostgreSQL's postmaster with all its children, as "total system". The system
# (kernel) part is printed apart because page-cache writes and their writeback can cost PostgreSQL more than its own
# work does (docs/benchmarks.md, "Where PostgreSQL's extra CPU at 40 000/s goes").
cpu_of() { awk '{ print $14 + $15, $15 }' "/proc/$1/stat" 2>/dev/null || echo 0 0; }
# Backends that ended were reaped by the postmaster: their time is in its cutime + cstime.
pg_cpu() {
  local pm t s pid a b; pm=$(head -1 "$work/pg/postmaster.pid")
  read -r t s < <(awk '{ print $14 + $15 + $16 + $17, $15 + $17 }' "/proc/$pm/stat")
  for pid in $(ps -o pid= --ppid "$pm"); do read -r a b < <(cpu_of "$pid"); t=$(( t + a )); s=$(( s + b )); done
  echo "$t $s"
}
# Microseconds per message from two "total system" tick readings: "total (system)".
per_msg() {
  awk -v a="$1" -v b="$2" -v t="$ticks" -v m="$3" 'BEGIN { split(a, x, " "); split(b, y, " ");
    if (m <= 0) { print "0 (0)"; exit } printf "%.1f (%.1f)", (y[1] - x[1]) / t * 1e6 / m, (y[2] - x[2]) / t * 1e6 / m }'
}
ticks=$(getconf CLK_TCK)

metric() { curl -fs "http://127.0.0.1:$http_port/metrics" | awk -v m="$1" '$1 == m {print $2; exit}'; }
num() { printf '%.0f' "${1:-0}"; }

probe=(); [ "$probe_ms" -gt 0 ] && probe=(--probe-url "http://127.0.0.1:$http_port" --probe-interval-ms "$probe_ms")
if [ "$warmup" -gt 0 ]; then
  # The probes' GraphQL path warms up too: on a fresh node its first few thousand queries run through the JIT's
  # tiers and cost 1.2 ms of node CPU each, against 0.3 ms once compiled.
  dotnet "$load" send --to "$transport:127.0.0.1:$hep_port" --rate 5000 \
    --duration "$warmup" --concurrency "$concurrency" "${probe[@]}" --json >/dev/null || true
  sleep 5
fi

if [ -n "${SAMPLE:-}" ]; then
  # Ends with the node (cleanup stops it first).
  : > "$SAMPLE"
  ( while kill -0 "$node_pid" 2>/dev/null; do
      curl -fs "http://127.0.0.1:$http_port/metrics" 2>/dev/null | awk -v t="$(date +%s)" '
        $1 == "homer_hep_received_total" { r = $2 } $1 == "homer_messages_stored_total" { s = $2 }
        $1 == "homer_hep_dropped_total{reason=\"BufferFull\"}" { b = $2 }
        END { printf "%d %.0f %.0f %.0f\n", t, r, s, b }' >> "$SAMPLE"
      sleep 1
    done ) &
fi
[ -n "${STATEMENTS:-}" ] && pg_sql -qAtc "SELECT pg_stat_statements_reset(); SELECT pg_stat_reset();" >/dev/null
echo "| rate offered (pkt/s) | sent | stored | loss % | buffer full | decode | storage | kernel socket drops | searchable p50 ms | p99 ms | node µs/msg (system) | PostgreSQL µs/msg (system) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for rate in "${rates[@]}"; do
  s0=$(num "$(metric homer_messages_stored_total)"); b0=$(num "$(metric 'homer_hep_dropped_total{reason="BufferFull"}')")
  d0=$(num "$(metric 'homer_hep_dropped_total{reason="DecodeError"}')"); f0=$(num "$(metric 'homer_hep_dropped_total{reason="StorageFailure"}')")
  k0=$(num "$(metric homer_udp_kernel_socket_drops)")
  n0=$(cpu_of "$node_pid"); q0=$(pg_cpu)
  out=$(dotnet "$load" send --to "$transport:127.0.0.1:$hep_port" --rate "$rate" \
        --duration "$duration" --concurrency "$concurrency" "${probe[@]}" --json || true)
  sent=$(echo "$out" | sed -E 's/.*"PacketsSent":([0-9]+).*/\1/')
  p50=$(echo "$out" | sed -E 's/.*"LatencyP50Ms":([0-9.]+|null).*/\1/'); p99=$(echo "$out" | sed -E 's/.*"LatencyP99Ms":([0-9.]+|null).*/\1/')
  # Settle: wait until the stored count stops moving for 3 s.
  last=-1; stable=0
  while [ $stable -lt 3 ]; do sleep 1; now=$(num "$(metric homer_messages_stored_total)"); [ "$now" = "$last" ] && stable=$((stable+1)) || stable=0; last=$now; done
  stored=$(( $(num "$(metric homer_messages_stored_total)") - s0 ))
  n1=$(cpu_of "$node_pid"); q1=$(pg_cpu)
  node_us=$(per_msg "$n0" "$n1" "$stored"); pg_us=$(per_msg "$q0" "$q1" "$stored")
  bf=$(( $(num "$(metric 'homer_hep_dropped_total{reason="BufferFull"}')") - b0 ))
  de=$(( $(num "$(metric 'homer_hep_dropped_total{reason="DecodeError"}')") - d0 ))
  sf=$(( $(num "$(metric 'homer_hep_dropped_total{reason="StorageFailure"}')") - f0 ))
  kd=$(( $(num "$(metric homer_udp_kernel_socket_drops)") - k0 ))
  loss=$(awk -v s="$sent" -v t="$stored" 'BEGIN { printf "%.3f", (s > 0 ? (s - t) * 100 / s : 0) }')
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %.0f | %.0f | %s | %s |\n' "$rate" "$sent" "$stored" "$loss" "$bf" "$de" "$sf" "$kd" "${p50/null/0}" "${p99/null/0}" "$node_us" "$pg_us"
done
if [ -n "${STATEMENTS:-}" ]; then
  pg_sql -c "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables
             WHERE n_tup_ins + n_tup_upd + n_tup_del > 1000 ORDER BY n_tup_ins + n_tup_upd DESC LIMIT 20"
  # Statements that differ only in their number of rows (the journal's batches) are summed under their first words.
  pg_sql -c "SELECT sum(calls) AS calls, round(sum(total_exec_time)::numeric) AS ms, sum(rows) AS rows,
                    round((sum(total_exec_time) * 1000 / greatest(sum(rows), 1))::numeric, 1) AS us_per_row,
                    round(sum(wal_bytes) / greatest(sum(rows), 1)) AS wal_per_row, statement
             FROM (SELECT *, left(regexp_replace(query, '\s+', ' ', 'g'), 60) AS statement FROM pg_stat_statements) s
             GROUP BY statement ORDER BY sum(total_exec_time) DESC LIMIT 12"
fi
