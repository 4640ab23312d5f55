#!/usr/bin/env bash
# National-scale benchmarks (BENCHMARKS.md): generate N rows, import them, compare with a raw
# insert of the same lines into the same engine, measure lookups and searches in process, ID
# lookups over HTTP with wrk, registration throughput over HTTP, the server's RSS, sizes on disk.
#
#   scripts/bench.sh ROWS [postgres://…/db]     (default: SQLite in a fresh data directory)
#   STEPS=http scripts/bench.sh ROWS [URL]      only the HTTP measures (4-6), on the data loaded
#                                               by an earlier run (same ROWS and engine)
#   FILE=country.jsonl.gz scripts/bench.sh ROWS  an existing (e.g. gzip) file of ROWS lines
#   RAW_LIMIT=N                                 raw-insert baseline on the first N lines only
#
# Needs a release build (cargo build --release) and wrk (Debian package `wrk`). Work files go to
# $BENCH_DIR (default /tmp/tuphap-bench). The database given must be empty.
set -euo pipefail

ROWS=${1:?usage: scripts/bench.sh ROWS [DATABASE_URL]}
DB_URL=${2:-}
BIN=${BIN:-$(cd "$(dirname "$0")/.." && pwd)/target/release/tuphap}
WORK=${BENCH_DIR:-/tmp/tuphap-bench}
ENGINE=$([ -n "$DB_URL" ] && echo postgres || echo sqlite)
DATA="$WORK/data-$ENGINE-$ROWS"
FILE=${FILE:-$WORK/country-$ROWS.jsonl}
REPORT="$WORK/report-$ENGINE-$ROWS$([ "${STEPS:-all}" = http ] && echo -http || true).md"
PORT=${PORT:-18099}
STEPS=${STEPS:-all}
case "$STEPS" in all|http) ;; *) echo "STEPS must be all or http" >&2; exit 2;; esac
mkdir -p "$WORK"
if [ "$STEPS" = all ]; then rm -rf "$DATA"; fi
args=(--data-dir "$DATA")
[ -n "$DB_URL" ] && args+=(--database-url "$DB_URL")
export TUPHAP_LOG=error

say() { echo "$@" | tee -a "$REPORT"; }
: > "$REPORT"
say "## $ENGINE, $ROWS rows — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo '?')"
say ""
if [ "$STEPS" = all ]; then
[ -f "$FILE" ] || "$BIN" generate --count "$ROWS" --seed 1 --out "$FILE" | tee -a "$REPORT"

say ""
say "### raw insert of the same lines (one table, same engine, same batches; first, while the disk is empty)"
RAW_DATA="$WORK/raw-$ENGINE-$ROWS"
rm -rf "$RAW_DATA"
raw_args=(--data-dir "$RAW_DATA")
[ -n "$DB_URL" ] && raw_args+=(--database-url "$DB_URL")
"$BIN" "${raw_args[@]}" bench raw-insert "$FILE" ${RAW_LIMIT:+--limit "$RAW_LIMIT"} | tee -a "$REPORT"
rm -rf "$RAW_DATA"

say ""
say "### import"
say '```'
/usr/bin/time -f "wall %e s, max RSS %M KiB" "$BIN" "${args[@]}" import "$FILE" --source bench 2>&1 \
  | tee "$WORK/import-$ENGINE-$ROWS.log" | grep -v '^nhập:' | tee -a "$REPORT"
say '```'

say ""
say "### lookups and searches in process"
"$BIN" "${args[@]}" bench lookups --samples 2000 2>&1 | tee -a "$REPORT"

fi

say ""
say "### over HTTP"
"$BIN" "${args[@]}" bench ids 1000 > "$WORK/ids.txt"
pw=bench-mat-khau-2026
echo "$pw" | "$BIN" "${args[@]}" user add --username bench.ministry --role ministry --unit BTP --password-stdin >/dev/null 2>&1 || true
echo "$pw" | "$BIN" "${args[@]}" user add --username bench.officer --role officer --unit 00004 --password-stdin >/dev/null 2>&1 || true
echo "$pw" | "$BIN" "${args[@]}" user add --username bench.signer --role signer --unit 00004 --password-stdin >/dev/null 2>&1 || true
"$BIN" "${args[@]}" serve --listen "127.0.0.1:$PORT" > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
token() {
  curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$pw\"}" | sed -E 's/.*"token":"([^"]+)".*/\1/'
}
MIN=$(token bench.ministry); OFF=$(token bench.officer); SIG=$(token bench.signer)
cat > "$WORK/ids.lua" <<EOF
local ids = {}
for line in io.lines("$WORK/ids.txt") do ids[#ids + 1] = line end
local i = 0
request = function()
  i = i + 1
  local path = "/api/v1/civil/search?q=" .. ids[(i % #ids) + 1]
  return wrk.format("GET", path, { ["Authorization"] = "Bearer $MIN" })
end
EOF
say "personal-ID lookup (GET /api/v1/civil/search?q=<12 digits>, ministry scope, each audited), wrk -t2 -c8 -d20s:"
say '```'
wrk -t2 -c8 -d20s --latency -s "$WORK/ids.lua" "http://127.0.0.1:$PORT" 2>&1 \
  | grep -E "Latency|50%|75%|90%|99%|Requests/sec|requests in|Non-2xx" | tee -a "$REPORT"
say '```'
say "server RSS after the lookups: $(awk '/VmRSS/{print $2, $3}' /proc/$SERVER/status)"
"$BIN" "${args[@]}" bench register --url "http://127.0.0.1:$PORT" --officer-token "$OFF" \
  --signer-token "$SIG" --clients 8 --seconds 20 | tee -a "$REPORT"
say "server RSS after the registrations: $(awk '/VmRSS/{print $2, $3}' /proc/$SERVER/status)"
kill $SERVER
wait $SERVER 2>/dev/null || true
trap - EXIT
say ""
say "data directory: $(du -sh "$DATA" | cut -f1) (search index $(du -sh "$DATA/search" | cut -f1))"
