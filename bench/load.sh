#!/usr/bin/env bash
# Load test of the release server on a generated district, in one run.
#
#   bench/load.sh                 # 100k households (HOUSEHOLDS=… to change), SQLite
#   DATABASE_URL=postgres://… bench/load.sh   # the same on PostgreSQL (an empty database)
#
# Installs `oha` (crates.io) when missing, builds the release binary, generates the district with
# `changxiao gen`, pins the server to core 0 and the load generator to core 1 (when there are two),
# and for each endpoint measures requests/s at saturation (closed loop, 50 connections) and p50/p99
# at a fixed rate of half that (open loop: slow answers are not hidden). Writes bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

HOUSEHOLDS=${HOUSEHOLDS:-100000}
DURATION=${DURATION:-10s}
PORT=${PORT:-18080}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/changxiao-target}
BIN="$CARGO_TARGET_DIR/release/changxiao"
OUT=bench/RESULTS.md

command -v oha >/dev/null || cargo install oha --locked
command -v jq >/dev/null || { apt-get update -qq && apt-get install -y -qq jq; }
cargo build --release -q -p changxiao

DATA=$(mktemp -d)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$DATA"' EXIT
export CHANGXIAO_DATA_DIR="$DATA" CHANGXIAO_LISTEN="127.0.0.1:$PORT" CHANGXIAO_REMINDER_INTERVAL_SECONDS=0 \
  CHANGXIAO_LOGIN_PER_ACCOUNT_PER_MINUTE=1000000 CHANGXIAO_LOGIN_PER_IP_PER_MINUTE=1000000 RUST_LOG=warn
echo "generating $HOUSEHOLDS households…"
"$BIN" gen --households "$HOUSEHOLDS"

SERVER_CPU="" LOAD_CPU=""
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then SERVER_CPU="taskset -c 0"; LOAD_CPU="taskset -c 1"; fi
$SERVER_CPU "$BIN" serve &
SERVER=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

BASE="http://127.0.0.1:$PORT"
login() { curl -fs -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"changxiao-demo\"}" "$BASE/api/v1/auth/login" | jq -r .access_token; }
RRO=$(login gen00-rro)
CADRE=$(login gen00-v00-cadre0)
HOUSEHOLD=$(curl -fs -H "authorization: Bearer $CADRE" "$BASE/api/v1/households?per_page=1" | jq -r '.items[0].id')

measure() { # name, then oha arguments after the URL
  local name=$1; shift
  local sat rate p50 p99 errs
  sat=$($LOAD_CPU oha --no-tui --output-format json -z "$DURATION" -c 50 "$@" | jq '.summary.requestsPerSec')
  rate=$(printf '%.0f' "$(echo "$sat / 2" | bc -l)")
  [ "$rate" -lt 1 ] && rate=1
  read -r p50 p99 errs < <($LOAD_CPU oha --no-tui --output-format json -z "$DURATION" -c 50 -q "$rate" "$@" |
    jq -r '[(.latencyPercentiles.p50*1000), (.latencyPercentiles.p99*1000), ((.statusCodeDistribution|to_entries|map(select(.key|startswith("2")|not).value)|add) // 0)] | @tsv')
  printf '| %s | %.0f | %s | %.1f | %.1f | %s |\n' "$name" "$sat" "$rate" "$p50" "$p99" "$errs" >> "$OUT.tmp"
  echo "$name: $sat req/s; at $rate/s p50 ${p50} ms p99 ${p99} ms, errors $errs"
}

: > "$OUT.tmp"
measure "baseline GET /healthz" "$BASE/healthz"
measure "login" -m POST -T application/json -d '{"username":"gen00-rro","password":"changxiao-demo"}' "$BASE/api/v1/auth/login"
measure "household list page (cadre)" -H "authorization: Bearer $CADRE" "$BASE/api/v1/households?per_page=20"
measure "household read (cadre)" -H "authorization: Bearer $CADRE" "$BASE/api/v1/households/$HOUSEHOLD"
measure "coverage, one town" -H "authorization: Bearer $RRO" "$BASE/api/v1/coverage"
measure "dashboard, one town" -H "authorization: Bearer $RRO" "$BASE/api/v1/dashboard"
PEAK=$(grep VmHWM "/proc/$SERVER/status" | awk '{print $2/1024 " MB"}')

{
  echo "# Load test results"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); database: ${DATABASE_URL:-SQLite}; $HOUSEHOLDS households; $(date -u +%F)."
  echo
  echo "| endpoint | req/s at saturation | fixed rate (req/s) | p50 ms | p99 ms | errors |"
  echo "|---|---|---|---|---|---|"
  cat "$OUT.tmp"
  echo
  echo "Peak server memory (VmHWM): $PEAK."
} > "$OUT"
rm -f "$OUT.tmp"
cat "$OUT"
