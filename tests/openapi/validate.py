"""Validates the OpenAPI document served by the real widget server.

Starts target/debug/frontline-widget-server on a free port with a scratch SQLite
store, fetches /openapi.json and checks it with openapi-spec-validator: the
structure against the OpenAPI schema, path parameters against the path
templates, and operation ids for uniqueness.
"""

import json
import os
import subprocess
import sys
import tempfile
import urllib.request

from openapi_spec_validator import validate

BINARY = os.path.join("target", "debug", "frontline-widget-server")
READY = "Frontline widget server listening on "


def served_document(binary):
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "FRONTLINE_LISTEN": "127.0.0.1:0",
            "FRONTLINE_DATABASE_URL": f"sqlite://{scratch}/openapi.db?mode=rwc",
            "FRONTLINE_LOG": "error",
        }
        server = subprocess.Popen(
            [binary], env=env, stdout=subprocess.PIPE, text=True
        )
        try:
            for line in server.stdout:
                if line.startswith(READY):
                    url = line[len(READY):].strip()
                    break
            else:
                sys.exit(f"{binary} exited ({server.wait()}) before it listened")
            with urllib.request.urlopen(f"{url}/openapi.json", timeout=30) as response:
                return json.load(response)
        finally:
            server.terminate()
            server.wait()


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else BINARY
    document = served_document(binary)
    validate(document)
    print(
        f"/openapi.json is valid OpenAPI {document['openapi']}: "
        f"{len(document['paths'])} paths"
    )


if __name__ == "__main__":
    main()
