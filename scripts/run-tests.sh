#!/usr/bin/env bash
# Run the test suite with the services it needs, and stop them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${VENV:-.venv}/bin/python"

"$PY" -m pytest "$@"
