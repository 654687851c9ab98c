/**
 * The README code samples the tests check, so a sample can't rot. A sample is a fenced block
 * preceded by a marker line:
 *
 *     <!-- sample: FILE [run] [any-reply] [stop=SIGINT] [type=module|commonjs] -->
 *
 * FILE is where the sample is written in a scratch project (a path under the README's own
 * folder there, e.g. `cjs/server.js`); `.ts` / `.mts` / `.js` / `.mjs` samples are type-checked
 * against the built packages. `run` starts the sample (it must print `listening on …` with the
 * port), sends it the line `hello` over TCP and expects `hello` back in any case (`any-reply`:
 * any line), then stops it with SIGTERM (`stop=SIGINT`: SIGINT) and expects exit code 0.
 * `type` is the `"type"` of the package.json written next to it (default `module`).
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
  /** True when any reply line will do (the sample does not echo). */
  readonly anyReply: boolean;
  /** The signal that stops the sample gracefully. */
  readonly stopSignal: 'SIGTERM' | 'SIGINT';
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
    let anyReply = false;
    let stopSignal: ReadmeSample['stopSignal'] = 'SIGTERM';
    let type: ReadmeSample['type'] = 'module';
    for (const flag of flagText.trim().split(' ').filter(Boolean)) {
      if (flag === 'run') run = true;
      else if (flag === 'any-reply') anyReply = true;
      else if (flag === 'stop=SIGINT') stopSignal = 'SIGINT';
      else if (flag === 'type=module' || flag === 'type=commonjs')
        type = flag.slice(5) as typeof type;
      else throw new Error(`${readme}: unknown sample flag "${flag}" on ${file}`);
    }
    const line = text.slice(0, match.index).split('\n').length;
    samples.push({ readme, line, file, lang, run, anyReply, stopSignal, type, code: `${code}\n` });
  }
  return samples;
}

/** The marker lines a README has, counted loosely (to catch one the pattern above misses). */
export function markerCount(readmePath: string): number {
  return readFileSync(readmePath, 'utf8').match(/^<!-- sample:/gm)?.length ?? 0;
}
