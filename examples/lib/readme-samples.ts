/**
 * The README code samples the tests check, so a sample can't rot. A sample is a fenced block
 * preceded by a marker line:
 *
 *     <!-- sample: FILE [run] [type=module|commonjs] -->
 *
 * FILE is where the sample is written in a scratch project (a path under the README's own
 * folder there, e.g. `cjs/server.js`); `.ts` / `.mts` / `.js` / `.mjs` samples are type-checked
 * against the built packages; `run` starts the sample, talks to it and stops it; `type` is the
 * `"type"` of the package.json written next to it (default `module`).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/** One marked code sample of a README. */
export interface ReadmeSample {
  /** The README it comes from, relative to the repository root. */
  readonly readme: string;
  /** The 1-based line of the marker in that README. */
  readonly line: number;
  /** Where the sample is written, relative to the README's folder in the scratch project. */
  readonly file: string;
  /** The fence's language: `ts`, `js` or `sh`. */
  readonly lang: string;
  /** True when the test starts the sample and talks to it. */
  readonly run: boolean;
  /** The `"type"` of the package.json next to the sample. */
  readonly type: 'module' | 'commonjs';
  /** The sample's code, as printed in the README. */
  readonly code: string;
}

const MARKER = /^<!-- sample: (\S+)((?: [^\s>]+)*) -->\n```(\w+)\n([\s\S]*?)\n```$/gm;

/** Every marked sample of one README, in order. Throws on a marker with an unknown flag. */
export function readmeSamples(root: string, readmePath: string): ReadmeSample[] {
  const text = readFileSync(readmePath, 'utf8');
  const readme = relative(root, readmePath);
  const samples: ReadmeSample[] = [];
  for (const match of text.matchAll(MARKER)) {
    const [, file = '', flagText = '', lang = '', code = ''] = match;
    let run = false;
    let type: ReadmeSample['type'] = 'module';
    for (const flag of flagText.trim().split(' ').filter(Boolean)) {
      if (flag === 'run') run = true;
      else if (flag === 'type=module' || flag === 'type=commonjs')
        type = flag.slice(5) as typeof type;
      else throw new Error(`${readme}: unknown sample flag "${flag}" on ${file}`);
    }
    const line = text.slice(0, match.index).split('\n').length;
    samples.push({ readme, line, file, lang, run, type, code: `${code}\n` });
  }
  return samples;
}

/** The markers a README has, counted loosely (to catch a marker the pattern above misses). */
export function markerCount(readmePath: string): number {
  return readFileSync(readmePath, 'utf8').match(/<!-- sample:/g)?.length ?? 0;
}
