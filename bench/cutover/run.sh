#!/usr/bin/env bash
# bench/cutover/run.sh — consecutive cutover/rollback cycles against a setup
# you already run (follow in the background, the app writing, a hikkoshi.toml
# with [cutover]), e.g. the one tests/integration/cutover_test.cc builds, or
# staging. Reports p50/p99/max of the write-unavailability window of cutover
# and of rollback, from the journal (WORKDIR/journal.jsonl).
#
#   bench/cutover/run.sh CONFIG [CYCLES]      (default 20 cycles)
#
# Not a test. Run it once per freeze mode (readonly, pgbouncer) with a config
# for each; for failed client requests, count the app's own failures (the demo
# app logs every write attempt to its --writes-log).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${HIKKOSHI_BIN:-$ROOT/build/hikkoshi}
CONFIG=${1:?usage: run.sh CONFIG [CYCLES]}
CYCLES=${2:-20}
WORKDIR=$(python3 -c 'import sys,tomllib; print(tomllib.load(open(sys.argv[1],"rb")).get("workdir",".hikkoshi"))' "$CONFIG")
START_MS=$(date +%s%3N)

wait_caught_up() {
  for _ in $(seq 1 300); do
    if { "$BIN" --config "$CONFIG" status --dir "$WORKDIR" --json 2>/dev/null || true; } |
      python3 -c 'import json,sys; s=json.load(sys.stdin); sys.exit(0 if s.get("running") and 0 <= s.get("lag_bytes",-1) < (1<<20) else 1)'; then
      return 0
    fi
    sleep 0.2
  done
  echo "follow did not catch up" >&2
  return 1
}

for i in $(seq 1 "$CYCLES"); do
  wait_caught_up
  "$BIN" --config "$CONFIG" cutover --yes --skip-backup-check >/dev/null 2>"$WORKDIR/bench-cutover.err" ||
    { echo "cycle $i: cutover failed:"; cat "$WORKDIR/bench-cutover.err"; exit 1; }
  sleep "${DWELL_SECONDS:-2}"
  "$BIN" --config "$CONFIG" rollback >/dev/null 2>"$WORKDIR/bench-rollback.err" ||
    { echo "cycle $i: rollback failed:"; cat "$WORKDIR/bench-rollback.err"; exit 1; }
  echo "cycle $i/$CYCLES done"
done

python3 - "$WORKDIR/journal.jsonl" "$START_MS" <<'PY'
import json, sys
path, since = sys.argv[1], int(sys.argv[2])
runs = {}
for line in open(path):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("start_ms", 0) < since:
        continue
    r = runs.setdefault(e["run"], {})
    if e["step"] == "writes-frozen":
        r.setdefault("frozen", e["start_ms"])
    if e["step"] == "writes-resumed":
        r["resumed"] = e["start_ms"]
    r.setdefault("total_from", e["start_ms"])
    r["total_to"] = e["end_ms"]
def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]
for kind in ("cutover", "rollback"):
    w = [(r["resumed"] - r["frozen"]) / 1000 for k, r in runs.items()
         if k.startswith(kind) and "frozen" in r and "resumed" in r]
    t = [(r["total_to"] - r["total_from"]) / 1000 for k, r in runs.items() if k.startswith(kind)]
    if w:
        print(f"{kind}: {len(w)} runs; write-unavailability p50 {pct(w,50):.3f} s, p99 {pct(w,99):.3f} s, "
              f"max {max(w):.3f} s; end to end p50 {pct(t,50):.3f} s, max {max(t):.3f} s")
PY
