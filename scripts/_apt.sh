# Shared by the set-up scripts (source it): install Debian packages with apt-get when run as root.
# apt_install WHO PACKAGE... : returns 1 (after saying so on stderr) when apt-get as root is not available.
# The packages' own system services (e.g. Orthanc on 4242, Redis on 6379) are kept from starting:
# the test scripts run their own instances on free loopback ports.

apt_install() {
  local who="$1"
  shift
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "$who: $* not installed and apt-get as root is not available" >&2
    return 1
  fi
  echo "$who: installing $* with apt-get" >&2
  local policy=/usr/sbin/policy-rc.d added="" status=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && added=1
  fi
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; } || status=$?
  [ -z "$added" ] || rm -f "$policy"
  return "$status"
}
