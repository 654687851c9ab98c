#!/usr/bin/env bash
# The test command: install, build, lint, type-check, and run every test on real loopback
# sockets. Ends with one line "<node>: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
source scripts/system-deps.sh
pnpm install --frozen-lockfile --reporter=append-only >&2
pnpm exec turbo run build typecheck --output-logs=errors-only
pnpm exec biome check .
mkdir -p .test-results
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.test-results/vitest.json || status=$?
node scripts/summarize-tests.mjs .test-results/vitest.json "node$(node -p 'process.versions.node.split(".")[0]')"
exit "$status"
