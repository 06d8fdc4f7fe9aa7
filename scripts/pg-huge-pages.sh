#!/usr/bin/env bash
# Reserves the kernel huge pages a PostgreSQL cluster's shared memory needs, so that PostgreSQL (huge_pages = try,
# the default) maps its buffer cache with 2 MB pages. With 4 KB pages every backend faults in, one page at a time,
# each part of a multi-gigabyte shared_buffers it touches, and the kernel keeps a page table per backend for it: at
# 20 000 messages/s that was about a fifth of PostgreSQL's CPU (docs/benchmarks.md). Reserved huge pages belong to
# no one else: the memory is the cluster's cache whether it is running or not.
#   scripts/pg-huge-pages.sh reserve CONFIG_OR_DATA_DIR [persist]   (before the cluster starts)
#     persist also writes /etc/sysctl.d/60-homer-postgresql.conf so the reservation survives a reboot
#   scripts/pg-huge-pages.sh release COUNT                          (gives back COUNT pages reserved earlier)
# Prints how many pages it added (0 when nothing was needed or it could not). Never fails: without the pages
# PostgreSQL starts with ordinary ones, as before.
set -uo pipefail
cmd=${1:?reserve|release}
nr=/proc/sys/vm/nr_hugepages

case "$cmd" in
reserve)
  dir=${2:?configuration or data directory}
  [ "$(id -u)" = 0 ] && [ -w "$nr" ] || { echo 0; exit 0; }
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  # PostgreSQL 15 and later compute what their shared memory needs in huge pages (the server must be stopped).
  need=$(runuser -u postgres -- "$bindir/postgres" -D "$dir" -C shared_memory_size_in_huge_pages 2>/dev/null) || need=""
  [[ "$need" =~ ^[0-9]+$ ]] && [ "$need" -gt 0 ] || { echo 0; exit 0; }
  read -r total free rsvd < <(awk '/^HugePages_Total:/ {t=$2} /^HugePages_Free:/ {f=$2} /^HugePages_Rsvd:/ {r=$2} END {print t+0, f+0, r+0}' /proc/meminfo)
  # Pages mapped or promised to others (another cluster) stay theirs; the pages still unclaimed count towards ours.
  want=$(( total - free + rsvd + need ))
  # The kernel gives what it can find in one piece at each write, compacting memory as it goes: ask a few times.
  for _ in 1 2 3 4 5; do
    [ "$(cat "$nr")" -ge "$want" ] && break
    echo "$want" > "$nr" 2>/dev/null || break
  done
  got=$(cat "$nr")
  added=$(( got - total )); [ "$added" -gt 0 ] || added=0
  # Fewer than needed is no use to PostgreSQL (it maps all of its shared memory one way), so give them back.
  if [ $(( got - total + free - rsvd )) -lt "$need" ]; then
    [ "$added" -gt 0 ] && { echo "$total" > "$nr" 2>/dev/null || true; }
    echo 0
    exit 0
  fi
  if [ "${3:-}" = persist ] && [ -d /etc/sysctl.d ]; then
    printf '# Huge pages for PostgreSQL shared memory (Homer.Actors run.sh, scripts/pg-huge-pages.sh)\nvm.nr_hugepages = %s\n' "$got" \
      > /etc/sysctl.d/60-homer-postgresql.conf 2>/dev/null || true
  fi
  echo "$added"
  ;;
release)
  count=${2:?count}
  [ "$count" -gt 0 ] 2>/dev/null && [ -w "$nr" ] || exit 0
  cur=$(cat "$nr"); left=$(( cur - count )); [ "$left" -lt 0 ] && left=0
  echo "$left" > "$nr" 2>/dev/null || true
  ;;
*) echo "usage: $0 reserve DIR [persist] | release COUNT" >&2; exit 2 ;;
esac
