#!/usr/bin/env bash
# A throw-away Redis for the Celery tests (Debian package redis-server).
#
#   scripts/redis.sh start   install if missing, start on a free port on 127.0.0.1 only with a random
#                            password and no persistence, wait until it answers; writes $REDIS_STATE/env
#   scripts/redis.sh stop    stop the server started by `start` and remove its files
#
# The env file exports SECTRA_DPAT_TEST_REDIS_URL (redis://:<password>@127.0.0.1:<port>/0) and
# SECTRA_DPAT_TEST_REDIS_SERVER (the binary, so tests can stop and restart it on the same port).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_apt.sh

STATE="${REDIS_STATE:-/tmp/sectra-dpat-redis}"
PY="${PY:-${VENV:-.venv}/bin/python}"
REDIS_BIN="${REDIS_BIN:-/usr/bin/redis-server}"

log() { echo "redis.sh: $*" >&2; }

install_redis() {
  [ -x "$REDIS_BIN" ] && return 0
  apt_install redis.sh redis-server
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  install_redis
  if [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
    log "already running (pid $(cat "$STATE/pid")); stop it first"
    return 1
  fi
  clean_state
  mkdir -p "$STATE"
  local port password
  port="$(free_port)"
  password="$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"
  cat >"$STATE/redis.conf" <<CONF
bind 127.0.0.1
protected-mode yes
port ${port}
requirepass ${password}
daemonize no
save ""
appendonly no
dir ${STATE}
logfile ${STATE}/redis.log
CONF
  chmod 600 "$STATE/redis.conf"
  "$REDIS_BIN" "$STATE/redis.conf" >/dev/null 2>&1 &
  echo $! >"$STATE/pid"
  if ! "$PY" - "$port" "$password" "$(cat "$STATE/pid")" <<'PYEOF'
import os, socket, sys, time
port, password, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
deadline = time.monotonic() + 15
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("redis-server exited during start-up")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(f"AUTH {password}\r\nPING\r\n".encode())
            seen = b""
            while b"\r\n" not in seen.partition(b"\r\n")[2]:  # two replies: +OK, then +PONG
                chunk = s.recv(100)
                if not chunk:
                    break
                seen += chunk
            if b"+PONG" in seen:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.05)
sys.exit("redis-server did not answer within 15 s")
PYEOF
  then
    log "start failed; log follows"
    cat "$STATE/redis.log" >&2 || true
    stop
    return 1
  fi
  cat >"$STATE/env" <<ENV
export SECTRA_DPAT_TEST_REDIS_URL='redis://:${password}@127.0.0.1:${port}/0'
export SECTRA_DPAT_TEST_REDIS_SERVER='${REDIS_BIN}'
ENV
  chmod 600 "$STATE/env"
  log "ready on 127.0.0.1:${port} (pid $(cat "$STATE/pid"))"
}

stop() {
  [ -f "$STATE/pid" ] || return 0
  local pid
  pid="$(cat "$STATE/pid")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  clean_state
}

clean_state() {  # only what `start` writes, never the whole directory (it may be a shared temp dir)
  rm -f "$STATE/pid" "$STATE/env" "$STATE/redis.conf" "$STATE/redis.log" "$STATE/dump.rdb"
}

case "${1:-}" in
  install) install_redis ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
