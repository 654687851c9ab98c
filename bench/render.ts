/**
 * Renders results/latest.md and results/latest.svg again from results/latest.json, without
 * running the bench (after a change to the report or the chart).
 *
 *   pnpm --filter @sockserve/bench render
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BenchResults, renderResults } from './lib/report.ts';

const dir = fileURLToPath(new URL('./results/', import.meta.url));
const results = JSON.parse(readFileSync(`${dir}latest.json`, 'utf8')) as BenchResults;
renderResults(dir, results);
console.log(`rendered ${dir}latest.md and ${dir}latest.svg from latest.json`);
