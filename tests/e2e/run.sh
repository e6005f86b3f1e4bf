#!/usr/bin/env bash
# Runs the widget's browser tests against the real server binary.
#   cargo build --workspace --bins && bash tests/e2e/run.sh          # debug binaries
#   cargo build --release --workspace --bins && FRONTLINE_E2E_PROFILE=release bash tests/e2e/run.sh
# (tests/run.sh, and so CI, does the second: it builds the release profile only.)
# Each test file starts its own target/<profile>/frontline-widget-server (free port, temp
# SQLite file, admin token); the journey spec always starts target/release/frontline-widget-server
# and target/release/frontline-bot (the binaries as shipped) with the Slack stand-in.
# Screenshots and server logs land in tests/e2e/artifacts/.
# Set FRONTLINE_E2E_SERVER to run against another command, e.g. the dev mock:
#   FRONTLINE_E2E_SERVER="node widget-js/dev/mock-server.mjs" bash tests/e2e/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
profile=${FRONTLINE_E2E_PROFILE:-debug}
case "$profile" in
  debug) build="cargo build --workspace --bins" ;;
  *) build="cargo build --profile $profile --workspace --bins" ;;
esac

if [ -z "${FRONTLINE_E2E_SERVER:-}" ]; then
  for binary in "$profile/frontline-widget-server" "$profile/slack-standin" "$profile/oidc-provider"; do
    if [ ! -x "$repo/target/$binary" ]; then
      echo "error: $repo/target/$binary is missing; build it first with: $build" >&2
      exit 2
    fi
  done
  for binary in release/frontline-widget-server release/frontline-bot; do
    if [ ! -x "$repo/target/$binary" ]; then
      echo "error: $repo/target/$binary is missing (the journey spec runs the release binaries); build it first with: cargo build --release --workspace --bins" >&2
      exit 2
    fi
  done
fi
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "error: $chromium is missing; install it with: apt-get install -y chromium" >&2
  exit 2
fi
cd "$here"
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund
fi
rm -rf artifacts && mkdir -p artifacts
exec node --test --test-concurrency=1 --test-reporter=spec specs/*.test.mjs
