#!/usr/bin/env bash
# bench/follow/run.sh — hikkoshi follow vs native logical replication
# (CREATE SUBSCRIPTION), same source, same load, same run.
#
#   (a) steady-state lag under pgbench TPC-B (CLIENTS clients) plus updates
#       on a REPLICA IDENTITY FULL table without a primary key: p50/p99 of
#       (target apply time - source insert time) of heartbeat rows, stamped
#       on the target by an ENABLE ALWAYS trigger (fires for both appliers);
#   (b) backlog drain: both appliers stopped, BACKLOG_SECONDS of load, then
#       each resumes alone; time until the target has every pgbench_history row;
#   (c) peak RSS of hikkoshi follow applying one BIG_ROWS-row transaction.
#
# MODE=both (default, the original): in (a) both appliers run against one
# target at once. MODE=alone (#13): each applier is measured alone against
# the same load — (a) twice, one window per applier with the other stopped
# (each catches up before its window starts) — and (c) becomes three
# transactions on a keyed table: a BIG_ROWS-row INSERT, UPDATE and DELETE,
# each applied by native alone and by hikkoshi alone (apply time; hikkoshi's
# peak RSS), then the drain ratio native/hikkoshi is printed as well.
#
# Not a test; prints a summary for docs/benchmarks.md. Needs a built
# hikkoshi (HIKKOSHI_BIN, default build/hikkoshi).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${HIKKOSHI_BIN:-$ROOT/build/hikkoshi}
PGC=$ROOT/scripts/pgcluster
SCALE=${SCALE:-5}
CLIENTS=${CLIENTS:-8}
STEADY=${STEADY_SECONDS:-30}
BACKLOG=${BACKLOG_SECONDS:-60}
BIG_ROWS=${BIG_ROWS:-1000000}
MODE=${MODE:-both}
[[ $MODE == both || $MODE == alone ]] || { echo "MODE must be both or alone" >&2; exit 2; }
export HIKKOSHI_CLUSTER_BASE=${HIKKOSHI_CLUSTER_BASE:-/tmp/hk-bench-follow}
TAG=$$
WORK=$(mktemp -d /tmp/hk-bench-follow-work.XXXXXX)
FPID=""

cleanup() {
  [[ -n $FPID ]] && kill "$FPID" 2>/dev/null && wait "$FPID" 2>/dev/null || true
  "$PGC" stop "bsrc$TAG" >/dev/null 2>&1 || true
  "$PGC" stop "btgt$TAG" >/dev/null 2>&1 || true
}
trap cleanup EXIT

log() { echo "[$(date +%T)] $*" >&2; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$1" -c "$2"; }

SRC0=$("$PGC" start "bsrc$TAG")
TGT0=$("$PGC" start "btgt$TAG")
SRC=${SRC0%/*}/bench
NAT=${TGT0%/*}/native
HK=${TGT0%/*}/hk
q "$SRC0" "CREATE DATABASE bench"
q "$TGT0" "CREATE DATABASE native"
q "$TGT0" "CREATE DATABASE hk"

log "loading pgbench scale $SCALE"
pgbench -i -q -s "$SCALE" "$SRC" >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 "$SRC" <<'SQL'
CREATE TABLE hb (id bigserial PRIMARY KEY, src_ts timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE nopk (a int, b text);
INSERT INTO nopk SELECT g % 200, md5(g::text) FROM generate_series(1, 2000) g;
CREATE TABLE big (id int, v text);
CREATE TABLE bigk (id int PRIMARY KEY, v text);
SQL
for db in "$NAT" "$HK"; do
  pg_dump --schema-only "$SRC" | psql -X -q -v ON_ERROR_STOP=1 "$db" >/dev/null
  psql -X -q -v ON_ERROR_STOP=1 "$db" <<'SQL'
ALTER TABLE hb ADD COLUMN applied_at timestamptz;
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.applied_at := clock_timestamp(); RETURN NEW; END$$;
CREATE TRIGGER hb_stamp BEFORE INSERT ON hb FOR EACH ROW EXECUTE FUNCTION stamp();
ALTER TABLE hb ENABLE ALWAYS TRIGGER hb_stamp;
SQL
done

log "hikkoshi setup + copy at the slot's snapshot (sets REPLICA IDENTITY FULL on nopk, pgbench_history, big)"
"$BIN" follow --setup --replica-identity-full --source "$SRC" --target "$HK" --dir "$WORK/hk" \
  --copy-command "pg_dump --data-only --snapshot=\$HIKKOSHI_SNAPSHOT '$SRC' | psql -X -q -v ON_ERROR_STOP=1 '$HK' >/dev/null" >&2
log "native subscription (copy_data = true)"
q "$SRC" "CREATE PUBLICATION native_pub FOR ALL TABLES"
q "$NAT" "CREATE SUBSCRIPTION native_sub CONNECTION '$SRC' PUBLICATION native_pub"
until [[ $(q "$NAT" "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'") == 0 ]]; do sleep 0.5; done

start_follower() {
  "$BIN" -q follow --source "$SRC" --target "$HK" --dir "$WORK/hk" --status-interval 200 2>>"$WORK/follower.log" &
  FPID=$!
}
stop_follower() { kill -TERM "$FPID"; wait "$FPID" || true; FPID=""; }

cat >"$WORK/hb.sql" <<'SQL'
INSERT INTO hb DEFAULT VALUES;
SQL
cat >"$WORK/nopk.sql" <<'SQL'
\set a random(0, 199)
UPDATE nopk SET b = md5(random()::text) WHERE ctid = (SELECT ctid FROM nopk WHERE a = :a LIMIT 1);
SQL

load() {  # seconds
  pgbench -n -c "$CLIENTS" -j 2 -T "$1" "$SRC" >"$WORK/pgbench.out" 2>&1 &
  local p1=$!
  pgbench -n -f "$WORK/nopk.sql" -c 1 -R 50 -T "$1" "$SRC" >/dev/null 2>&1 &
  local p2=$!
  pgbench -n -f "$WORK/hb.sql" -c 1 -R 20 -T "$1" "$SRC" >/dev/null 2>&1 &
  local p3=$!
  wait $p1 $p2 $p3
  grep -E "^tps" "$WORK/pgbench.out" | head -1 | sed 's/ (without.*//' >&2
}

wait_equal() {  # target-db -> seconds until pgbench_history and hb match the source
  local db=$1 want hb t0
  want=$(q "$SRC" "SELECT count(*) FROM pgbench_history")
  hb=$(q "$SRC" "SELECT coalesce(max(id), 0) FROM hb")
  t0=$(date +%s.%N)
  until [[ $(q "$db" "SELECT count(*) FROM pgbench_history") == "$want" &&
           $(q "$db" "SELECT coalesce(max(id), 0) FROM hb") == "$hb" ]]; do sleep 0.1; done
  echo "$(date +%s.%N) - $t0" | bc
}

lag_stats() {  # db from-id -> "p50 p99 n" in ms
  q "$1" "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) || ' ' ||
                 round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1) || ' ' || count(*)
          FROM (SELECT extract(epoch FROM applied_at - src_ts) * 1000 AS ms FROM hb WHERE id > $2) x"
}

if [[ $MODE == both ]]; then
  log "(a) steady state: ${STEADY}s of load, both appliers running"
  start_follower
  HB0=$(q "$SRC" "SELECT coalesce(max(id), 0) FROM hb")
  load "$STEADY"
  wait_equal "$NAT" >/dev/null
  wait_equal "$HK" >/dev/null
  read -r NAT50 NAT99 NATN <<<"$(lag_stats "$NAT" "$HB0")"
  read -r HK50 HK99 HKN <<<"$(lag_stats "$HK" "$HB0")"
else
  log "(a) steady state, native alone: ${STEADY}s of load"
  wait_equal "$NAT" >/dev/null
  HB0=$(q "$SRC" "SELECT coalesce(max(id), 0) FROM hb")
  load "$STEADY"
  wait_equal "$NAT" >/dev/null
  read -r NAT50 NAT99 NATN <<<"$(lag_stats "$NAT" "$HB0")"
  q "$NAT" "ALTER SUBSCRIPTION native_sub DISABLE"
  log "(a) steady state, hikkoshi alone: ${STEADY}s of load (after catching up)"
  start_follower
  wait_equal "$HK" >/dev/null
  HB0=$(q "$SRC" "SELECT coalesce(max(id), 0) FROM hb")
  load "$STEADY"
  wait_equal "$HK" >/dev/null
  read -r HK50 HK99 HKN <<<"$(lag_stats "$HK" "$HB0")"
  q "$NAT" "ALTER SUBSCRIPTION native_sub ENABLE"
  wait_equal "$NAT" >/dev/null  # its backlog of hikkoshi's window is not part of (b)
fi

log "(b) backlog: both stopped, ${BACKLOG}s of load"
stop_follower
q "$NAT" "ALTER SUBSCRIPTION native_sub DISABLE"
load "$BACKLOG"
BACKLOG_BYTES=$(q "$SRC" "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = 'native_sub'")
log "native drains ($BACKLOG_BYTES bytes of WAL behind)"
q "$NAT" "ALTER SUBSCRIPTION native_sub ENABLE"
NATDRAIN=$(wait_equal "$NAT")
q "$NAT" "ALTER SUBSCRIPTION native_sub DISABLE"
log "hikkoshi drains"
start_follower
HKDRAIN=$(wait_equal "$HK")
stop_follower

wait_hb() {  # target-db -> seconds until it has the source's last heartbeat
  local db=$1 hb t0
  hb=$(q "$SRC" "SELECT coalesce(max(id), 0) FROM hb")
  t0=$(date +%s.%N)
  until [[ $(q "$db" "SELECT coalesce(max(id), 0) FROM hb") == "$hb" ]]; do sleep 0.05; done
  echo "$(date +%s.%N) - $t0" | bc
}

BIGROWS_OUT=""
if [[ $MODE == alone ]]; then
  # Native is disabled and hikkoshi stopped here; both have drained (b).
  for op in INSERT UPDATE DELETE; do
    case $op in
      INSERT) sql="INSERT INTO bigk SELECT g, md5(g::text) FROM generate_series(1, $BIG_ROWS) g" ;;
      UPDATE) sql="UPDATE bigk SET v = md5(v)" ;;
      DELETE) sql="DELETE FROM bigk" ;;
    esac
    log "(c) one $op of $BIG_ROWS rows"
    q "$SRC" "$sql"
    q "$SRC" "INSERT INTO hb DEFAULT VALUES"  # applied after the big transaction
    q "$NAT" "ALTER SUBSCRIPTION native_sub ENABLE"
    NT=$(wait_hb "$NAT")
    q "$NAT" "ALTER SUBSCRIPTION native_sub DISABLE"
    T0=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$WORK/rss" "$BIN" -q follow --source "$SRC" --target "$HK" --dir "$WORK/hk" --until-caught-up 2>>"$WORK/follower.log"
    HT=$(echo "$(date +%s.%N) - $T0" | bc)
    wait_hb "$HK" >/dev/null
    BIGROWS_OUT+="| (c) ${BIG_ROWS}-row $op: apply time, s (hikkoshi peak RSS) | $NT | $HT ($(( $(cat "$WORK/rss") / 1024 )) MB; hikkoshi/native = $(echo "scale=2; $HT / $NT" | bc)x) |"$'\n'
  done
  [[ $(q "$SRC" "SELECT count(*) FROM bigk") == $(q "$HK" "SELECT count(*) FROM bigk") ]] || { log "bigk differs"; exit 1; }
fi

log "(c) one transaction of $BIG_ROWS rows"
q "$SRC" "INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, $BIG_ROWS) g"
BIGT0=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$WORK/rss" "$BIN" -q follow --source "$SRC" --target "$HK" --dir "$WORK/hk" --until-caught-up 2>>"$WORK/follower.log"
BIGSECS=$(echo "$(date +%s.%N) - $BIGT0" | bc)
RSS_MB=$(( $(cat "$WORK/rss") / 1024 ))
[[ $(q "$HK" "SELECT count(*) FROM big") == "$BIG_ROWS" ]] || { log "big transaction incomplete"; exit 1; }

log "equality check (hikkoshi target vs source)"
for t in pgbench_accounts pgbench_branches pgbench_tellers pgbench_history nopk big bigk; do
  a=$(q "$SRC" "SELECT count(*) || ':' || coalesce(sum(hashtextextended(x::text, 0)), 0) FROM $t x")
  b=$(q "$HK" "SELECT count(*) || ':' || coalesce(sum(hashtextextended(x::text, 0)), 0) FROM $t x")
  [[ $a == "$b" ]] || { log "DIFFERENT: $t"; exit 1; }
done
"$BIN" -q cleanup --source "$SRC" --target "$HK" --dir "$WORK/hk" >/dev/null
q "$NAT" "DROP SUBSCRIPTION native_sub" >/dev/null

ratio=$(echo "scale=2; $NATDRAIN / $HKDRAIN" | bc)
cat <<OUT
| measure | native subscription | hikkoshi follow |
|---|---|---|
| (a) lag p50 / p99, ms, $MODE (heartbeats: $NATN / $HKN) | $NAT50 / $NAT99 | $HK50 / $HK99 |
| (b) drain of ${BACKLOG}s backlog ($((BACKLOG_BYTES / 1048576)) MB WAL), s | $NATDRAIN | $HKDRAIN (native/hikkoshi = ${ratio}x) |
| (c) ${BIG_ROWS}-row transaction: apply time / peak RSS | – | ${BIGSECS} s / ${RSS_MB} MB |
OUT
printf '%s' "$BIGROWS_OUT"
echo "mode $MODE, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

