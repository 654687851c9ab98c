/**
 * The chart of one bench run, readable at a glance: the machine and Node version on top, then
 * two panels with their own axes — throughput ratios (sockserve req/s ÷ peer req/s, higher is
 * better) and the memory ratio (KiB per idle connection, lower is better) — each with ticks, a
 * dashed line at 1.0 (parity) and a black tick at the target. Green: target met; red: missed;
 * grey: no target. A row whose rounds saw errors is hatched and says how many, so a ratio
 * measured on failing requests can't pass for a result. Plain SVG text, no script.
 */
import type { ComparisonResult } from './measure.ts';

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLORS: Record<string, string> = { PASS: '#2e9e4f', MISS: '#d0453b', INFO: '#8a94a6' };
const ERROR_COLOR = '#b3261e';

const WIDTH = 960;
const LABEL_WIDTH = 300;
const BAR_WIDTH = 480;
const ROW = 26;
const VALUE_X = LABEL_WIDTH + BAR_WIDTH + 16;

/** Errors counted in every round of both sides of a comparison. */
export function errorCount(result: ComparisonResult): number {
  let errors = 0;
  for (const side of [result.a, result.b]) {
    for (const round of side?.rounds ?? []) errors += round.errors;
  }
  return errors;
}

/** Evenly spaced tick values from 0 up to the first at or past `max`, six to ten of them. */
export function ticks(max: number): number[] {
  const raw = max / 7;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out = [0];
  while ((out[out.length - 1] ?? 0) < max) out.push(Number((out.length * step).toFixed(6)));
  return out;
}

interface Panel {
  readonly title: string;
  readonly rows: ComparisonResult[];
}

function panel(p: Panel, top: number): { svg: string[]; height: number } {
  const finite = p.rows.flatMap((r) =>
    r.ratio !== undefined && Number.isFinite(r.ratio) ? [r.ratio] : [],
  );
  const targets = p.rows.flatMap((r) => (r.target === undefined ? [] : [r.target.value]));
  const axis = ticks(Math.max(1.5, ...finite, ...targets) * 1.05);
  const scaleMax = axis[axis.length - 1] ?? 1;
  const x = (ratio: number) => LABEL_WIDTH + (Math.min(ratio, scaleMax) / scaleMax) * BAR_WIDTH;
  const rowsTop = top + 28;
  const bottom = rowsTop + p.rows.length * ROW;
  const svg = [
    `<text x="16" y="${top + 16}" font-size="14" font-weight="bold">${escapeXml(p.title)}</text>`,
  ];
  for (const value of axis) {
    const tx = x(value).toFixed(1);
    svg.push(
      `<line x1="${tx}" x2="${tx}" y1="${rowsTop - 2}" y2="${bottom}" stroke="#e3e6eb"/>`,
      `<line x1="${tx}" x2="${tx}" y1="${bottom}" y2="${bottom + 5}" stroke="#333"/>`,
      `<text x="${tx}" y="${bottom + 18}" text-anchor="middle" fill="#333">${value}</text>`,
    );
  }
  svg.push(
    `<line x1="${LABEL_WIDTH}" x2="${LABEL_WIDTH + BAR_WIDTH}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${VALUE_X}" y="${top + 16}" fill="#444">ratio</text>`,
  );
  p.rows.forEach((r, i) => {
    const y = rowsTop + i * ROW;
    const errors = errorCount(r);
    const failed = errors > 0 || r.verdict === 'ERROR';
    svg.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 17}" text-anchor="end"${failed ? ` fill="${ERROR_COLOR}" font-weight="bold"` : ''}>${failed ? '⚠ ' : ''}${escapeXml(r.id)}</text>`,
    );
    if (r.ratio === undefined || !Number.isFinite(r.ratio)) {
      svg.push(
        `<text x="${LABEL_WIDTH + 6}" y="${y + 17}" fill="#666">${escapeXml(r.verdict)}: ${escapeXml((r.notes[0] ?? 'no ratio').slice(0, 70))}</text>`,
      );
      return;
    }
    const color = COLORS[r.verdict] ?? COLORS.INFO;
    const end = x(r.ratio);
    const width = Math.max(end - LABEL_WIDTH, 1.5).toFixed(1);
    svg.push(
      `<rect x="${LABEL_WIDTH}" y="${y + 5}" width="${width}" height="${ROW - 10}" fill="${color}"/>`,
    );
    if (failed) {
      svg.push(
        `<rect x="${LABEL_WIDTH}" y="${y + 5}" width="${width}" height="${ROW - 10}" fill="url(#errors)" stroke="${ERROR_COLOR}"/>`,
      );
    }
    const target =
      r.target === undefined
        ? ''
        : `target ${r.target.kind === 'min' ? '≥' : '≤'} ${r.target.value}${r.target.issue === undefined ? '' : ` (#${r.target.issue})`}`;
    svg.push(
      `<text x="${VALUE_X}" y="${y + 17}" font-weight="bold"${failed ? ` fill="${ERROR_COLOR}"` : ''}>${r.ratio.toFixed(2)}</text>`,
      `<text x="${VALUE_X + 44}" y="${y + 17}" fill="#444">${escapeXml(target)}</text>`,
    );
    if (failed) {
      svg.push(
        `<text x="${(end + 8).toFixed(1)}" y="${y + 17}" fill="${ERROR_COLOR}">${errors} errors in its rounds: not a valid result</text>`,
      );
    }
    if (r.target !== undefined) {
      const tx = x(r.target.value).toFixed(1);
      svg.push(
        `<line x1="${tx}" x2="${tx}" y1="${y + 1}" y2="${y + ROW - 1}" stroke="#000" stroke-width="2.5"/>`,
      );
    }
  });
  const one = x(1).toFixed(1);
  svg.push(
    `<line x1="${one}" x2="${one}" y1="${rowsTop - 4}" y2="${bottom}" stroke="#333" stroke-dasharray="4 3"/>`,
  );
  return { svg, height: bottom + 26 - top };
}

/** The run's machine line: CPUs, Node, Python, kernel, date, rounds. */
export function machineLine(meta: Record<string, string | number>): string {
  const date = String(meta.date ?? '')
    .slice(0, 16)
    .replace('T', ' ');
  return [
    `${meta.cpus} × ${meta.cpuModel}`,
    `Node ${meta.node}`,
    String(meta.python ?? ''),
    `Linux ${meta.kernel}`,
    `${date} UTC`,
    `${meta.rounds} rounds × ${meta.duration} s per side, median round`,
  ].join(' · ');
}

/** The chart of `results` (and the machine in `meta`) as an SVG document. */
export function chartSvg(
  results: ComparisonResult[],
  meta: Record<string, string | number> = {},
): string {
  const panels: Panel[] = [
    {
      title: 'Throughput: sockserve req/s ÷ peer req/s (same run) — higher is better',
      rows: results.filter((r) => r.metric === 'rps'),
    },
    {
      title: 'Memory: sockserve KiB ÷ peer KiB per idle connection — lower is better',
      rows: results.filter((r) => r.metric === 'KiB/conn'),
    },
  ].filter((p) => p.rows.length > 0);
  const body: string[] = [];
  let y = 62;
  for (const p of panels) {
    const drawn = panel(p, y);
    body.push(...drawn.svg);
    y += drawn.height + 14;
  }
  const legendY = y + 4;
  const legend = [
    [COLORS.PASS, 'target met'],
    [COLORS.MISS, 'target missed'],
    [COLORS.INFO, 'no target'],
  ] as const;
  legend.forEach(([color, text], i) => {
    const lx = 16 + i * 130;
    body.push(
      `<rect x="${lx}" y="${legendY}" width="14" height="12" fill="${color}"/>`,
      `<text x="${lx + 20}" y="${legendY + 11}">${text}</text>`,
    );
  });
  body.push(
    `<rect x="406" y="${legendY}" width="14" height="12" fill="url(#errors)" stroke="${ERROR_COLOR}"/>`,
    `<text x="426" y="${legendY + 11}" fill="${ERROR_COLOR}">⚠ errors during the run</text>`,
    `<line x1="600" x2="600" y1="${legendY - 2}" y2="${legendY + 14}" stroke="#000" stroke-width="2.5"/>`,
    `<text x="608" y="${legendY + 11}">target</text>`,
    `<line x1="670" x2="670" y1="${legendY - 2}" y2="${legendY + 14}" stroke="#333" stroke-dasharray="4 3"/>`,
    `<text x="678" y="${legendY + 11}">1.0 = parity</text>`,
  );
  const height = legendY + 28;
  return `${[
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    '<defs><pattern id="errors" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff" opacity="0.55"/><line x1="0" y1="0" x2="0" y2="6" stroke="#b3261e" stroke-width="2.5"/></pattern></defs>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    '<text x="16" y="24" font-size="16" font-weight="bold">sockserve bench: sockserve ÷ peer, both measured in the same run</text>',
    `<text x="16" y="44" fill="#444">${escapeXml(machineLine(meta))}</text>`,
    ...body,
    '</svg>',
  ].join('\n')}\n`;
}
