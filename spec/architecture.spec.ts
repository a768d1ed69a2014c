/**
 * The hexagon's layer rule, like VS Code's: dependencies point inward. The domain imports
 * nothing but ports (and itself); ports import nothing but ports; the IPC contract
 * (src/contract) only zod and, as types, the domain's; the UI knows only the contract; the
 * host-neutral app layer (src/app: the handler table, the composition, the scheduler) no
 * host; and the two hosts (src/electron, src/server) not each other: both import src/app.
 * Checked on every import of every file.
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

interface Import {
  readonly spec: string;
  /** `import type …` / `export type …`: erased at build time, nothing of it is bundled. */
  readonly typeOnly: boolean;
}

function importsWithKind(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/g), // import … from 'x'
    ...text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g), // import 'x'
    ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g), // import('x')
  ];
  return found.map((m) => ({ spec: m[1]!, typeOnly: /^\s*(?:import|export)\s+type\b/.test(m[0]) }));
}

function importsOf(file: string): string[] {
  return importsWithKind(file).map((i) => i.spec);
}

/** Where an import points: a repo-relative path for local files, the package name otherwise. */
function target(file: string, spec: string): string {
  return spec.startsWith('.') ? relative(root, resolve(dirname(file), spec)) : spec;
}

function violations(layer: string, allowed: (to: string, typeOnly: boolean) => boolean): string[] {
  return sources(join(root, layer)).flatMap((file) =>
    importsWithKind(file)
      .map((i) => ({ to: target(file, i.spec), typeOnly: i.typeOnly }))
      .filter(({ to, typeOnly }) => !allowed(to, typeOnly))
      .map(({ to, typeOnly }) => `${relative(root, file)} imports ${typeOnly ? 'type ' : ''}${to}`),
  );
}

describe('layers', () => {
  it('keeps the domain free of node:*, electron, preact and adapter packages', () => {
    expect(violations('src/domain', (to) => to.startsWith('src/domain/') || to.startsWith('src/ports/'))).toEqual([]);
  });

  it('keeps the ports free of everything but ports', () => {
    expect(violations('src/ports', (to) => to.startsWith('src/ports/'))).toEqual([]);
  });

  it('lets the UI know only the window.app contract (src/contract) and preact', () => {
    const ui = violations('src/ui', (to) => to.startsWith('src/ui/') || to.startsWith('src/contract/') || to.startsWith('preact'));
    // vite.config.ts is build tooling beside the UI, not UI code.
    expect(ui.filter((v) => !v.startsWith('src/ui/vite.config.ts'))).toEqual([]);
  });

  it('keeps the IPC contract to zod and the domain\'s types (nothing of the domain is bundled into the page)', () => {
    expect(violations('src/contract', (to, typeOnly) => to.startsWith('src/contract/') || to === 'zod' || (typeOnly && to.startsWith('src/domain/')))).toEqual([]);
  });

  it('keeps the app layer host-neutral: no Electron, no browser shell, no page, no CLI', () => {
    const hosts = ['src/electron/', 'src/server/', 'src/ui/', 'src/cli/', 'src/launch/'];
    expect(violations('src/app', (to) => to !== 'electron' && !hosts.some((h) => to.startsWith(h)))).toEqual([]);
  });

  it('keeps the two hosts apart: Electron and the browser shell import the app layer, never each other', () => {
    expect(violations('src/electron', (to) => !to.startsWith('src/server/') && !to.startsWith('src/launch/'))).toEqual([]);
    expect(violations('src/server', (to) => to !== 'electron' && !to.startsWith('src/electron/') && !to.startsWith('src/launch/'))).toEqual([]);
  });

  it('finds imports at all (the rule cannot pass by reading nothing)', () => {
    expect(importsOf(join(root, 'src/domain/exportBackup.ts')).length).toBeGreaterThan(5);
    expect(importsWithKind(join(root, 'src/contract/channels.ts')).some((i) => i.typeOnly)).toBe(true);
  });
});
