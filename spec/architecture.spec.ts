/**
 * The hexagon's layer rule, like VS Code's: dependencies point inward. The domain imports
 * nothing but ports (and itself); ports import nothing but ports; the UI knows only the
 * window.app contract (and the pure error titles). Checked on every import of every file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/g), // import … from 'x'
    ...text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g), // import 'x'
    ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g), // import('x')
  ];
  return found.map((m) => m[1]!);
}

/** Where an import points: a repo-relative path for local files, the package name otherwise. */
function target(file: string, spec: string): string {
  return spec.startsWith('.') ? relative(root, resolve(dirname(file), spec)) : spec;
}

function violations(layer: string, allowed: (to: string) => boolean): string[] {
  return sources(join(root, layer)).flatMap((file) =>
    importsOf(file)
      .map((spec) => target(file, spec))
      .filter((to) => !allowed(to))
      .map((to) => `${relative(root, file)} imports ${to}`),
  );
}

describe('layers', () => {
  it('keeps the domain free of node:*, electron, preact and adapter packages', () => {
    expect(violations('src/domain', (to) => to.startsWith('src/domain/') || to.startsWith('src/ports/'))).toEqual([]);
  });

  it('keeps the ports free of everything but ports', () => {
    expect(violations('src/ports', (to) => to.startsWith('src/ports/'))).toEqual([]);
  });

  it('lets the UI know only the window.app contract (and the pure error titles and progress type)', () => {
    const pure = ['src/electron/shared/channels.ts', 'src/domain/errors.ts', 'src/domain/progress.ts'];
    const ui = violations('src/ui', (to) => to.startsWith('src/ui/') || pure.includes(to) || to.startsWith('preact'));
    // vite.config.ts is build tooling beside the UI, not UI code.
    expect(ui.filter((v) => !v.startsWith('src/ui/vite.config.ts'))).toEqual([]);
  });

  it('finds imports at all (the rule cannot pass by reading nothing)', () => {
    expect(importsOf(join(root, 'src/domain/exportBackup.ts')).length).toBeGreaterThan(5);
  });
});
