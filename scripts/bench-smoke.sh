#!/usr/bin/env bash
# A few seconds of the bench: every server in the matrix starts, answers and stops (no
# targets asserted), so the bench never rots. CI runs it; `pnpm bench` is the real run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
pnpm install --frozen-lockfile --reporter=append-only >&2
pnpm run --silent bench:smoke
