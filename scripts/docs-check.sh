#!/usr/bin/env bash
# The docs site as CI checks it: `pnpm run docs` (TypeDoc with treatWarningsAsErrors: one
# warning fails) builds docs/api, then headless Chromium opens it from a static server on
# 127.0.0.1 and follows every internal link (scripts/docs-links.mjs). Ends with
# "docs-links: N broken"; exit 0 only with zero warnings and zero broken links.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
source scripts/system-deps.sh
rm -rf docs/api
pnpm run docs
node scripts/docs-links.mjs docs/api
