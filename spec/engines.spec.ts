/**
 * package.json says which Node the project runs on, and that claim must be one every
 * installed package makes too: otherwise `npm ci` warns EBADENGINE (Electron 41.7.2 and
 * later declare Node >= 22.12, so the app pins 41.7.1, the last that declares Node 20).
 * And every dependency with an install script is a decision recorded in `allowScripts`
 * (npm 11 skips an unlisted one and ends the install with a warning naming it).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const json = (path: string) => JSON.parse(readFileSync(resolve(root, path), 'utf8')) as Record<string, any>;
const app = json('package.json');
const lock = json('package-lock.json');
const declared: string = app.engines.node;
const lockedPackages = Object.entries(lock.packages as Record<string, Record<string, any>>).filter(([path]) => path !== '');
/** `node_modules/a/node_modules/@b/c` → `@b/c`. */
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('engines', () => {
  it('the Node range the app declares is a valid range, the one the lockfile records', () => {
    expect(semver.validRange(declared), declared).not.toBeNull();
    expect(lock.packages[''].engines?.node).toBe(declared);
  });

  it("is within the installed Electron's declared Node range", () => {
    const electron = json('node_modules/electron/package.json');
    expect(semver.subset(declared, electron.engines.node), `the app says Node ${declared}, electron@${electron.version} says ${electron.engines.node}`).toBe(true);
    expect(semver.satisfies(electron.version, app.devDependencies.electron), `installed electron@${electron.version}, package.json asks for ${app.devDependencies.electron}`).toBe(true);
  });

  it("is within every locked package's declared Node range", () => {
    const outside = lockedPackages
      .filter(([, p]) => typeof p.engines?.node === 'string')
      .filter(([, p]) => !semver.subset(declared, p.engines.node as string))
      .map(([path, p]) => `${nameOf(path)}@${p.version} says ${p.engines.node}`);
    expect(outside, `the app says Node ${declared}`).toEqual([]);
  });

  it('holds for the Node running these tests', () => {
    expect(semver.satisfies(process.versions.node, declared), `Node ${process.versions.node}, the app says ${declared}`).toBe(true);
  });
});

describe('allowScripts', () => {
  it('lists exactly the locked packages that have an install script', () => {
    const withScripts = [...new Set(lockedPackages.filter(([, p]) => p.hasInstallScript).map(([path]) => nameOf(path)))].sort();
    // Keys may be pinned (`pkg@1.2.3`): the name is what precedes the version's @.
    const listed = Object.keys(app.allowScripts ?? {}).map((key) => key.replace(/(?<=.)@.*$/, '')).sort();
    expect(listed).toEqual(withScripts);
  });
});
