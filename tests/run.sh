#!/usr/bin/env bash
# Runs every check and test Frontline has: formatting, lints, the widget bundle,
# the Rust suites (unit, integration, end-to-end) and the browser tests.
# PostgreSQL variants run when FRONTLINE_TEST_POSTGRES_URL is set (CI sets it).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s ==\n' "$*"; }

step "formatting"
cargo fmt --all -- --check

step "lints"
cargo clippy --workspace --all-targets -- -D warnings

if [ -f widget-js/package.json ]; then
  step "widget bundle is up to date"
  npm ci --prefix widget-js --no-audit --no-fund --loglevel=error
  npm run --prefix widget-js --silent check-bundle
fi

step "Rust tests"
cargo build --workspace --bins
cargo test --workspace

step "OpenAPI document passes openapi-spec-validator"
bash tests/openapi/validate.sh

if [ -f tests/e2e/run.sh ]; then
  step "browser tests"
  # The journey spec runs the release binaries (as shipped); the other specs the debug ones.
  cargo build --release -p frontline-widget-server -p frontline-bot
  bash tests/e2e/run.sh
fi

step "all tests passed"
