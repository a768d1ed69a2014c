/**
 * One loop over fixtures/corrupt/: the code in a file's name is the code verify and restore
 * must give, and the data dir stays byte-for-byte as it was. Then fixtures/accepted/ (odd
 * but harmless files that must restore), and the script that makes them is deterministic:
 * all of fixtures/, the incremental backups' folders too (their loop: poolFixtures.spec.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode } from '../../src/domain/errors.ts';
import { DATA_DIR } from '../support/memoryHarness.ts';
import { replay, writesOutsideStaging } from '../support/hostileReplay.ts';
import { readFolder } from './poolReplay.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const corrupt = readdirSync(join(FIXTURES, 'corrupt')).filter((f) => f.endsWith('.zip')).sort();
const accepted = readdirSync(join(FIXTURES, 'accepted')).filter((f) => f.endsWith('.zip')).sort();
const read = (...path: string[]) => new Uint8Array(readFileSync(join(FIXTURES, ...path)));

describe('fixtures/corrupt', () => {
  it('has a fixture for every code a damaged file can produce', () => {
    const codes = new Set(corrupt.map((f) => f.split('--')[0]));
    for (const code of ['NOT_A_ZIP', 'TRUNCATED', 'CORRUPT_ENTRY', 'CHECKSUM_MISMATCH', 'MISSING_MANIFEST', 'INVALID_MANIFEST', 'UNSAFE_PATH', 'UNEXPECTED_ENTRY', 'DUPLICATE_ENTRY', 'TOO_LARGE', 'UNSUPPORTED', 'NEWER_VERSION', 'DATABASE_CORRUPT']) {
      expect(codes).toContain(code);
    }
    expect(corrupt.length).toBeGreaterThanOrEqual(60);
  });

  it.each(corrupt)('%s: refused with the code in its name, nothing changed', async (file) => {
    const code = file.split('--')[0];
    expect(isErrorCode(code) && ERROR_CODES.includes(code)).toBe(true);
    const result = await replay(read('corrupt', file));
    expect(result.verify.ok ? 'accepted' : result.verify.code, result.verify.ok ? '' : result.verify.message).toBe(code);
    expect(result.restore.ok ? 'accepted' : result.restore.code, result.restore.ok ? '' : result.restore.message).toBe(code);
    expect(result.dataAfter).toEqual(result.dataBefore);
    expect(result.leftovers).toEqual([]);
    expect(result.jobsRunning).toBe(true);
    expect(writesOutsideStaging(result.writes)).toEqual([]);
  });
});

describe('fixtures/accepted', () => {
  it.each(accepted)('%s: verifies and restores', async (file) => {
    const result = await replay(read('accepted', file));
    expect(result.verify).toEqual({ ok: true });
    expect(result.restore).toEqual({ ok: true });
    // The same content as before (the fixtures back up the same data), with casevault's modes.
    const content = (state: Record<string, string>) => Object.fromEntries(Object.entries(state).map(([p, v]) => [p, v.replace(/^(\w+) \d+/, '$1')]));
    expect(content(result.dataAfter)).toEqual(content(result.dataBefore));
    expect(result.leftovers).toEqual([]);
    expect(writesOutsideStaging(result.writes)).toEqual([]);
  });

  it('gives restored files 0600 and folders 0700, whatever modes the ZIP carries (setuid, world-writable)', async () => {
    const result = await replay(read('accepted', 'setuid-and-world-writable-modes.zip'));
    expect(result.restore).toEqual({ ok: true });
    const entries = Object.entries(result.dataAfter);
    expect(entries.length).toBeGreaterThan(4);
    for (const [path, state] of entries) {
      if (path === DATA_DIR) continue;
      expect(state, path).toMatch(state.startsWith('dir') ? /^dir 700$/ : /^file 600 /);
    }
  });
});

describe('fixtures/make-fixtures.ts', () => {
  it('makes the committed fixtures, byte for byte, twice', async () => {
    const { writeFixtures, FIXTURE_DIRS } = await import('../../fixtures/make-fixtures.ts');
    const runs = [mkdtempSync(join(tmpdir(), 'casevault-fixtures-a-')), mkdtempSync(join(tmpdir(), 'casevault-fixtures-b-'))];
    try {
      for (const out of runs) expect(await writeFixtures(out)).toEqual([]);
      // Every file under each folder (the incremental fixtures are folders of folders).
      const list = (root: string) => FIXTURE_DIRS.flatMap((dir) => readFolder(join(root, dir)).map(([path]) => `${dir}/${path}`)).concat('README.md');
      expect(list(runs[0]!)).toEqual(list(FIXTURES));
      for (const path of list(FIXTURES)) {
        const committed = readFileSync(join(FIXTURES, path));
        for (const out of runs) expect(Buffer.compare(readFileSync(join(out, path)), committed), `${out}/${path} differs from fixtures/${path}: run npx tsx fixtures/make-fixtures.ts`).toBe(0);
      }
    } finally {
      for (const out of runs) rmSync(out, { recursive: true, force: true });
    }
  });
});
