#!/usr/bin/env bash
# The PostgreSQL settings a capture server needs, printed as postgresql.conf lines: `./run.sh` puts them in the
# local cluster's conf.d when it provisions PostgreSQL, and the durable benchmark cluster of scripts/test-postgres.sh
# uses the same, so the benchmarks measure what a new user runs. Why each one: docs/operations.md ("PostgreSQL").
# Synchronous commit stays on: a stored message survives a crash of the database host.
set -euo pipefail
mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)
# A quarter of the memory for PostgreSQL's own cache (the indexes of a busy day live there), between 128 MB and 8 GB;
# the kernel's page cache holds the rest of the hot tables.
shared=$(( mem_mb / 4 )); [ "$shared" -lt 128 ] && shared=128; [ "$shared" -gt 8192 ] && shared=8192
cache=$(( mem_mb / 2 )); [ "$cache" -lt 256 ] && cache=256
cat <<CONF
# Homer.Actors capture server settings (scripts/pg-capture-settings.sh); edit here, restart PostgreSQL to apply.
shared_buffers = ${shared}MB
effective_cache_size = ${cache}MB
# In 2 MB pages when the kernel has them reserved (scripts/pg-huge-pages.sh, which ./run.sh runs), else in 4 KB ones.
huge_pages = try
# A million ~1 KB messages write about 1.6 GB of WAL (docs/operations.md, "Sizing"): ~32 MB/s at 20 000 messages/s.
# The default 1 GB max_wal_size then forces a checkpoint about every half minute, and every page first written after
# a checkpoint goes to the WAL again as a full 8 KB image.
max_wal_size = 16GB
min_wal_size = 2GB
checkpoint_timeout = 15min
checkpoint_completion_target = 0.9
# Full-page images and payload-heavy rows compress well; lz4 costs less CPU than the WAL bytes it saves.
wal_compression = lz4
wal_buffers = 64MB
# A new WAL segment is first filled with 16 MB of zeros, then written again with the records: at 20 000 messages/s
# that is two segments a second until checkpoints start recycling old ones (a fresh server's first quarter hour, and
# whenever the load grows). On ext4 and xfs a segment created sparse costs neither the copy nor the second write.
wal_init_zero = off
# Message tables only grow and old days are dropped whole: autovacuum still has to freeze them, but must not
# compete with ingest for the same two cores more than it has to.
autovacuum_vacuum_cost_limit = 1000
CONF
