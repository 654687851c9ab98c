/**
 * Prints vitest's JSON report as one plain line, `<label>: N passed, N failed, N skipped`, so
 * CI can read the outcome whatever the reporter. Exits 1 if the report is missing or empty.
 */
import { readFileSync } from 'node:fs';

const [file = '.test-results/vitest.json', label = 'tests'] = process.argv.slice(2);
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.log(`${label}: 0 passed, 1 failed`);
  console.error(`no test report at ${file}: ${error.message}`);
  process.exit(1);
}
const skipped = report.numPendingTests + report.numTodoTests;
console.log(
  `${label}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`,
);
if (report.numPassedTests === 0) process.exit(1);
