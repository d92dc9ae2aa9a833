#!/usr/bin/env bash
# A throw-away Orthanc DICOMweb server for the QIDO-RS tests (Debian packages orthanc + orthanc-dicomweb).
#
#   scripts/orthanc.sh start   install if missing, write a config, start on a free loopback port with Basic
#                              auth, wait until ready, seed >= 100 synthetic studies; writes $ORTHANC_STATE/env
#   scripts/orthanc.sh stop    stop the server started by `start` and remove its data
#
# $ORTHANC_STATE (default /tmp/sectra-dpat-orthanc) holds the config, database, log, pid, manifest and env file.
# The env file exports SECTRA_DPAT_TEST_QIDO_URL / _USER / _PASSWORD / _MANIFEST for the tests.
# Orthanc 1.10 cannot bind to 127.0.0.1 only: RemoteAccessAllowed=false makes it refuse non-loopback clients.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_apt.sh

STATE="${ORTHANC_STATE:-/tmp/sectra-dpat-orthanc}"
PY="${PY:-${VENV:-.venv}/bin/python}"
ORTHANC_BIN="${ORTHANC_BIN:-/usr/sbin/Orthanc}"
DICOMWEB_PLUGIN="${DICOMWEB_PLUGIN:-/usr/share/orthanc/plugins/libOrthancDicomWeb.so}"
ORTHANC_USER="${ORTHANC_USER:-ciuser}"
ORTHANC_PASS="${ORTHANC_PASS:-cipass-$RANDOM$RANDOM}"
SEED_STUDIES="${ORTHANC_SEED_STUDIES:-100}"

log() { echo "orthanc.sh: $*" >&2; }

install_orthanc() {
  [ -x "$ORTHANC_BIN" ] && [ -e "$DICOMWEB_PLUGIN" ] && return 0
  apt_install orthanc.sh orthanc orthanc-dicomweb
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  install_orthanc
  if [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
    log "already running (pid $(cat "$STATE/pid")); stop it first"
    return 1
  fi
  clean_state
  mkdir -p "$STATE/db"
  local port url
  port="$(free_port)"
  url="http://127.0.0.1:${port}"
  cat >"$STATE/orthanc.json" <<EOF
{ "Name": "SectraDpatQidoTests",
  "StorageDirectory": "$STATE/db", "IndexDirectory": "$STATE/db",
  "Plugins": [ "$DICOMWEB_PLUGIN" ],
  "HttpServerEnabled": true, "HttpPort": ${port},
  "RemoteAccessAllowed": false, "AuthenticationEnabled": true,
  "RegisteredUsers": { "${ORTHANC_USER}": "${ORTHANC_PASS}" },
  "DicomServerEnabled": false, "WebDavEnabled": false, "OrthancExplorerEnabled": false,
  "SaveJobs": false, "LimitFindResults": 0,
  "DicomWeb": { "Enable": true, "Root": "/dicom-web/", "EnableWado": false,
                "Host": "127.0.0.1:${port}", "Ssl": false } }
EOF
  chmod 600 "$STATE/orthanc.json"
  "$ORTHANC_BIN" "$STATE/orthanc.json" >"$STATE/orthanc.log" 2>&1 &
  echo $! >"$STATE/pid"
  if ! "$PY" - "$url" "$ORTHANC_USER" "$ORTHANC_PASS" "$(cat "$STATE/pid")" <<'EOF'
import os, sys, time, httpx
url, user, password, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("Orthanc exited during start-up")
    try:
        if httpx.get(f"{url}/system", auth=(user, password), timeout=2).status_code == 200:
            sys.exit(0)
    except httpx.TransportError:
        pass
    time.sleep(0.1)
sys.exit("Orthanc did not answer within 30 s")
EOF
  then
    log "start failed; log follows"
    cat "$STATE/orthanc.log" >&2
    stop
    return 1
  fi
  "$PY" scripts/orthanc_seed.py "$url" "$ORTHANC_USER" "$ORTHANC_PASS" "$STATE/manifest.json" "$SEED_STUDIES" >&2
  cat >"$STATE/env" <<EOF
export SECTRA_DPAT_TEST_QIDO_URL='${url}/dicom-web'
export SECTRA_DPAT_TEST_QIDO_USER='${ORTHANC_USER}'
export SECTRA_DPAT_TEST_QIDO_PASSWORD='${ORTHANC_PASS}'
export SECTRA_DPAT_TEST_QIDO_MANIFEST='${STATE}/manifest.json'
EOF
  log "ready at ${url}/dicom-web (pid $(cat "$STATE/pid"))"
}

stop() {
  [ -f "$STATE/pid" ] || return 0
  local pid
  pid="$(cat "$STATE/pid")"
  # The data is throw-away: SIGKILL saves the ~3 s a clean SIGTERM shutdown takes.
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  clean_state
}

clean_state() {  # only what `start` writes, never the whole directory (it may be a shared temp dir)
  rm -rf "$STATE/db"
  rm -f "$STATE/pid" "$STATE/env" "$STATE/manifest.json" "$STATE/orthanc.json" "$STATE/orthanc.log"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
