#!/usr/bin/env bash
# Runs every check and test Frontline has: formatting, lints, the widget bundle,
# the Rust suites (unit, integration, end-to-end) and the browser tests.
# PostgreSQL variants run when FRONTLINE_TEST_POSTGRES_URL is set (CI sets it).
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step prints the time it starts, so a CI log shows where its minutes went.
step() { printf '\n== %s (%s) ==\n' "$*" "$(date -u +%H:%M:%S)"; }

step "formatting"
cargo fmt --all -- --check

step "lints"
cargo clippy --workspace --all-targets -- -D warnings

if [ -f widget-js/package.json ]; then
  step "widget bundle is up to date"
  npm ci --prefix widget-js --no-audit --no-fund --loglevel=error
  npm run --prefix widget-js --silent check-bundle
fi

# One build profile for everything: the release binaries are what the journey spec must run
# (as shipped), so the suite runs on them too instead of compiling every dependency a second
# time for a debug build. Test code itself (frontline-tests) is compiled at opt-level 0.
step "release build"
cargo build --release --workspace --bins

step "Rust tests (release profile)"
# A failing test's message names what it waited for; a backtrace after it would push it
# out of the tail of a CI log that is cut. FRONTLINE_TEST_BACKTRACE=1 brings it back.
export RUST_BACKTRACE="${FRONTLINE_TEST_BACKTRACE:-0}"
cargo test --release --workspace

step "OpenAPI document passes openapi-spec-validator"
FRONTLINE_E2E_PROFILE=release bash tests/openapi/validate.sh

if [ -f tests/e2e/run.sh ]; then
  step "browser tests"
  FRONTLINE_E2E_PROFILE=release bash tests/e2e/run.sh
fi

step "all tests passed"
