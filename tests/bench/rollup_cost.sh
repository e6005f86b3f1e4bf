#!/usr/bin/env bash
# What keeping the rollups costs /ask and /handoff: the widget server under wrk on a store
# that keeps them (as shipped) and on one without the rollup writes
# (tests/bench/no_rollups.<backend>.sql applied after the migrations), same binary, same
# run, alternating with and without ROUNDS times per scenario (these machines are noisy).
#
#   PROFILE=release bash tests/bench/rollup_cost.sh     # default PROFILE=production
#
# SQLite always; PostgreSQL when BENCH_POSTGRES_URL (an admin URL, default
# postgres://postgres@127.0.0.1:5432/test) is reachable. Needs wrk. Prints one Markdown
# table: req/s and the server's CPU per request with and without, and their ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
PROFILE=${PROFILE:-production}
cargo build --profile "$PROFILE" --workspace --bins -q
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-2}
ADMIN_URL=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
work=$(mktemp -d)
pid=""
pg_dbs=()
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  for db in "${pg_dbs[@]}"; do psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
source tests/bench/config.sh
require_free_ports 18094
bench_config > "$work/bench.toml"
wait_for() { for _ in $(seq 300); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not up: $1" >&2; exit 1; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# One wrk run against the server $pid: prints "rps cpu_us_per_request non2xx".
measure() { # script connections
  local before after out
  out=$(mktemp -p "$work")
  before=$(cpu_ticks "$pid")
  wrk -t1 -c"$2" -d"$DURATION" -s "$1" http://127.0.0.1:18094 > "$out"
  after=$(cpu_ticks "$pid")
  awk -v before="$before" -v after="$after" -v hz="$(getconf CLK_TCK)" '
    /^Requests\/sec/ { rps = $2 } / requests in / { n = $1 } /Non-2xx/ { bad = $NF }
    END { printf "%s %.0f %d\n", rps, (after - before) / hz * 1e6 / n, (bad == "" ? 0 : bad) }' "$out"
}

# A server on a fresh store: $1 = backend (sqlite|postgres), $2 = with|without.
start() {
  local url file="$work/$2-$RANDOM.db"
  if [ "$1" = sqlite ]; then
    url="sqlite://$file?mode=rwc"
  else
    local db="frontline_rollup_cost_$$_$RANDOM"
    psql "$ADMIN_URL" -qc "CREATE DATABASE $db" >/dev/null
    pg_dbs+=("$db")
    url="${ADMIN_URL%/*}/$db"
  fi
  FRONTLINE_LOG=warn FRONTLINE_DATABASE_URL="$url" FRONTLINE_LISTEN="127.0.0.1:18094" \
    "target/$PROFILE/frontline-widget-server" --config "$work/bench.toml" >/dev/null &
  pid=$!
  wait_for "http://127.0.0.1:18094/healthz"
  if [ "$2" = without ]; then
    if [ "$1" = sqlite ]; then
      sqlite3 "$file" < tests/bench/no_rollups.sqlite.sql
    else
      psql "$url" -q -v ON_ERROR_STOP=1 -f tests/bench/no_rollups.postgres.sql
    fi
  fi
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

rows=()
for backend in sqlite postgres; do
  if [ "$backend" = postgres ] && ! psql "$ADMIN_URL" -qc "SELECT 1" >/dev/null 2>&1; then continue; fi
  for scenario in "ask.lua 32" "handoff.lua 8"; do
    read -r script connections <<< "$scenario"
    declare -A rps=() cpu=()
    for round in $(seq "$ROUNDS"); do
      for variant in with without; do
        start "$backend" "$variant"
        read -r r c bad < <(measure "tests/bench/$script" "$connections")
        stop
        [ "$bad" = 0 ] || { echo "$backend $script $variant: $bad non-2xx responses" >&2; exit 1; }
        rps[$variant]="${rps[$variant]:-} $r"
        cpu[$variant]="${cpu[$variant]:-} $c"
      done
    done
    mean() { echo "$1" | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.0f", s / NF }'; }
    rw=$(mean "${rps[with]}") rwo=$(mean "${rps[without]}") cw=$(mean "${cpu[with]}") cwo=$(mean "${cpu[without]}")
    rows+=("| /${script%.lua}, $connections connections | $backend | $rwo | $rw | $(awk -v a="$rw" -v b="$rwo" 'BEGIN { printf "%.2f", a / b }') | $cwo | $cw | $(awk -v a="$cw" -v b="$cwo" 'BEGIN { printf "%.2f", a / b }') |")
    unset rps cpu
  done
done
echo
echo "| scenario | store | req/s without rollup writes | req/s with | ratio | server CPU µs/request without | with | ratio |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "wrk -t1, $DURATION per run, $ROUNDS alternating runs each (means), --profile $PROFILE, fresh store per run."
