#!/usr/bin/env bash
# HTTP load benchmark of the widget server built with `--profile production` (fat LTO),
# measured in the same run as a bare
# axum JSON echo baseline (report ratios: these machines are noisy).
#
#   bash tests/bench/http.sh
#
# Scenarios: the echo baseline; /ask and /handoff on SQLite with one replica; on
# PostgreSQL with one and with two replicas (two wrk processes, one per replica, summed).
# PostgreSQL runs when BENCH_POSTGRES_URL (an admin URL, default
# postgres://postgres@127.0.0.1:5432/test) is reachable; a scratch database is created.
# Needs wrk (apt-get install wrk). Prints one Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
cargo build --profile production --workspace --bins -q

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
ADMIN_URL=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
work=$(mktemp -d)
pids=()
pg_db=""
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  [ -n "$pg_db" ] && psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() { for _ in $(seq 300); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not up: $1" >&2; exit 1; }

# One wrk run: prints "rps p50_ms p99_ms non2xx cpu_us". With a server pid, cpu_us is the
# server's CPU time (user + system) per request, from /proc: a cost that does not depend
# on how the two cores were shared with wrk; "–" without one.
measure() { # url script connections [server-pid]
  local before after out
  out=$(mktemp -p "$work")
  before=$(cpu_ticks "${4:-}")
  wrk -t1 -c"$3" -d"$DURATION" --latency -s "$2" "$1" > "$out"
  after=$(cpu_ticks "${4:-}")
  awk -v before="$before" -v after="$after" -v hz="$(getconf CLK_TCK)" '
    function ms(v) { if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 } if (v ~ /ms$/) { sub(/ms$/, "", v); return v } if (v ~ /s$/) { sub(/s$/, "", v); return v * 1000 } return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    / requests in / { n = $1 } /Non-2xx/ { bad = $NF }
    END { cpu = (before == "" || n == 0) ? "–" : sprintf("%.0f", (after - before) / hz * 1e6 / n)
          printf "%s %s %s %s %s\n", rps, p50, p99, (bad == "" ? 0 : bad), cpu }' "$out"
}
cpu_ticks() { if [ -n "$1" ]; then awk '{ print $14 + $15 }' "/proc/$1/stat"; fi; }

# Two wrk runs at once, one per replica: prints summed rps, max p50, max p99, summed non-2xx.
measure_pair() { # url1 url2 script connections-each
  measure "$1" "$3" "$4" > "$work/a" & local a=$!
  measure "$2" "$3" "$4" > "$work/b" & local b=$!
  wait "$a" "$b"
  paste "$work/a" "$work/b" | awk '{ printf "%.2f %s %s %d –\n", $1 + $6, ($2 > $7 ? $2 : $7), ($3 > $8 ? $3 : $8), $4 + $9 }'
}

source tests/bench/config.sh
require_free_ports 18090 18091 18092 18093
bench_config > "$work/bench.toml"

server() { # port database-url
  FRONTLINE_LOG=warn FRONTLINE_DATABASE_URL="$2" FRONTLINE_LISTEN="127.0.0.1:$1" \
    target/production/frontline-widget-server --config "$work/bench.toml" >/dev/null &
  pids+=($!)
  wait_for "http://127.0.0.1:$1/healthz"
}

rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 |"); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

target/production/echo-baseline 127.0.0.1:18090 >/dev/null & pids+=($!)
echo_pid=$!
wait_for_echo() { for _ in $(seq 100); do curl -sf -XPOST -H 'content-type: application/json' -d '{}' http://127.0.0.1:18090/echo >/dev/null && return 0; sleep 0.1; done; }
wait_for_echo
read -r base_rps base_p50 base_p99 _ base_cpu < <(measure http://127.0.0.1:18090 tests/bench/echo.lua "$CONNECTIONS" "$echo_pid")
row "echo baseline" "–" "$base_rps" "$base_p50" "$base_p99" "1.00" "$base_cpu"
for c in 4 1; do
  read -r r p50 p99 _ cpu < <(measure http://127.0.0.1:18090 tests/bench/echo.lua $c "$echo_pid")
  row "echo baseline, $c connection$([ $c = 1 ] || echo s)" "–" "$r" "$p50" "$p99" "–" "$cpu"
done

# SQLite, one replica.
server 18091 "sqlite://$work/bench.db?mode=rwc"
pid=${pids[-1]}
read -r r p50 p99 _ cpu < <(measure http://127.0.0.1:18091 tests/bench/ask.lua "$CONNECTIONS" "$pid")
row "/ask" "SQLite ×1" "$r" "$p50" "$p99" "$(ratio "$r" "$base_rps")" "$cpu"
for c in 4 1; do
  read -r r p50 p99 _ cpu < <(measure http://127.0.0.1:18091 tests/bench/ask.lua $c "$pid")
  row "/ask, $c connection$([ $c = 1 ] || echo s)" "SQLite ×1" "$r" "$p50" "$p99" "–" "$cpu"
done
read -r r p50 p99 _ cpu < <(measure http://127.0.0.1:18091 tests/bench/handoff.lua 8 "$pid")
row "/handoff (new conversation each)" "SQLite ×1" "$r" "$p50" "$p99" "–" "$cpu"
read -r r p50 p99 _ cpu < <(measure http://127.0.0.1:18091 tests/bench/handoff.lua 2 "$pid")
row "/handoff, 2 connections" "SQLite ×1" "$r" "$p50" "$p99" "–" "$cpu"
kill "$pid"; unset 'pids[-1]'

# PostgreSQL, one and two replicas.
if psql "$ADMIN_URL" -qc "SELECT 1" >/dev/null 2>&1; then
  pg_db="frontline_bench_$$"
  psql "$ADMIN_URL" -qc "CREATE DATABASE $pg_db" >/dev/null
  pg_url="${ADMIN_URL%/*}/$pg_db"
  server 18092 "$pg_url"
  pid=${pids[-1]}
  read -r r p50 p99 _ cpu < <(measure http://127.0.0.1:18092 tests/bench/ask.lua "$CONNECTIONS" "$pid")
  row "/ask" "PostgreSQL ×1" "$r" "$p50" "$p99" "$(ratio "$r" "$base_rps")" "$cpu"
  read -r r p50 p99 _ cpu < <(measure http://127.0.0.1:18092 tests/bench/handoff.lua 8 "$pid")
  row "/handoff (new conversation each)" "PostgreSQL ×1" "$r" "$p50" "$p99" "–" "$cpu"
  server 18093 "$pg_url"
  read -r r p50 p99 _ _ < <(measure_pair http://127.0.0.1:18092 http://127.0.0.1:18093 tests/bench/ask.lua $((CONNECTIONS / 2)))
  row "/ask" "PostgreSQL ×2" "$r" "$p50" "$p99" "$(ratio "$r" "$base_rps")" "–"
  read -r r p50 p99 _ _ < <(measure_pair http://127.0.0.1:18092 http://127.0.0.1:18093 tests/bench/handoff.lua 4)
  row "/handoff (new conversation each)" "PostgreSQL ×2" "$r" "$p50" "$p99" "–" "–"
fi

echo
echo "| scenario | store × replicas | req/s | p50 ms | p99 ms | req/s vs. echo | server CPU µs/request |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "wrk -t1 -c$CONNECTIONS (unless noted), $DURATION per row, production-profile builds, same machine and run."
echo "Server CPU per request is user + system time from /proc over the row's requests (PostgreSQL's own CPU not included)."
