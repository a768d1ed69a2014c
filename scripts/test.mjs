#!/usr/bin/env node
// The one test command (npm test): typecheck, the vitest suites, the Playwright suite.
// It prints each runner's own output, then one closing line counted from the runners' JSON,
// always in this form (skipped counts skipped and todo tests; 0 when none were):
//   N passed, N failed, N skipped
// When a step failed but no test did (the typecheck, a runner that crashed), failed is the
// number of failed steps. Exits non-zero if anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const only = process.argv[2]; // 'unit' or 'e2e' to run one half
const out = '.tmp/test-results';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
const run = (cmd, args, extraEnv = {}) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...env, ...extraEnv } }).status ?? 1;

let failedSteps = 0;
let passed = 0;
let failed = 0;
let skipped = 0;

if (only !== 'e2e') {
  if (run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']) !== 0) {
    console.error('typecheck failed');
    failedSteps += 1;
  }
  const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}/vitest.json`]);
  if (existsSync(`${out}/vitest.json`)) {
    const r = JSON.parse(readFileSync(`${out}/vitest.json`, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  }
  if (status !== 0) failedSteps += 1;
}

if (only !== 'unit') {
  const status = run('npx', ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: `${out}/playwright.json` });
  if (existsSync(`${out}/playwright.json`)) {
    const { stats } = JSON.parse(readFileSync(`${out}/playwright.json`, 'utf8'));
    passed += stats.expected + stats.flaky;
    failed += stats.unexpected;
    skipped += stats.skipped;
  }
  if (status !== 0) failedSteps += 1;
}

if (failedSteps > 0 && failed === 0) failed = failedSteps; // a step that failed without counting a test
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || failedSteps > 0 ? 1 : 0);
