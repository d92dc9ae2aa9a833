#!/usr/bin/env bash
# Fetch the simulator viewer's JavaScript (OpenSeadragon, pinned in package.json / package-lock.json) from the
# npm registry and copy it, with its licence, into the package (gitignored; hatchling ships it as an artifact).
#
#   scripts/viewer-assets.sh          fetch unless the pinned version is already in place
#   scripts/viewer-assets.sh --force  fetch again
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_apt.sh

DEST=sectra_dpat_client/simulator/viewer_static/vendor/openseadragon
VERSION=$(sed -n 's/.*"openseadragon": *"\([^"]*\)".*/\1/p' package.json)
log() { echo "viewer-assets.sh: $*" >&2; }

if [ "${1:-}" != "--force" ] && [ -f "$DEST/VERSION" ] && [ "$(cat "$DEST/VERSION")" = "$VERSION" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  if ! apt_install viewer-assets.sh npm; then
    log "npm is not installed: the simulator's viewer will have no OpenSeadragon"
    exit 1
  fi
fi
# npm ci checks the tarball against the integrity hash in package-lock.json; no install scripts run.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
SRC=node_modules/openseadragon
mkdir -p "$(dirname "$DEST")"
tmp=$(mktemp -d "$(dirname "$DEST")/.openseadragon.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$SRC/build/openseadragon/openseadragon.min.js" "$tmp/"
cp -r "$SRC/build/openseadragon/images" "$tmp/images"
cp "$SRC/LICENSE.txt" "$tmp/LICENSE.txt"
echo "$VERSION" >"$tmp/VERSION"
rm -rf "$DEST"
mv "$tmp" "$DEST"
trap - EXIT
log "OpenSeadragon $VERSION in $DEST"
