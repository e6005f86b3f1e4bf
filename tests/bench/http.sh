#!/usr/bin/env bash
# HTTP load benchmark of the release widget server against a bare axum JSON echo,
# measured in the same run (report ratios: these machines are noisy).
#
#   bash tests/bench/http.sh            # SQLite (embedded default)
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bash tests/bench/http.sh
#
# Needs wrk (apt-get install wrk). Prints one Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
cargo build --release --workspace --bins -q

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

wait_for() { for _ in $(seq 100); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not up: $1" >&2; exit 1; }

# wrk summary: "rps p50_ms p99_ms"
measure() { # url script connections
  wrk -t1 -c"$3" -d"$DURATION" --latency -s "$2" "$1" | awk '
    function ms(v) { if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 } if (v ~ /ms$/) { sub(/ms$/, "", v); return v } if (v ~ /s$/) { sub(/s$/, "", v); return v * 1000 } return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    /Non-2xx/ { bad = $NF } END { printf "%s %s %s %s\n", rps, p50, p99, (bad == "" ? 0 : bad) }'
}

target/release/echo-baseline 127.0.0.1:18090 >/dev/null & pids+=($!)
DB=${DATABASE_URL:-sqlite://$work/bench.db?mode=rwc}
cat > "$work/bench.toml" <<TOML
$(cat widget-server/demo/frontline.toml | sed 's|^knowledge_dir = "kb"|knowledge_dir = "'"$PWD"'/widget-server/demo/kb"|; s|^intents_file = "intents.toml"|intents_file = "'"$PWD"'/widget-server/demo/intents.toml"|')
[server.rate_limits]
per_ip_per_minute = 100000000
per_ip_burst = 100000000
per_site_per_second = 100000000
per_site_burst = 100000000
TOML
FRONTLINE_LOG=warn FRONTLINE_DATABASE_URL="$DB" FRONTLINE_LISTEN=127.0.0.1:18091 \
  target/release/frontline-widget-server --config "$work/bench.toml" >/dev/null & pids+=($!)
wait_for http://127.0.0.1:18091/healthz

read -r base_rps base_p50 base_p99 _ < <(measure http://127.0.0.1:18090 tests/bench/echo.lua "$CONNECTIONS")
read -r ask_rps ask_p50 ask_p99 ask_bad < <(measure http://127.0.0.1:18091 tests/bench/ask.lua "$CONNECTIONS")
read -r base4_rps base4_p50 base4_p99 _ < <(measure http://127.0.0.1:18090 tests/bench/echo.lua 4)
read -r ask4_rps ask4_p50 ask4_p99 _ < <(measure http://127.0.0.1:18091 tests/bench/ask.lua 4)
read -r hand_rps hand_p50 hand_p99 hand_bad < <(measure http://127.0.0.1:18091 tests/bench/handoff.lua 8)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "| scenario | req/s | p50 ms | p99 ms | vs. echo baseline |"
echo "|---|---|---|---|---|"
echo "| echo baseline, $CONNECTIONS conns | $base_rps | $base_p50 | $base_p99 | 1.00 |"
echo "| /ask, $CONNECTIONS conns | $ask_rps | $ask_p50 | $ask_p99 | $(ratio "$ask_rps" "$base_rps") |"
echo "| echo baseline, 4 conns | $base4_rps | $base4_p50 | $base4_p99 | 1.00 |"
echo "| /ask, 4 conns | $ask4_rps | $ask4_p50 | $ask4_p99 | $(ratio "$ask4_rps" "$base4_rps") |"
echo "| /handoff, 8 conns (new conversation each) | $hand_rps | $hand_p50 | $hand_p99 | – |"
echo
echo "store: ${DB%%\?*}; non-2xx: ask=$ask_bad handoff=$hand_bad; wrk -t1, $DURATION each, same machine"
