#!/usr/bin/env node
// casevault's command line, runnable right after `npm ci` with no build step.
// Start-up: src/cli is bundled once with esbuild (tsx's own copy) into
// node_modules/.cache/casevault-cli/<key>/ and reused while none of its inputs changed
// (checked by mtime and size, ~50 stats). Chunks keep the per-command lazy imports lazy.
// If bundling is not possible (no esbuild, read-only node_modules), tsx's ESM loader runs
// the TypeScript directly: slower to start, same behaviour.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'cli', 'main.ts');
const cache = join(root, 'node_modules', '.cache', 'casevault-cli');
const current = join(cache, 'current.json');

async function stamp(paths) {
  const out = {};
  for (const path of paths) {
    const s = await fsp.stat(join(root, path));
    out[path] = [s.mtimeMs, s.size];
  }
  return out;
}

async function cachedBundle() {
  try {
    const { dir, inputs } = JSON.parse(await fsp.readFile(current, 'utf8'));
    const now = await stamp(Object.keys(inputs));
    if (JSON.stringify(now) === JSON.stringify(inputs)) return join(cache, dir, 'main.js');
  } catch {
    // no cache yet, or an input is gone: rebuild
  }
  return null;
}

async function buildBundle() {
  const require = createRequire(import.meta.url);
  const esbuild = await import(pathToFileURL(createRequire(require.resolve('tsx/package.json')).resolve('esbuild')).href);
  const tmp = join(cache, `tmp-${process.pid}-${Date.now()}`);
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    splitting: true,
    outdir: tmp,
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = await stamp(Object.keys(result.metafile.inputs).map((p) => relative(root, join(root, p))));
  const dir = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
  try {
    await fsp.rename(tmp, join(cache, dir));
  } catch {
    await fsp.rm(tmp, { recursive: true, force: true }); // another process built the same bundle
  }
  const pointer = `${current}.${process.pid}`;
  await fsp.writeFile(pointer, JSON.stringify({ dir, inputs }));
  await fsp.rename(pointer, current);
  // Bundles of earlier sources: removed once no process can still be loading their chunks.
  for (const name of await fsp.readdir(cache)) {
    if (name === dir || name === 'current.json') continue;
    const path = join(cache, name);
    const s = await fsp.stat(path).catch(() => null);
    if (s && Date.now() - s.mtimeMs > 3600_000) await fsp.rm(path, { recursive: true, force: true }).catch(() => {});
  }
  return join(cache, dir, 'main.js');
}

let main;
try {
  const bundle = (await cachedBundle()) ?? (await buildBundle());
  ({ main } = await import(pathToFileURL(bundle).href));
} catch {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(pathToFileURL(entry).href));
}
await main();
