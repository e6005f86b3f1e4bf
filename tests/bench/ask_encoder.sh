#!/usr/bin/env bash
# `/ask` throughput with the sentence encoder (issue 19): the demo site on SQLite, under wrk
# on loopback, asked questions it has never seen (CLINC150 `train` texts, each asked once:
# the lexical side is unsure of most of them, so most run the encoder), then the same with
# `encoder = "none"` (the lexical path), then the bench's ten demo questions over and over
# (after the first round every one comes from the encoder's question cache).
#
#   bash tests/bench/ask_encoder.sh            # release build (PROFILE=production for fat LTO)
#   SERVER=path/to/frontline-widget-server bash tests/bench/ask_encoder.sh   # another build,
#   e.g. a copy of an earlier one: compare two builds back to back
#
# Needs wrk and the CLINC150 files (FRONTLINE_CLINC150_DIR, default ../shared/data/clinc150).
# The last column, the server's CPU time per request from /proc, does not depend on how the
# two cores were shared with wrk or anything else: 2,000,000 / it is the request rate two
# idle cores could serve.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
PROFILE=${PROFILE:-release}
SERVER=${SERVER:-target/$PROFILE/frontline-widget-server}
cargo build --profile "$PROFILE" --workspace --bins -q
clinc=${FRONTLINE_CLINC150_DIR:-../shared/data/clinc150}
DURATION=${DURATION:-10s}
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
source tests/bench/config.sh
require_free_ports 18095
bench_config > "$work/bench.toml"

# A wrk script asking each CLINC150 train text once, in file order (one wrk thread).
{
  echo "local questions = {"
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    text = json.loads(line)["text"]
    print("  " + json.dumps(json.dumps({"text": text})) + ",")
' "$clinc/train.jsonl"
  cat <<'LUA'
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "/api/v1/sites/demo/ask", {["Content-Type"] = "application/json"}, questions[((i - 1) % #questions) + 1])
end
LUA
} > "$work/unseen.lua"
unseen=$(grep -c '^  "' "$work/unseen.lua")

measure() { # script connections pid → "rps p50_ms p99_ms requests cpu_us"
  local before after out="$work/out"
  before=$(awk '{ print $14 + $15 }' "/proc/$3/stat")
  wrk -t1 -c"$2" -d"$DURATION" --latency -s "$1" http://127.0.0.1:18095 > "$out"
  after=$(awk '{ print $14 + $15 }' "/proc/$3/stat")
  awk -v before="$before" -v after="$after" -v hz="$(getconf CLK_TCK)" '
    function ms(v) { if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 } if (v ~ /ms$/) { sub(/ms$/, "", v); return v } if (v ~ /s$/) { sub(/s$/, "", v); return v * 1000 } return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 } / requests in / { n = $1 }
    END { printf "%s %s %s %s %.0f\n", rps, p50, p99, n, (after - before) / hz * 1e6 / n }' "$out"
}

rows=()
for encoder in default none; do
  env=()
  [ "$encoder" = none ] && env=(FRONTLINE_ENCODER=none)
  env "${env[@]}" FRONTLINE_LOG=warn FRONTLINE_DATABASE_URL="sqlite://$work/$encoder.db?mode=rwc" \
    FRONTLINE_LISTEN=127.0.0.1:18095 "$SERVER" --config "$work/bench.toml" >/dev/null &
  pid=$!; pids+=("$pid")
  for _ in $(seq 1200); do curl -sf http://127.0.0.1:18095/healthz >/dev/null 2>&1 && break; sleep 0.1; done
  read -r r p50 p99 n cpu < <(measure "$work/unseen.lua" 8 "$pid")
  rows+=("| $encoder | unseen questions ($n asked of $unseen) | $r | $p50 | $p99 | $cpu |")
  read -r r p50 p99 n cpu < <(measure tests/bench/ask.lua 8 "$pid")
  rows+=("| $encoder | the ten demo questions, repeated | $r | $p50 | $p99 | $cpu |")
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo
echo "| encoder | questions | req/s | p50 ms | p99 ms | server CPU µs/request |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
