// Opens the built docs site (docs/api) in headless Chromium, from a static server on
// 127.0.0.1, follows every internal link and checks every page, fragment (#anchor) and
// same-site resource (images, scripts, stylesheets) it reaches. Exits 1 on a broken one.
//   node scripts/docs-links.mjs [SITE_DIR]        (Debian's Chromium at /usr/bin/chromium)
// External links (GitHub, nodejs.org) are counted, never fetched.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const site = resolve(process.argv[2] ?? 'docs/api');
const executablePath = '/usr/bin/chromium'; // Debian's chromium (scripts/system-deps.sh)
if (!existsSync(join(site, 'index.html'))) {
  console.error(`docs-links: no site at ${site} (run pnpm run docs first)`);
  process.exit(2);
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.md': 'text/markdown',
};
const server = createServer((request, response) => {
  const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
  const file = join(site, path.endsWith('/') ? `${path}index.html` : path);
  if (!file.startsWith(site) || !existsSync(file) || !statSync(file).isFile()) {
    response.writeHead(404).end('not found');
    return;
  }
  response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  response.end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

const profile = mkdtempSync(join(tmpdir(), 'sockserve-chromium-'));
// A persistent context is how playwright passes --user-data-dir (a fresh temp profile).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const broken = [];
const seen = new Set();
const anchorsWanted = new Map(); // page URL -> [{ fragment, from }]
const queue = [`${origin}/index.html`];
const linkedFrom = new Map(); // URL -> the first page that linked to it
let external = 0;
try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.on('response', (response) => {
    if (response.url().startsWith(origin) && response.status() >= 400) {
      const from = linkedFrom.get(response.url()) ?? page.url();
      broken.push(
        `${response.status()} ${response.url().slice(origin.length)} (from ${from.slice(origin.length)})`,
      );
    }
  });
  page.on('requestfailed', (request) => {
    if (request.url().startsWith(origin))
      broken.push(`failed ${request.url().slice(origin.length)}`);
  });
  const ids = new Map(); // page URL -> Set of ids and names
  while (queue.length > 0) {
    const url = queue.shift();
    if (seen.has(url)) continue;
    seen.add(url);
    const response = await page.goto(url, { waitUntil: 'load' });
    if (!response || response.status() >= 400) continue; // counted by the listener
    if (!(response.headers()['content-type'] ?? '').startsWith('text/html')) continue;
    const found = await page.evaluate(() => ({
      links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
      ids: [...document.querySelectorAll('[id], a[name]')].map(
        (e) => e.id || e.getAttribute('name'),
      ),
    }));
    ids.set(url, new Set(found.ids));
    for (const link of found.links) {
      if (!link.startsWith('http')) continue; // mailto:, javascript:
      if (!link.startsWith(origin)) {
        external += 1;
        continue;
      }
      const target = new URL(link);
      const fragment = decodeURIComponent(target.hash.slice(1));
      target.hash = '';
      const pageUrl = target.href;
      if (fragment) {
        const list = anchorsWanted.get(pageUrl) ?? [];
        list.push({ fragment, from: url });
        anchorsWanted.set(pageUrl, list);
      }
      if (!seen.has(pageUrl)) {
        if (!linkedFrom.has(pageUrl)) linkedFrom.set(pageUrl, url);
        queue.push(pageUrl);
      }
    }
  }
  for (const [pageUrl, wanted] of anchorsWanted) {
    const known = ids.get(pageUrl);
    if (!known) continue; // the page itself is broken or not HTML: reported above
    for (const { fragment, from } of wanted) {
      if (!known.has(fragment)) {
        broken.push(
          `#${fragment} missing on ${pageUrl.slice(origin.length)} (linked from ${from.slice(origin.length)})`,
        );
      }
    }
  }
} finally {
  await browser.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}

const unique = [...new Set(broken)];
console.log(
  `docs-links: ${seen.size} pages and files opened, ${external} external links not followed`,
);
for (const line of unique) console.error(`docs-links: broken: ${line}`);
console.log(`docs-links: ${unique.length} broken`);
process.exit(unique.length === 0 ? 0 : 1);
