#!/usr/bin/env bash
# Consumer checks: what a user who installs the published packages gets.
#   1. build, and `pnpm pack` every published package (packages/* not "private") into a temp dir
#   2. a fresh folder installs only @sockserve/tcp + @sockserve/threading (+ @sockserve/core)
#      from those tarballs with plain npm, runs a threading TCP server whose handler is a .mjs
#      module, talks to it with a Node client, stops it with SIGTERM (exit 0)
#   3. tsc (module nodenext, strict, no skipLibCheck; TypeScript 5.9 and 7) type-checks a
#      consumer .ts file against the installed .d.ts files
#   4. publint and @arethetypeswrong/cli (profile esm-only) on every tarball; errors fail
#   3b. @sockserve/tls (+ core, proxy-protocol, stream, tcp) from the tarballs: a TLS echo with a
#      certificate made by `openssl req` at run time, a verifying tls.connect client
#      (scripts/consumer/tls-echo.mjs)
#   4b. a third party's conformance run: @sockserve/conformance + core + stream + tcp from the
#      tarballs, vitest (the repo's, the peer) runs scripts/consumer/conformance.test.mjs
#   5. `changeset version` on a sample changeset, in a copy of the repository, bumps only the
#      package it names and the dependents the config says (the real tree is not touched)
# Ends with a summary; exit 0 only when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
root="$PWD"
work="$(mktemp -d "${TMPDIR:-/tmp}/sockserve-consumer.XXXXXX")"
trap 'rm -rf "$work"' EXIT

results=()
failed=0
pass() { results+=("PASS  $1"); echo "::: PASS $1"; }
fail() { results+=("FAIL  $1"); echo "::: FAIL $1" >&2; failed=1; }
summary() {
  echo
  echo "::: consumer check summary"
  printf '%s\n' "${results[@]}"
  local passed=0 total=${#results[@]}
  for line in "${results[@]}"; do [[ $line == PASS* ]] && passed=$((passed + 1)); done
  echo "consumer-check: $passed passed, $((total - passed)) failed"
}

echo "::: build"
pnpm install --frozen-lockfile --reporter=append-only >&2
pnpm exec turbo run build --output-logs=errors-only

echo "::: pack"
mkdir -p "$work/tarballs"
published=()
for dir in packages/*/; do
  dir="${dir%/}"
  [ -f "$dir/package.json" ] || continue
  if node -e 'process.exit(require(process.argv[1]).private ? 0 : 1)' "$root/$dir/package.json"; then
    continue
  fi
  published+=("$dir")
  (cd "$dir" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
tarball() { # $1 = package name -> its tarball path
  local file
  file="$(node -e '
    const [name, dir] = process.argv.slice(1);
    const base = name.replace(/^@/, "").replace("/", "-");
    const hit = require("node:fs").readdirSync(dir).find((f) => new RegExp(`^${base}-\\d`).test(f));
    if (hit) console.log(`${dir}/${hit}`);
  ' "$1" "$work/tarballs")"
  [ -n "$file" ] || { echo "no tarball for $1" >&2; return 1; }
  echo "$file"
}
ls -1 "$work/tarballs"
pass "packed ${#published[@]} published packages"

echo "::: fresh consumer: npm install @sockserve/tcp + @sockserve/threading from the tarballs"
consumer="$work/consumer"
mkdir -p "$consumer"
cp scripts/consumer/handler.mjs scripts/consumer/server.mjs scripts/consumer/client.mjs \
  scripts/consumer/consumer.ts "$consumer/"
cat >"$consumer/package.json" <<'JSON'
{ "name": "sockserve-consumer", "private": true, "type": "module" }
JSON
cat >"$consumer/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": false,
    "types": ["node"]
  },
  "files": ["consumer.ts"]
}
JSON
# Offline: the tarballs need nothing from a registry. TypeScript and @types/node (with its
# undici-types) come from this repo's install, so the check can't hang on the network.
types_node=$(cd "$root" && node -p "require('node:path').dirname(require.resolve('@types/node/package.json'))")
undici_types=$(node -p "require('node:path').dirname(require.resolve('undici-types/package.json', { paths: [process.argv[1]] }))" "$types_node")
if (cd "$consumer" && npm install --offline --no-audit --no-fund --loglevel=error \
  "$(tarball @sockserve/core)" "$(tarball @sockserve/proxy-protocol)" \
  "$(tarball @sockserve/tcp)" "$(tarball @sockserve/threading)") &&
  mkdir -p "$consumer/node_modules/@types" &&
  cp -rL "$types_node" "$consumer/node_modules/@types/node" &&
  cp -rL "$undici_types" "$consumer/node_modules/undici-types"; then
  # Every @sockserve package must come from a tarball (one copy of core, none from a registry).
  if (cd "$consumer" && node -e '
    const fs = require("node:fs");
    const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
    const bad = Object.entries(lock.packages)
      .filter(([path]) => path.includes("@sockserve/"))
      .filter(([path, entry]) => path.split("node_modules/").length > 2 || !String(entry.resolved).startsWith("file:"));
    for (const [path, entry] of bad) console.error(`not from a tarball, or nested: ${path} ${entry.resolved}`);
    process.exit(bad.length ? 1 : 0);
  '); then
    pass "npm installed @sockserve/core, proxy-protocol, tcp, threading from the tarballs"
  else
    fail "npm installed @sockserve/* from somewhere else than the tarballs"
  fi
else
  fail "npm install in a fresh folder"
fi

echo "::: consumer: a threading TCP server with a .mjs handler, a Node client, SIGTERM"
if (cd "$consumer" && node client.mjs); then
  pass "ESM consumer: threading TCP server answered and exited 0 on SIGTERM"
else
  fail "ESM consumer: threading TCP server"
fi

echo "::: consumer: tsc --noEmit (module nodenext, strict), TypeScript 5.9 and 7"
for compiler in typescript typescript-7; do
  version="$(node -p 'require(process.argv[1]).version' "$root/node_modules/$compiler/package.json")"
  if (cd "$consumer" && node "$root/node_modules/$compiler/bin/tsc" -p tsconfig.json); then
    pass "TypeScript $version consumer type-checks (nodenext, strict, skipLibCheck false)"
  else
    fail "TypeScript $version consumer type-check"
  fi
done

echo "::: TLS consumer: @sockserve/tls from its tarball, a TLS echo with a certificate made now"
tls_consumer="$work/tls-consumer"
mkdir -p "$tls_consumer"
cp scripts/consumer/tls-echo.mjs "$tls_consumer/"
cat >"$tls_consumer/package.json" <<'JSON'
{ "name": "sockserve-tls-consumer", "private": true, "type": "module" }
JSON
if (cd "$tls_consumer" && npm install --offline --no-audit --no-fund --loglevel=error \
  "$(tarball @sockserve/core)" "$(tarball @sockserve/proxy-protocol)" \
  "$(tarball @sockserve/stream)" "$(tarball @sockserve/tcp)" "$(tarball @sockserve/tls)") &&
  (cd "$tls_consumer" && node tls-echo.mjs); then
  pass "@sockserve/tls from its tarball: a TLS echo answered a verified tls.connect client"
else
  fail "@sockserve/tls from its tarball: the TLS echo"
fi

echo "::: third-party conformance run: @sockserve/conformance from its tarball, under vitest"
conformance="$work/conformance-consumer"
mkdir -p "$conformance"
cp scripts/consumer/conformance.test.mjs "$conformance/"
cat >"$conformance/package.json" <<'JSON'
{ "name": "sockserve-conformance-consumer", "private": true, "type": "module" }
JSON
# vitest is the suite's peer: --legacy-peer-deps keeps npm offline, and the repo's vitest is
# linked in (its own dependencies resolve from its real path).
if (cd "$conformance" && npm install --offline --legacy-peer-deps --no-audit --no-fund \
  --loglevel=error "$(tarball @sockserve/core)" "$(tarball @sockserve/proxy-protocol)" \
  "$(tarball @sockserve/stream)" "$(tarball @sockserve/tcp)" "$(tarball @sockserve/conformance)") &&
  ln -s "$(readlink -f "$root/node_modules/vitest")" "$conformance/node_modules/vitest" &&
  (cd "$conformance" && node node_modules/vitest/vitest.mjs run --root .); then
  pass "@sockserve/conformance from its tarball: the stream suite passes over @sockserve/tcp"
else
  fail "@sockserve/conformance from its tarball under vitest"
fi

echo "::: publint and attw on every tarball"
for dir in "${published[@]}"; do
  name="$(node -p 'require(process.argv[1]).name' "$root/$dir/package.json")"
  file="$(tarball "$name")"
  if pnpm exec publint run "$file" --level warning; then
    pass "publint $name"
  else
    fail "publint $name"
  fi
  if pnpm exec attw "$file" --profile esm-only --no-definitely-typed --no-emoji --no-color \
    --format table-flipped; then
    pass "attw (esm-only) $name"
  else
    fail "attw (esm-only) $name"
  fi
done

echo "::: changeset version on a sample changeset, in a copy of the repository"
fingerprint() { cat "$root"/.changeset/* "$root"/packages/*/package.json | cksum; }
real_before="$(fingerprint)"
copy="$work/repo"
mkdir -p "$copy"
tar -C "$root" --exclude=./node_modules --exclude='./*/node_modules' --exclude='./*/*/node_modules' \
  --exclude=./.git --exclude='*/dist' --exclude='*/.turbo' --exclude=./.test-results \
  --exclude=./bench/results --exclude=./docs/api -cf - . | tar -C "$copy" -xf -
ln -s "$root/node_modules" "$copy/node_modules"
find "$copy/.changeset" -name '*.md' ! -name README.md -delete
(cd "$copy" && git init -q && git add -A &&
  git -c user.name=check -c user.email=check@localhost commit -qm snapshot)
versions() { # the published packages' versions in the copy, as JSON
  node -e '
    const [copy, ...dirs] = process.argv.slice(1);
    const out = {};
    for (const d of dirs) { const p = require(`${copy}/${d}/package.json`); out[p.name] = p.version; }
    console.log(JSON.stringify(out));
  ' "$copy" "${published[@]}"
}
# A patch stays inside dependents' workspace:^ ranges (only the package moves); a minor in
# 0.x leaves them (its dependents get a patch, its dev-dependents don't).
for bump in patch minor; do
  git -C "$copy" checkout -q -- . && git -C "$copy" clean -fdq
  before="$(versions)"
  printf -- '---\n"@sockserve/tcp": %s\n---\n\nSample changeset of the consumer check.\n' "$bump" \
    >"$copy/.changeset/consumer-check-sample.md"
  echo "sample changeset: @sockserve/tcp $bump"
  if (cd "$copy" && "$root/node_modules/.bin/changeset" version >/dev/null) &&
    node scripts/consumer/changeset-expect.mjs "$copy" "{\"@sockserve/tcp\":\"$bump\"}" \
      "$before" "${published[@]}"; then
    pass "changeset version: a $bump of @sockserve/tcp bumps it and only the dependents it should"
  else
    fail "changeset version: a $bump of @sockserve/tcp"
  fi
done
if [ "$(fingerprint)" = "$real_before" ]; then
  pass "the real tree's changesets and package versions are untouched"
else
  fail "the real tree's .changeset/ or package.json files changed"
fi

summary
exit "$failed"
