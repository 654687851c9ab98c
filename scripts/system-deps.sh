# Sourced by test.sh and .ci/run: installs the real peers the tests start (HAProxy, nginx with
# its stream module, socat, openssl, systemd-socket-activate, nc) and Chromium (the docs site's
# link check, scripts/docs-check.sh) from Debian's packages when
# they are missing. Needs root and apt-get; elsewhere it says what is missing and goes on (the
# tests that need a missing peer then fail and name it).
set -euo pipefail

system_packages=(haproxy nginx libnginx-mod-stream socat openssl systemd netcat-openbsd chromium)
system_commands=(haproxy nginx socat openssl systemd-socket-activate nc chromium)

missing_commands() {
  local c out=()
  for c in "${system_commands[@]}"; do command -v "$c" >/dev/null 2>&1 || out+=("$c"); done
  [ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || out+=("ngx_stream_module")
  echo "${out[@]:-}"
}

if [ -n "$(missing_commands)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing ${system_packages[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${system_packages[@]}" >/dev/null
  fi
  still="$(missing_commands)"
  [ -z "$still" ] || echo "system-deps: not available: $still (tests that start them will fail)" >&2
fi
