/**
 * Writes the options tables of the package READMEs from the option declarations, so a table
 * can't drift from the code. A README marks each table:
 *
 *     <!-- options-table @sockserve/tcp TCP_OPTIONS +base -->
 *     (generated)
 *     <!-- /options-table -->
 *
 * naming the package (or subpath: `@sockserve/core/kit`) and the exported option set (`+base`: a last row pointing to the
 * options every server takes). Reads the built packages (`dist`): build first.
 *
 *     node scripts/options-tables.ts          rewrite the READMEs
 *     node scripts/options-tables.ts --check  exit 1 when a README is out of date
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Spec {
  readonly doc: string;
  readonly defaultText: string;
}

interface OptionSetLike {
  readonly names: readonly string[];
  readonly specs: Readonly<Record<string, Spec>>;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MARKER = /<!-- options-table (\S+) (\w+)( \+base)? -->\n[\s\S]*?<!-- \/options-table -->/g;

/** The package folders by package name. */
function packageFolders(): Map<string, string> {
  const folders = new Map<string, string>();
  for (const entry of readdirSync(join(ROOT, 'packages'), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const folder = join(ROOT, 'packages', entry.name);
    try {
      const { name } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
      folders.set(name, folder);
    } catch {
      // Not a package.
    }
  }
  return folders;
}

/** Loads export `name` of `specifier` (a package, or a package's subpath such as `@sockserve/core/kit`). */
async function loadSet(folders: Map<string, string>, specifier: string, name: string) {
  const [scope = '', base = '', ...subpath] = specifier.split('/');
  const pkg = `${scope}/${base}`;
  const folder = folders.get(pkg);
  if (folder === undefined) throw new Error(`options-table: no package ${pkg}`);
  const module = await import(pathToFileURL(join(folder, 'dist', ...subpath, 'index.js')).href);
  const set = module[name] as OptionSetLike | undefined;
  if (set?.specs === undefined)
    throw new Error(`options-table: ${pkg} exports no option set ${name}`);
  return set;
}

/** The markdown table of `set`. */
export function renderTable(set: OptionSetLike, base?: OptionSetLike): string {
  const rows = ['| option | default | meaning |', '|---|---|---|'];
  for (const name of set.names) {
    const spec = set.specs[name] as Spec;
    rows.push(`| \`${name}\` | ${spec.defaultText} | ${spec.doc} |`);
  }
  if (base !== undefined) {
    const names = base.names.map((name) => `\`${name}\``).join(', ');
    rows.push(`| ${names} | | the options every server takes: see \`@sockserve/core\` |`);
  }
  return rows.join('\n');
}

/** `text` (a README) with every marked table rewritten from the declarations. */
export async function renderReadme(text: string): Promise<string> {
  const folders = packageFolders();
  const base = await loadSet(folders, '@sockserve/core/kit', 'BASE_SERVER_OPTIONS');
  const tables: string[] = [];
  for (const [, pkg, name, withBase] of text.matchAll(MARKER)) {
    const set = await loadSet(folders, pkg as string, name as string);
    tables.push(renderTable(set, withBase === undefined ? undefined : base));
  }
  let index = 0;
  return text.replace(MARKER, (_block, pkg: string, name: string, withBase = '') => {
    const table = tables[index++] as string;
    return `<!-- options-table ${pkg} ${name}${withBase} -->\n${table}\n<!-- /options-table -->`;
  });
}

/** The README files that may hold tables. */
export function readmes(): string[] {
  return [...packageFolders().values()].map((folder) => join(folder, 'README.md'));
}

async function main(check: boolean): Promise<void> {
  const stale: string[] = [];
  for (const file of readmes()) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const rendered = await renderReadme(text);
    if (rendered === text) continue;
    stale.push(file.slice(ROOT.length));
    if (!check) writeFileSync(file, rendered);
  }
  if (check && stale.length > 0) {
    console.error(
      `options tables out of date in ${stale.join(', ')}: run node scripts/options-tables.ts`,
    );
    process.exitCode = 1;
  } else if (stale.length > 0) {
    console.log(`rewrote ${stale.join(', ')}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main(process.argv.includes('--check'));
}
