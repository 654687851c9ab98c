#!/usr/bin/env bash
# CI's check of `pnpm release` (the dry run), in a copy of the repository so the real tree's
# pending changesets stay pending: `changeset version` writes a CHANGELOG.md per published
# package, `changeset pack` packs every one of them, `npm publish --dry-run` accepts each
# tarball, and each tarball carries LICENSE, README.md, CHANGELOG.md and its repository field.
# Needs the npm registry (changesets asks which versions are published). Ends with
# "release-check: N passed, N failed"; exit 0 only when all passed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
root="$PWD"
work="$(mktemp -d "${TMPDIR:-/tmp}/sockserve-release.XXXXXX")"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "::: PASS $1"; }
fail() { failed=$((failed + 1)); echo "::: FAIL $1" >&2; }

pnpm exec turbo run build --output-logs=errors-only
fingerprint() { cat "$root"/.changeset/* "$root"/packages/*/package.json | cksum; }
real_before="$(fingerprint)"

# The copy keeps each package's node_modules (pnpm's relative links into the root's, and the
# workspace links), so packing resolves workspace: ranges as in the real tree.
copy="$work/repo"
mkdir -p "$copy"
tar -C "$root" --exclude=./node_modules --exclude=./.git --exclude=./.test-results \
  --exclude=./bench/results --exclude=./docs/api --exclude=./.release -cf - . | tar -C "$copy" -xf -
ln -s "$root/node_modules" "$copy/node_modules"
(cd "$copy" && git init -q && git add -A &&
  git -c user.name=check -c user.email=check@localhost commit -qm snapshot)

published=()
for dir in packages/*/; do
  dir="${dir%/}"
  node -e 'process.exit(require(process.argv[1]).private ? 1 : 0)' "$root/$dir/package.json" &&
    published+=("$dir")
done

if (cd "$copy" && bash scripts/release.sh --dry-run); then
  pass "pnpm release (dry run) in a copy: changeset version, changeset pack, npm publish --dry-run"
else
  fail "pnpm release (dry run) in a copy"
fi
for dir in "${published[@]}"; do
  name="$(node -p 'require(process.argv[1]).name' "$copy/$dir/package.json")"
  version="$(node -p 'require(process.argv[1]).version' "$copy/$dir/package.json")"
  [ -s "$copy/$dir/CHANGELOG.md" ] && grep -q "^## $version" "$copy/$dir/CHANGELOG.md" &&
    pass "$name: CHANGELOG.md has $version" || fail "$name: no CHANGELOG.md entry for $version"
  tarball="$copy/.release/packages/$(echo "$name" | sed 's/^@//; s#/#-#')-$version.tgz"
  if [ -f "$tarball" ] &&
    listing="$(tar tzf "$tarball")" &&
    grep -qx package/LICENSE <<<"$listing" && grep -qx package/README.md <<<"$listing" &&
    grep -qx package/CHANGELOG.md <<<"$listing" &&
    tar xzOf "$tarball" package/package.json | node -e '
      const p = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
      const ok = p.repository?.directory && p.homepage && p.bugs?.url && p.author && p.license === "MIT" &&
        !JSON.stringify(p.dependencies ?? {}).includes("workspace:");
      process.exit(ok ? 0 : 1);'; then
    pass "$name: packed with LICENSE, README, CHANGELOG, repository/homepage/bugs/author, no workspace: ranges"
  else
    fail "$name: tarball missing or incomplete ($tarball)"
  fi
done
[ "$(fingerprint)" = "$real_before" ] && pass "the real tree's changesets and versions are untouched" ||
  fail "the real tree's .changeset/ or package.json files changed"
echo "release-check: $passed passed, $failed failed"
[ "$failed" = 0 ]
