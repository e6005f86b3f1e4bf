#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind: on an idle machine a cost
# that repeats within 1–2 % whatever the machine's speed, unlike req/s. Complements
# http.sh (same production-profile binaries, same wrk scripts) when comparing two builds. Run it on
# an otherwise idle machine: the server is slow under valgrind, so the recorder commits a
# few questions at a time, and anything that slows it further changes that share.
#
#   bash tests/bench/instructions.sh            # this tree's production build
#   SERVER=/path/to/other/frontline-widget-server bash tests/bench/instructions.sh
#
# For the echo baseline and for /ask on SQLite: starts the server under callgrind with
# instrumentation off, warms it up, counts user-space instructions (every thread) over
# 10 s of wrk with 2 connections, and divides by the requests served. Kernel work
# (sockets, file syncs) is not counted. valgrind runs without SHA extensions, so hashing
# counts more here than on the real CPU. Prints one Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null
cargo build --profile production --workspace --bins -q

SERVER=${SERVER:-target/production/frontline-widget-server}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

source tests/bench/config.sh
require_free_ports 18190 18191
bench_config > "$work/bench.toml"

# count URL wrk-script command...: prints instructions per request. Callers run it in a
# command substitution (a subshell), so the subshell's own trap stops its server.
count() {
  local url=$1 script=$2
  shift 2
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.%p" "$@" \
    >/dev/null 2>&1 &
  local pid=$!
  trap 'kill "$pid" 2>/dev/null || true' EXIT
  for _ in $(seq 600); do curl -s -o /dev/null "$url" && break; sleep 0.2; done
  wrk -t1 -c2 -d3s -s "$script" "$url" >/dev/null
  callgrind_control -i on "$pid" >/dev/null 2>&1
  local requests
  requests=$(wrk -t1 -c2 -d10s -s "$script" "$url" | awk '/ requests in /{ print $1 }')
  callgrind_control -i off "$pid" >/dev/null 2>&1
  callgrind_control -d "$pid" >/dev/null 2>&1
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  local total
  total=$(for f in "$work"/cg.*; do callgrind_annotate "$f" 2>/dev/null; done |
    awk '/PROGRAM TOTALS/ { gsub(",", "", $1); sum += $1 } END { print sum + 0 }')
  rm -f "$work"/cg.*
  awk -v t="$total" -v n="$requests" 'BEGIN { printf "%.0f", t / n }'
}

echo_ir=$(count http://127.0.0.1:18190 tests/bench/echo.lua \
  target/production/echo-baseline 127.0.0.1:18190)
ask_ir=$(FRONTLINE_LOG=warn FRONTLINE_DATABASE_URL="sqlite://$work/db.sqlite" \
  FRONTLINE_LISTEN=127.0.0.1:18191 count http://127.0.0.1:18191 tests/bench/ask.lua \
  "$SERVER" --config "$work/bench.toml")

echo
echo "| scenario | instructions per request | vs. echo |"
echo "|---|---|---|"
echo "| echo baseline | $echo_ir | 1.00 |"
echo "| /ask, SQLite | $ask_ir | $(awk -v a="$ask_ir" -v e="$echo_ir" 'BEGIN { printf "%.1f", a / e }') |"
