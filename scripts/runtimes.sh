#!/usr/bin/env bash
# Bun and Deno, installed from the npm registry (packages `bun` and `deno`, pinned below) into
# ~/.cache/sockserve: runs the README's quick start, ESM / .mts / CommonJS servers, the
# threading and forking servers, the `sockserve` command and the example servers under each
# (examples/runtimes.ts), talks to them with Node and Python clients, and prints what works.
# Exit 1 only on a regression: a case the README states works under that runtime that fails.
# A runtime that can't be installed (no registry) is reported and skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
cache="${SOCKSERVE_CACHE:-$HOME/.cache/sockserve}"
bun_version=1.4.5
deno_version=2.9.6

install() { # $1 = package, $2 = version -> path of its binary, or nothing
  local dir="$cache/$1-$2"
  if [ ! -x "$dir/node_modules/.bin/$1" ]; then
    echo "runtimes: installing $1@$2 into $dir" >&2
    npm install --silent --no-audit --no-fund --prefix "$dir" "$1@$2" >&2 || return 0
  fi
  [ -x "$dir/node_modules/.bin/$1" ] && echo "$dir/node_modules/.bin/$1"
}

pnpm exec turbo run build --output-logs=errors-only
status=0
summary=()
for runtime in bun deno; do
  version_var="${runtime}_version"
  version="${!version_var}"
  binary="$(install "$runtime" "$version")"
  if [ -z "$binary" ]; then
    summary+=("runtimes: $runtime $version: not installed (registry unreachable?), skipped")
    continue
  fi
  command=("$binary")
  [ "$runtime" = deno ] && command+=(run -A)
  log="$(mktemp "${TMPDIR:-/tmp}/sockserve-runtimes.XXXXXX")"
  node examples/runtimes.ts "$runtime" "$version" "${command[@]}" >"$log" 2>&1 || status=1
  sed -n "/^$runtime $version:/,\$p" "$log"
  summary+=("$(tail -n 1 "$log")")
  rm -f "$log"
done
echo
printf '%s\n' "${summary[@]}"
exit "$status"
