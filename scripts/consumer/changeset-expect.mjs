// Checks what `changeset version` did in a copy of the repository against what the sample
// changeset asks: the named packages get their bump; a published package that depends on a
// bumped one ("dependencies" / "peerDependencies", workspace:^ ranges) gets a patch only when
// the new version leaves its range, as changesets does; nothing else moves.
//   node changeset-expect.mjs COPY_DIR '{"@sockserve/tcp":"minor"}' BEFORE_JSON PACKAGE_DIR...
import { readdirSync, readFileSync } from 'node:fs';

const [copy, sampleJson, beforeJson, ...dirs] = process.argv.slice(2);
const sample = JSON.parse(sampleJson);
const before = JSON.parse(beforeJson);
const manifests = dirs.map((dir) =>
  JSON.parse(readFileSync(`${copy}/${dir}/package.json`, 'utf8')),
);

const parse = (v) => v.split('.').map(Number);
function bump(version, type) {
  const [major, minor, patch] = parse(version);
  if (type === 'major') return `${major + 1}.0.0`;
  if (type === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}
/** Does `version` satisfy `range` (workspace:^ / ^x.y.z / ~x.y.z / * / exact), given `current`? */
function satisfies(version, range, current) {
  const spec = range.startsWith('workspace:') ? range.slice('workspace:'.length) : range;
  if (spec === '*') return true;
  const [op, base] = spec === '^' || spec === '~' ? [spec, current] : [spec[0], spec.slice(1)];
  const [a, b, c] = parse(version);
  const [x, y, z] = parse(base);
  const atLeast = a > x || (a === x && (b > y || (b === y && c >= z)));
  if (op === '^') {
    if (x > 0) return atLeast && a === x;
    if (y > 0) return atLeast && a === 0 && b === y;
    return a === 0 && b === 0 && c === z;
  }
  if (op === '~') return atLeast && a === x && b === y;
  return version === spec;
}

const expected = new Map(
  Object.entries(sample).map(([name, type]) => [name, bump(before[name], type)]),
);
for (let grew = true; grew; ) {
  grew = false;
  for (const m of manifests) {
    if (expected.has(m.name)) continue;
    const deps = { ...m.dependencies, ...m.peerDependencies };
    const leaves = Object.entries(deps).some(
      ([dep, range]) => expected.has(dep) && !satisfies(expected.get(dep), range, before[dep]),
    );
    if (leaves) {
      expected.set(m.name, bump(before[m.name], 'patch'));
      grew = true;
    }
  }
}

let ok = true;
for (const m of manifests) {
  const want = expected.get(m.name) ?? before[m.name];
  if (m.version !== want) ok = false;
  const mark = m.version === want ? 'ok ' : 'BAD';
  console.log(`  ${mark} ${m.name}: ${before[m.name]} -> ${m.version} (expected ${want})`);
}
const left = readdirSync(`${copy}/.changeset`).filter((f) => f.startsWith('consumer-check-'));
if (left.length > 0) {
  console.log(`  BAD the sample changeset was not consumed: ${left.join(', ')}`);
  ok = false;
}
process.exit(ok ? 0 : 1);
