/**
 * The README's test command (`npm test`): the vitest suite, then every notebook executed headless through the
 * real Jupyter client on the `smoke` profile, its figures exported, and each executed notebook checked as a
 * rendered page (nbconvert HTML in headless Chromium, `--page-check strict`: any finding fails). Ends with one
 * "N passed, N failed" line over all of it, so a CI log reader sees the whole count, and exits non-zero on any
 * failure. Screenshots and findings: .cache/test-run/notebooks/<name>.png and page-check.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const cacheDir = path.join(root, '.cache', 'test-run');
mkdirSync(cacheDir, { recursive: true });
const vitestJson = path.join(cacheDir, 'vitest.json');
const notebooksJson = path.join(cacheDir, 'notebooks.json');
const extraArgs = process.argv.slice(2);
const skipNotebooks = extraArgs.includes('--no-notebooks');
const vitestArgs = extraArgs.filter((a) => a !== '--no-notebooks');

// The notebooks look for prepared datasets in data/ (or $RETHINK_DATA_DIR); CI keeps them in the shared folder
// (RETHINK_SHARED, the same one the tests read), so point the data directory there when it holds them.
const shared = process.env.RETHINK_SHARED ?? path.resolve(root, '..', 'shared');
const sharedData = path.join(shared, 'data');
const env = process.env.RETHINK_DATA_DIR || !existsSync(sharedData) ? process.env : { ...process.env, RETHINK_DATA_DIR: sharedData };

function run(cmd: string, args: string[]): number {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

const vitestStatus = run(bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
  ...vitestArgs,
]);

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(vitestJson)) {
  const report = JSON.parse(readFileSync(vitestJson, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    testResults: Array<{ status: string; assertionResults: Array<{ status: string }> }>;
  };
  // A failing test also fails its describe block and file, so numFailedTestSuites would count it up to three
  // times; only a file that failed with no failing test (an import or setup error) adds one of its own.
  const brokenFiles = report.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')).length;
  passed += report.numPassedTests;
  failed += report.numFailedTests + brokenFiles;
  skipped += report.numPendingTests + report.numTodoTests;
} else {
  failed += 1;
}
if (vitestStatus !== 0 && failed === 0) failed += 1;

let notebookStatus = 0;
if (!skipNotebooks) {
  notebookStatus = run(bin('tsx'), [
    path.join(root, 'scripts', 'reproduce.ts'),
    '--profile',
    'smoke',
    '--out',
    path.join(cacheDir, 'notebooks'),
    '--figures',
    path.join(cacheDir, 'figures'),
    '--page-check',
    'strict',
    '--summary',
    notebooksJson,
  ]);
  if (existsSync(notebooksJson)) {
    const summary = JSON.parse(readFileSync(notebooksJson, 'utf8')) as { passed: number; failed: number };
    passed += summary.passed;
    failed += summary.failed;
  }
  if (notebookStatus !== 0 && !existsSync(notebooksJson)) failed += 1;
}

console.log(`\ntests (vitest + notebooks): ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(vitestStatus !== 0 || notebookStatus !== 0 || failed > 0 ? 1 : 0);
