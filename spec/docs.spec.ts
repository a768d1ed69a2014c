/**
 * The design lives in the repository (docs/) and says what the code does: its list of error
 * codes is the one in src/domain/errors.ts, and no file points outside the repository at
 * `../shared/` (the workspace folder the design started in, which a clone does not have).
 * A relative `../shared/…` inside the repository (src/electron's `../shared/channels.ts`)
 * is fine: a reference is checked by where it resolves from the file that makes it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/domain/errors.ts';

const root = resolve(import.meta.dirname, '..');
/** Not the repository's own files: dependencies, git's store, build and test output (.gitignore). */
const SKIPPED = new Set(['node_modules', '.git', 'dist', 'test-results', 'playwright-report', '.tmp']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIPPED.has(name)) return [];
    const path = join(dir, name);
    const stat = statSync(path);
    return stat.isDirectory() ? files(path) : stat.isFile() && stat.size < 4 << 20 ? [path] : [];
  });
}

/** The codes in the table of the "## Errors" section: rows that start with | `CODE` |. */
function documentedCodes(markdown: string): string[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Errors\n'));
  if (section === undefined) throw new Error('docs/DESIGN.md has no "## Errors" section');
  return [...section.matchAll(/^\|\s*`([A-Z][A-Z_]*)`\s*\|/gm)].map((m) => m[1]!);
}

describe('docs', () => {
  it("DESIGN.md lists exactly src/domain/errors.ts's error codes, in its order", () => {
    const codes = documentedCodes(readFileSync(join(root, 'docs/DESIGN.md'), 'utf8'));
    expect(codes).toEqual([...ERROR_CODES]);
  });

  it('no file refers to ../shared/ outside the repository', () => {
    const scanned = files(root);
    const outside = scanned.flatMap((file) => {
      const bytes = readFileSync(file);
      if (bytes.includes(0)) return []; // binary (fixtures' ZIPs)
      const text = bytes.toString('utf8');
      return [...text.matchAll(/(?:\.\.\/)+shared\/[^\s'"`)\]>]*/g)]
        .filter((m) => {
          const target = resolve(dirname(file), m[0]);
          return target !== root && !target.startsWith(root + sep);
        })
        .map((m) => `${relative(root, file)}:${text.slice(0, m.index).split('\n').length}: ${m[0]}`);
    });
    expect(scanned.length).toBeGreaterThan(100); // it read the repository, not an empty folder
    expect(outside).toEqual([]);
  });
});
