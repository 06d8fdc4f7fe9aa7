#!/usr/bin/env bash
# Chaos: restart under load (issue 20, item 3). A load benchmark, not part of ./test.sh: run it alone on the machine.
# Starts a durable PostgreSQL, seeds the store with CHAOS_SEED messages (homer-load seed, the node's COPY writer), then:
#   graceful  one node (all roles) takes CHAOS_WARM s of load, is stopped with SIGTERM, started again on the same
#             database and fed CHAOS_RATE packets/s for CHAOS_SECONDS s from its first healthy answer;
#   sigkill   the same with SIGKILL;
#   cluster   node-1 ingest+api, node-2 and node-3 dialog; under CHAOS_RATE packets/s node-3 is stopped (CHAOS_CLUSTER_STOP:
#             kill or term) CHAOS_CLUSTER_AFTER s into the load and started again at once.
# Prints per scenario: packets sent, stored, dropped by the node (BufferFull and every other reason), kernel socket
# drops, loss %, and the catch-up reads the dialog nodes made. Target (docs/benchmarks.md): 0 dropped, stored = sent.
#   scripts/chaos.sh                                   (3 M messages, 10 000/s for 30 s, all three scenarios)
#   CHAOS_SEED=20000 CHAOS_SECONDS=5 CHAOS_RATE=2000 scripts/chaos.sh graceful     (a smoke run)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scenarios=("$@"); [ ${#scenarios[@]} -gt 0 ] || scenarios=(graceful sigkill cluster)
seed=${CHAOS_SEED:-3000000}; rate=${CHAOS_RATE:-10000}; seconds=${CHAOS_SECONDS:-30}; warm=${CHAOS_WARM:-20}
concurrency=${CHAOS_CONCURRENCY:-500}; cluster_stop=${CHAOS_CLUSTER_STOP:-kill}; cluster_after=${CHAOS_CLUSTER_AFTER:-5}

work=$(mktemp -d /tmp/homer-chaos.XXXXXX); chmod 755 "$work"
declare -A pids=()
stop_all() { for name in "${!pids[@]}"; do kill -9 "${pids[$name]}" 2>/dev/null || true; wait "${pids[$name]}" 2>/dev/null || true; unset "pids[$name]"; done; }
cleanup() { stop_all; scripts/test-postgres.sh stop "$work/pg"; if [ -n "${CHAOS_KEEP:-}" ]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT INT TERM

port() { local p; while :; do p=$((20000 + RANDOM % 40000)); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; }
pg_port=$(port)
db=$(scripts/test-postgres.sh start "$work/pg" "$pg_port" durable)
if [ "$(id -u)" = 0 ] && [ "$(cat /proc/sys/net/core/rmem_max 2>/dev/null || echo 0)" -lt 33554432 ]; then
  sysctl -qw net.core.rmem_max=33554432 2>/dev/null || echo "note: could not raise net.core.rmem_max; UDP bursts may be dropped by the kernel"
fi
dotnet build src/Homer.Node -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build tests/Homer.LoadTool -c Release -nologo -v quiet -clp:ErrorsOnly
load=(dotnet tests/Homer.LoadTool/bin/Release/net10.0/homer-load.dll)

echo "seeding the store with $seed messages over the last hour..." >&2
"${load[@]}" seed --db "$db" --messages "$seed" --hours 1 >&2

# start_node NAME ROLES HTTP_PORT HEP_PORT AKKA_PORT SEEDS: a Release node on the chaos database, logging to $work/NAME.log.
start_node() {
  local name=$1 roles=$2 http=$3 hep=$4 akka=$5 seeds=$6
  HOMER_DB="$db" HOMER_ROLES="$roles" HOMER_NODE_NAME="$name" HOMER_HTTP="http://127.0.0.1:$http" \
  HOMER_HEP_UDP="127.0.0.1:$hep" HOMER_HEP_TCP=off HOMER_AKKA_HOST=127.0.0.1 HOMER_AKKA_PORT="$akka" HOMER_SEEDS="$seeds" \
  HOMER_ENVIRONMENT=production HOMER_AUTH=off HOMER_SPOOL_DIR="$work/spool-$name" \
    dotnet src/Homer.Node/bin/Release/net10.0/homer-node.dll >>"$work/$name.log" 2>&1 &
  pids[$name]=$!
}
# wait_healthy HTTP_PORT NAME: polls /healthz every 0.2 s (up to 5 min); returns at the first healthy answer.
wait_healthy() {
  for _ in $(seq 1 1500); do curl -fs -m 2 "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "$2 not healthy after 5 minutes; log tail:" >&2; tail -40 "$work/$2.log" >&2; exit 1
}
# stop_node NAME SIGNAL: TERM waits for the node to leave and exit; KILL is immediate.
stop_node() {
  local name=$1 signal=$2
  kill -"$signal" "${pids[$name]}"
  wait "${pids[$name]}" 2>/dev/null || true
  unset "pids[$name]"
}
metric() { curl -fs -m 5 "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2; exit}'; }
metric_sum() { curl -fs -m 5 "http://127.0.0.1:$1/metrics" | awk -v m="$2" 'index($1, m) == 1 {s += $2} END {printf "%.0f", s}'; }
num() { printf '%.0f' "${1:-0}"; }
send() { "${load[@]}" send --to "udp:127.0.0.1:$1" --rate "$2" --duration "$3" --concurrency "$concurrency" --json | sed -E 's/.*"PacketsSent":([0-9]+).*/\1/'; }
settle() { local last=-1 stable=0 now; while [ $stable -lt 5 ]; do sleep 1; now=$(num "$(metric "$1" homer_messages_stored_total)"); [ "$now" = "$last" ] && stable=$((stable+1)) || stable=0; last=$now; done; }

results=()
# report SCENARIO HTTP_PORT SENT S0 BF0 ALL0 K0 READS_PORTS...
report() {
  local scenario=$1 http=$2 sent=$3 s0=$4 bf0=$5 all0=$6 k0=$7; shift 7
  local stored bf all other kd loss reads=0 p
  stored=$(( $(num "$(metric "$http" homer_messages_stored_total)") - s0 ))
  bf=$(( $(num "$(metric "$http" 'homer_hep_dropped_total{reason="BufferFull"}')") - bf0 ))
  all=$(( $(metric_sum "$http" homer_hep_dropped_total) - all0 ))
  other=$(( all - bf ))
  kd=$(( $(num "$(metric "$http" homer_udp_kernel_socket_drops)") - k0 ))
  for p in "$@"; do reads=$(( reads + $(metric_sum "$p" homer_dialog_store_reads_total) )); done
  loss=$(awk -v s="$sent" -v t="$stored" 'BEGIN { printf "%.3f", (s > 0 ? (s - t) * 100 / s : 0) }')
  results+=("| $scenario | $sent | $stored | $bf | $other | $kd | $loss | $reads |")
}
baseline() { echo "$(num "$(metric "$1" homer_messages_stored_total)") $(num "$(metric "$1" 'homer_hep_dropped_total{reason="BufferFull"}')") $(metric_sum "$1" homer_hep_dropped_total) $(num "$(metric "$1" homer_udp_kernel_socket_drops)")"; }

restart_single() {
  local scenario=$1 signal=$2 http hep
  http=$(port); hep=$(port)
  start_node "$scenario" ingest,dialog,api "$http" "$hep" 0 ""
  wait_healthy "$http" "$scenario"
  echo "$scenario: warming with $((rate / 2))/s for $warm s, then $signal" >&2
  send "$hep" $((rate / 2)) "$warm" >/dev/null
  stop_node "$scenario" "$signal"
  start_node "$scenario" ingest,dialog,api "$http" "$hep" 0 ""
  wait_healthy "$http" "$scenario"
  read -r s0 bf0 all0 k0 <<<"$(baseline "$http")"
  local sent; sent=$(send "$hep" "$rate" "$seconds")
  settle "$http"
  report "$scenario restart, $rate/s for $seconds s from the first healthy answer" "$http" "$sent" "$s0" "$bf0" "$all0" "$k0" "$http"
  stop_node "$scenario" KILL
}

cluster() {
  local h1 h2 h3 hep a1 a2 a3 seeds
  h1=$(port); h2=$(port); h3=$(port); hep=$(port); a1=$(port); a2=$(port); a3=$(port)
  seeds="akka.tcp://homer@127.0.0.1:$a1"
  start_node node-1 ingest,api "$h1" "$hep" "$a1" "$seeds"; wait_healthy "$h1" node-1
  start_node node-2 dialog "$h2" "$(port)" "$a2" "$seeds"; wait_healthy "$h2" node-2
  start_node node-3 dialog "$h3" "$(port)" "$a3" "$seeds"; wait_healthy "$h3" node-3
  sleep 5
  echo "cluster: warming with $((rate / 2))/s for $warm s" >&2
  send "$hep" $((rate / 2)) "$warm" >/dev/null
  # The warm-up's last messages are still on their way to the store: count from when it has taken them all.
  settle "$h1"
  read -r s0 bf0 all0 k0 <<<"$(baseline "$h1")"
  send "$hep" "$rate" "$seconds" >"$work/cluster-sent" &
  local sender=$!
  sleep "$cluster_after"
  echo "cluster: node-3 $cluster_stop and start again under load" >&2
  if [ "$cluster_stop" = term ]; then stop_node node-3 TERM; else stop_node node-3 KILL; fi
  start_node node-3 dialog "$h3" "$(port)" "$a3" "$seeds"
  wait "$sender"
  wait_healthy "$h3" node-3
  settle "$h1"
  report "3 nodes, dialog node-3 ${cluster_stop}ed and restarted under $rate/s for $seconds s" "$h1" "$(cat "$work/cluster-sent")" \
    "$s0" "$bf0" "$all0" "$k0" "$h2" "$h3"
  stop_all
}

for scenario in "${scenarios[@]}"; do
  case "$scenario" in
    graceful) restart_single graceful TERM ;;
    sigkill) restart_single sigkill KILL ;;
    cluster) cluster ;;
    *) echo "unknown scenario $scenario (graceful, sigkill, cluster)" >&2; exit 2 ;;
  esac
done

echo "store seeded with $seed messages; load $rate packets/s for $seconds s"
echo "| scenario | sent | stored | dropped BufferFull | dropped other | kernel socket drops | loss % | catch-up reads |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${results[@]}"
