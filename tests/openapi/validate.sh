#!/usr/bin/env bash
# Validates the OpenAPI document that the real widget server serves at /openapi.json
# with openapi-spec-validator (schema, path parameters, unique operation ids).
# Needs target/<profile>/frontline-widget-server (profile from FRONTLINE_E2E_PROFILE, default
# debug: `cargo build --workspace --bins`) and Python 3 with venv; installs the pinned
# validator into target/openapi-validator.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=target/openapi-validator
requirements=tests/openapi/requirements.txt
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
fi
exec "$venv/bin/python" tests/openapi/validate.py "target/${FRONTLINE_E2E_PROFILE:-debug}/frontline-widget-server"
