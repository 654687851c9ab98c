#!/usr/bin/env bash
# `pnpm release`: version and pack every package with pending changesets, then publish.
#   pnpm release              # dry run: changeset version, changeset pack, npm publish --dry-run
#   pnpm release --publish    # the real thing: ... then changeset publish --from-pack-dir
# `changeset version` turns .changeset/*.md into new versions and a CHANGELOG.md per package
# (commit that before publishing for real). `changeset publish` has no dry run, so the dry run
# packs with `changeset pack` (the tarballs changeset publish would upload, workspace: ranges
# rewritten) and hands each to `npm publish --dry-run`. Needs the npm registry (changesets asks
# it which versions are already published).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
mode="${1:---dry-run}"
case "$mode" in --dry-run | --publish) ;; *) echo "usage: pnpm release [--dry-run | --publish]" >&2; exit 2 ;; esac

pnpm exec turbo run build --output-logs=errors-only
pnpm exec changeset version
out=".release"
rm -rf "$out"
pnpm exec changeset pack --out-dir "$out"
shopt -s nullglob
tarballs=("$out"/packages/*.tgz "$out"/*.tgz)
[ "${#tarballs[@]}" -gt 0 ] || { echo "release: nothing to publish" >&2; exit 0; }
for tarball in "${tarballs[@]}"; do
  echo "::: npm publish --dry-run $(basename "$tarball")"
  npm publish --dry-run --access public "$tarball"
done
if [ "$mode" = --publish ]; then
  pnpm exec changeset publish --from-pack-dir "$out"
else
  echo "release: dry run done (${#tarballs[@]} packages); 'pnpm release --publish' publishes"
fi
