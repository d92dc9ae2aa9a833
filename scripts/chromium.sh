#!/usr/bin/env bash
# Make sure Debian's chromium is installed for the viewer's browser tests (tests/viewer; playwright drives it,
# no browser download). Installs it with apt-get when run as root; otherwise says what is missing.
set -euo pipefail
CHROMIUM="${SECTRA_DPAT_CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "chromium.sh: $CHROMIUM is missing and apt-get as root is not available; the viewer tests will be skipped" >&2
  exit 1
fi
echo "chromium.sh: installing chromium with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
