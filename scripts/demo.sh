#!/usr/bin/env bash
# The main job: install, build, start the example servers and talk to them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
pnpm install --frozen-lockfile --reporter=append-only >&2
pnpm run --silent demo
