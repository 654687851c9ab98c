/**
 * The chart: one horizontal bar per comparison, its length the ratio sockserve / peer on a
 * linear scale, a vertical line at 1.0 (parity) and a tick at the target. Green: target met;
 * red: missed; grey: no target; skipped comparisons are listed without a bar. Plain SVG text.
 */
import type { ComparisonResult } from './measure.ts';

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLORS: Record<string, string> = { PASS: '#2e9e4f', MISS: '#d0453b', INFO: '#8a94a6' };

/** The bar chart of `results` as an SVG document. */
export function chartSvg(results: ComparisonResult[]): string {
  const rowHeight = 26;
  const labelWidth = 280;
  const barWidth = 460;
  const top = 40;
  const height = top + results.length * rowHeight + 40;
  const width = labelWidth + barWidth + 220;
  const finite = results.flatMap((r) =>
    r.ratio !== undefined && Number.isFinite(r.ratio) ? [r.ratio] : [],
  );
  const targets = results.flatMap((r) => (r.target === undefined ? [] : [r.target.value]));
  const scaleMax = Math.max(2, ...finite, ...targets) * 1.05;
  const x = (ratio: number) => labelWidth + (ratio / scaleMax) * barWidth;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">sockserve / peer (same run). Green: target met · red: missed · grey: no target · | target</text>`,
  ];
  results.forEach((r, i) => {
    const y = top + i * rowHeight;
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${escapeXml(r.id)}</text>`,
    );
    if (r.ratio === undefined || !Number.isFinite(r.ratio)) {
      parts.push(
        `<text x="${labelWidth + 4}" y="${y + 16}" fill="#666">${escapeXml(r.verdict)}: ${escapeXml((r.notes[0] ?? '').slice(0, 60))}</text>`,
      );
      return;
    }
    const color = COLORS[r.verdict] ?? '#8a94a6';
    parts.push(
      `<rect x="${labelWidth}" y="${y + 4}" width="${(x(r.ratio) - labelWidth).toFixed(1)}" height="${rowHeight - 8}" fill="${color}"/>`,
    );
    parts.push(
      `<text x="${(x(r.ratio) + 4).toFixed(1)}" y="${y + 16}">${r.ratio.toFixed(2)}${r.metric === 'KiB/conn' ? ' (memory, lower is better)' : ''}</text>`,
    );
    if (r.target !== undefined) {
      const tx = x(r.target.value).toFixed(1);
      parts.push(
        `<line x1="${tx}" x2="${tx}" y1="${y + 1}" y2="${y + rowHeight - 1}" stroke="#000" stroke-width="2"/>`,
      );
    }
  });
  const one = x(1).toFixed(1);
  const bottom = top + results.length * rowHeight;
  parts.push(
    `<line x1="${one}" x2="${one}" y1="${top - 4}" y2="${bottom + 4}" stroke="#333" stroke-dasharray="4 3"/>`,
  );
  parts.push(`<text x="${one}" y="${bottom + 18}" text-anchor="middle">1.0 = parity</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
