#!/usr/bin/env bash
# Start-up with a 10,000-article help centre (issue 19: "index and embed 10,000 articles:
# < 60 s cold, < 3 s warm from the cache"). Generates 10,000 distinct articles (titles and
# example questions from CLINC150 `train` texts, bodies from the demo's articles with the
# article's number in them) beside the demo's own 48, then starts the release widget server three times on them
# and times each start until /healthz answers:
#   1. `encoder = "none"`: parsing, training the demo intents, tantivy indexing (the
#      baseline without embeddings);
#   2. the default encoder with an empty embedding cache (cold: every article embedded;
#      above `embed_in_background_above` the server serves first and embeds them in the
#      background, and the bench also waits for the log's "articles embedded");
#   3. the same again (warm: every embedding read from the cache).
# Also prints the server's resident memory, from /proc, once it serves (and once the
# articles are embedded).
#
#   bash tests/bench/kb_load.sh          # ARTICLES=10000 by default
#   QUESTIONS=0 bash tests/bench/kb_load.sh   # articles as the importers write them: title
#                                            # and body, no example questions (default 3)
#   (EMBED_IN_BACKGROUND_ABOVE=N sets `[matcher] embed_in_background_above`;
#   SERVER=path/to/frontline-widget-server times another build, e.g. a copy of an earlier
#   one, on the same help centre: compare two builds back to back)
#
# Needs the CLINC150 files (FRONTLINE_CLINC150_DIR, default ../shared/data/clinc150).
set -euo pipefail
cd "$(dirname "$0")/../.."
PROFILE=${PROFILE:-release}
ARTICLES=${ARTICLES:-10000}
QUESTIONS=${QUESTIONS:-3}
SERVER=${SERVER:-target/$PROFILE/frontline-widget-server}
cargo build --profile "$PROFILE" --workspace --bins -q
clinc=${FRONTLINE_CLINC150_DIR:-../shared/data/clinc150}
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
source tests/bench/config.sh
require_free_ports 18096

# The demo's own articles too: its intents link some of them.
cp -r widget-server/demo/kb "$work/kb"
python3 - "$clinc/train.jsonl" widget-server/demo/kb "$work/kb" "$ARTICLES" "$QUESTIONS" <<'PY'
import json, pathlib, sys
texts = [json.loads(line)["text"] for line in open(sys.argv[1])]
bodies = []
for path in sorted(pathlib.Path(sys.argv[2]).glob("*.md")):
    body = path.read_text().split("+++", 2)[2]
    bodies.append(body)
out, n = pathlib.Path(sys.argv[3]), int(sys.argv[4])
for i in range(n):
    title = texts[(4 * i) % len(texts)].capitalize()
    questions = [texts[(4 * i + k) % len(texts)] for k in range(1, int(sys.argv[5]) + 1)]
    body = f"Article {i}: {title}.\n\n" + bodies[i % len(bodies)]
    (out / f"a{i:05}.md").write_text(
        "+++\n"
        f'id = "a{i:05}"\n'
        f"title = {json.dumps(title)}\n"
        + (f"questions = {json.dumps(questions)}\n" if questions else "")
        + "+++\n" + body)
PY
bench_config | sed 's|knowledge_dir = ".*"|knowledge_dir = "'"$work/kb"'"|; s|^\[matcher\]$|[matcher]\nembedding_cache = "'"$work/cache"'"|' > "$work/bench.toml"
grep -q '^embedding_cache' "$work/bench.toml" || { echo "no [matcher] table in the demo config; adapt the bench" >&2; exit 1; }
[ -n "${EMBED_IN_BACKGROUND_ABOVE:-}" ] &&
  sed -i 's|^embedding_cache = .*|&\nembed_in_background_above = '"$EMBED_IN_BACKGROUND_ABOVE"'|' "$work/bench.toml"

start() { # label [env...] → one table row; waits for the background embedding when it runs
  local label=$1; shift
  local begin serving done rss log="$work/server.log"
  begin=$(date +%s.%N)
  env "$@" FRONTLINE_LOG=info FRONTLINE_DATABASE_URL="sqlite://$work/store.db?mode=rwc" \
    FRONTLINE_LISTEN=127.0.0.1:18096 "$SERVER" --config "$work/bench.toml" > "$log" 2>&1 &
  pid=$!
  until curl -sf http://127.0.0.1:18096/healthz >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "the server exited during start-up" >&2; cat "$log" >&2; exit 1; }
    sleep 0.05
  done
  serving=$(date +%s.%N)
  rss=$(awk '/^VmRSS/ { print $2 / 1024 }' "/proc/$pid/status")
  done=
  if grep -q "serving before the articles are embedded" "$log"; then
    until grep -q "articles embedded" "$log"; do
      kill -0 "$pid" 2>/dev/null || { echo "the server exited while embedding" >&2; exit 1; }
      sleep 0.5
    done
    done=$(date +%s.%N)
    rss=$(awk '/^VmRSS/ { print $2 / 1024 }' "/proc/$pid/status")
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  if [ -n "$done" ]; then
    printf '| %s | %.1f | %.1f | %.0f |\n' "$label" "$(echo "$serving - $begin" | bc -l)" "$(echo "$done - $begin" | bc -l)" "$rss"
  else
    printf '| %s | %.1f | (at start) | %.0f |\n' "$label" "$(echo "$serving - $begin" | bc -l)" "$rss"
  fi
}

echo "| $ARTICLES + 48 articles | serving after s | articles embedded after s | RSS MB |"
echo "|---|---|---|---|"
start 'encoder = "none" (index only)' FRONTLINE_ENCODER=none
start "default encoder, empty cache (cold)"
start "default encoder, cache filled (warm)"
