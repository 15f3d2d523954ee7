#!/usr/bin/env bash
# Load test of the release server on a generated district, in one run.
#
#   bench/load.sh                                   # 100k households on SQLite → bench/LOAD-sqlite.md
#   DATABASE_URL=postgres://…/empty_db bench/load.sh  # the same on PostgreSQL → bench/LOAD-postgres.md
#   HOUSEHOLDS=20000 DURATION=5 bench/load.sh        # smaller and shorter
#
# Installs `oha` (crates.io) when missing, builds the release server and `loadgen` (bench/src: the
# driver for requests a fixed-body tool cannot send — visit submits with their own client ids and
# Idempotency-Keys, 300 KB EXIF photo uploads, slow uploads), generates the district with
# `changxiao gen`, pins the server to core 0 and the load generators to core 1 (when there are two),
# and for each endpoint measures requests/s at saturation (closed loop, 50 connections) and p50/p95/p99
# at a fixed rate of half that (open loop: each request timed from when it was due, so a queue is
# not hidden). Visit submits are also measured at the issue's fixed 300/s. Errors are non-2xx answers
# and failed connections; requests still in flight when a run's time is up are not counted.
set -euo pipefail
cd "$(dirname "$0")/.."

HOUSEHOLDS=${HOUSEHOLDS:-100000}
DURATION=${DURATION:-10}
PORT=${PORT:-18080}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/changxiao-target}
BIN="$CARGO_TARGET_DIR/release/changxiao"
LOADGEN="$CARGO_TARGET_DIR/release/loadgen"
if [ -n "${DATABASE_URL:-}" ]; then DB=postgres; else DB=sqlite; fi
OUT=${OUT:-bench/LOAD-$DB.md}

export PATH="$HOME/.cargo/bin:$PATH"
command -v oha >/dev/null || cargo install oha --locked
command -v jq >/dev/null || { apt-get update -qq && apt-get install -y -qq jq; }
command -v bc >/dev/null || { apt-get update -qq && apt-get install -y -qq bc; }
cargo build --release -q -p changxiao -p changxiao-bench

DATA=$(mktemp -d)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$DATA"' EXIT
export CHANGXIAO_DATA_DIR="$DATA" CHANGXIAO_LISTEN="127.0.0.1:$PORT" CHANGXIAO_REMINDER_INTERVAL_SECONDS=0 \
  CHANGXIAO_LOGIN_PER_ACCOUNT_PER_MINUTE=1000000 CHANGXIAO_LOGIN_PER_IP_PER_MINUTE=1000000 RUST_LOG=warn
echo "generating $HOUSEHOLDS households ($DB)…"
"$BIN" gen --households "$HOUSEHOLDS"

SERVER_CPU="" LOAD_CPU=""
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then SERVER_CPU="taskset -c 0"; LOAD_CPU="taskset -c 1"; fi
$SERVER_CPU "$BIN" serve &
SERVER=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

BASE="http://127.0.0.1:$PORT"
login() { curl -fs -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"changxiao-demo\"}" "$BASE/api/v1/auth/login" | jq -r .access_token; }
RRO=$(login gen00-rro)
DISTRICT=$(login gen-district-rro)
CADRE=$(login gen00-v00-cadre0)
HOUSEHOLD=$(curl -fs -H "authorization: Bearer $CADRE" "$BASE/api/v1/households?per_page=1" | jq -r '.items[0].id')
# 50 writers' worth of cadres: two in each of the first villages of the first towns.
WRITERS=$(for t in 00 01; do for v in 00 01 02 03 04; do for k in 0 1; do printf "gen%s-v%s-cadre%s," $t $v $k; done; done; done)
WRITERS=${WRITERS%,}

BASELINE=""
row() { # name, saturation rps, fixed rate, p50, p95, p99, errors
  local ratio="—"
  [ -n "$BASELINE" ] && ratio=$(printf '%.1f %%' "$(echo "100 * $2 / $BASELINE" | bc -l)")
  printf '| %s | %.0f | %s | %s | %.1f | %.1f | %.1f | %s |\n' "$1" "$2" "$ratio" "$3" "$4" "$5" "$6" "$7" >> "$OUT.tmp"
  echo "$1: $2 req/s ($ratio of baseline); at $3/s p50 $4 ms p95 $5 ms p99 $6 ms, errors $7"
}
half() { local r; r=$(printf '%.0f' "$(echo "$1 / 2" | bc -l)"); [ "$r" -lt 1 ] && r=1; echo "$r"; }
# After a saturation run the server still works off what the 50 connections left queued; let it
# drain (50 requests at the saturation rate, with a margin) so the fixed-rate run starts idle.
drain() { sleep "$(echo "s = 1 + 75 / ($1 + 0.01); if (s > 90) 90 else s" | bc -l)"; }

measure() { # name, then oha arguments after the URL
  local name=$1; shift
  local sat rate p50 p95 p99 errs
  sat=$($LOAD_CPU oha --no-tui --output-format json -z "${DURATION}s" -c 50 "$@" | jq '.summary.requestsPerSec // 0')
  rate=$(half "$sat")
  drain "$sat"
  read -r p50 p95 p99 errs < <($LOAD_CPU oha --no-tui --output-format json -z "${DURATION}s" -c 50 -q "$rate" --latency-correction "$@" |
    jq -r '[((.latencyPercentiles.p50 // 0)*1000), ((.latencyPercentiles.p95 // 0)*1000), ((.latencyPercentiles.p99 // 0)*1000), (((.statusCodeDistribution // {})|to_entries|map(select(.key|startswith("2")|not).value)|add) // 0) + ((.errorDistribution // {})|to_entries|map(select(.key|test("deadline")|not).value)|add // 0)] | @tsv')
  row "$name" "$sat" "$rate" "$p50" "$p95" "$p99" "$errs"
  [ -n "$BASELINE" ] || BASELINE=$sat
}

drive() { # name, loadgen subcommand, [fixed rate]
  local name=$1 cmd=$2 sat rate fixed
  sat=$($LOAD_CPU "$LOADGEN" --base "$BASE" --users "$WRITERS" "$cmd" --seconds "$DURATION" --concurrency 50)
  rate=${3:-$(half "$(jq .rps <<<"$sat")")}
  drain "$(jq .rps <<<"$sat")"
  fixed=$($LOAD_CPU "$LOADGEN" --base "$BASE" --users "$WRITERS" "$cmd" --seconds "$DURATION" --rate "$rate")
  row "$name" "$(jq .rps <<<"$sat")" "$rate" "$(jq .p50_ms <<<"$fixed")" "$(jq .p95_ms <<<"$fixed")" "$(jq .p99_ms <<<"$fixed")" \
    "$(( $(jq .errors <<<"$sat") + $(jq .errors <<<"$fixed") ))"
}

: > "$OUT.tmp"
measure "baseline GET /healthz" "$BASE/healthz"
measure "login" -m POST -T application/json -d '{"username":"gen00-rro","password":"changxiao-demo"}' "$BASE/api/v1/auth/login"
measure "household list page (cadre)" -H "authorization: Bearer $CADRE" "$BASE/api/v1/households?per_page=20"
measure "household read (cadre)" -H "authorization: Bearer $CADRE" "$BASE/api/v1/households/$HOUSEHOLD"
drive "visit submit (50 writers, JSON + photo id + Idempotency-Key)" visits
drive "visit submit at the fixed 300/s" visits 300
drive "photo upload (300 KB JPEG with EXIF)" photos
measure "coverage, one town" -H "authorization: Bearer $RRO" "$BASE/api/v1/coverage"
measure "coverage, district" -H "authorization: Bearer $DISTRICT" "$BASE/api/v1/coverage"
measure "dashboard, one town" -H "authorization: Bearer $RRO" "$BASE/api/v1/dashboard"
measure "dashboard, district" -H "authorization: Bearer $DISTRICT" "$BASE/api/v1/dashboard"
# The report runs can leave the database pool queued for a while: wait until a sign-in answers.
for _ in $(seq 1 120); do [ -n "$(login gen00-v00-cadre0 2>/dev/null)" ] && break; sleep 1; done
SLOW=$($LOAD_CPU "$LOADGEN" --base "$BASE" --users "$WRITERS" slow-uploads --count 50 --seconds 20 --server-pid "$SERVER")
PEAK=$(grep VmHWM "/proc/$SERVER/status" | awk '{printf "%.0f MB", $2/1024}')

{
  echo "# Load test — $DB, $HOUSEHOLDS households"
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); server on core 0, load on core 1; $(date -u +%F). \`bench/load.sh\`, ${DURATION} s a measurement."
  echo
  echo "| endpoint | req/s at saturation (50 conns) | of baseline | fixed rate (req/s) | p50 ms | p95 ms | p99 ms | errors |"
  echo "|---|---|---|---|---|---|---|---|"
  cat "$OUT.tmp"
  echo
  echo "50 photo uploads at once, each sent over 20 s: server memory $(jq -r '"\(.rss_before_mb|floor) MB → \(.rss_peak_mb|floor) MB (+\(.growth_mb*10|floor/10) MB)"' <<<"$SLOW") resident, of which the process's own (anonymous) memory $(jq -r '"\(.anon_before_mb|floor) MB → \(.anon_peak_mb|floor) MB (+\(.anon_growth_mb*10|floor/10) MB)"' <<<"$SLOW") — the rest is the memory-mapped database file; answers $(jq -c .statuses <<<"$SLOW")."
  echo
  echo "Peak server memory over the whole run (VmHWM): $PEAK."
} > "$OUT"
rm -f "$OUT.tmp"
cat "$OUT"
