#!/usr/bin/env bash
# Run the test suite with the services it needs, and stop them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${VENV:-.venv}/bin/python"

# Orthanc for the QIDO-RS tests (tests marked `orthanc`): started here, stopped on exit even when tests fail.
# If it cannot start, those tests fail under CI=true and are skipped elsewhere (tests/qido/conftest.py).
export ORTHANC_STATE="${ORTHANC_STATE:-$(mktemp -d -t sectra-dpat-orthanc.XXXXXX)}"
# Redis for the Celery backend tests (tests/scale): same pattern, skipped there when it cannot start.
export REDIS_STATE="${REDIS_STATE:-$(mktemp -d -t sectra-dpat-redis.XXXXXX)}"
trap 'PY="$PY" bash scripts/orthanc.sh stop; rmdir "$ORTHANC_STATE" 2>/dev/null || true
      PY="$PY" bash scripts/redis.sh stop; rmdir "$REDIS_STATE" 2>/dev/null || true' EXIT
if PY="$PY" bash scripts/redis.sh start; then
  # shellcheck disable=SC1091
  source "$REDIS_STATE/env"
else
  echo "run-tests.sh: Redis could not be started; the Celery backend tests will be skipped" >&2
fi
if PY="$PY" bash scripts/orthanc.sh start; then
  # shellcheck disable=SC1091
  source "$ORTHANC_STATE/env"
else
  echo "run-tests.sh: Orthanc could not be started; the QIDO-RS integration tests will not pass" >&2
fi

# Debian chromium for the viewer tests (tests/viewer; headless, driven by playwright, no browser download).
bash scripts/chromium.sh || echo "run-tests.sh: no chromium; the viewer browser tests will not pass" >&2

# --durations: the slowest tests are listed at the end, to keep the suite well under 20 minutes on 2 cores.
"$PY" -m pytest --durations=30 "$@"
