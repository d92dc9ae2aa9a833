#!/usr/bin/env bash
# Make sure Debian's chromium is installed for the viewer's browser tests (tests/viewer; playwright drives it,
# no browser download). Installs it with apt-get when run as root; otherwise says what is missing.
set -euo pipefail
CHROMIUM="${SECTRA_DPAT_CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
. "$(dirname "$0")/_apt.sh"
if ! apt_install chromium.sh chromium fonts-dejavu-core; then
  echo "chromium.sh: the viewer tests will be skipped" >&2
  exit 1
fi
