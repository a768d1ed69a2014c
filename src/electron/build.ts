/**
 * Bundles the Electron side into dist/electron: main.js (ESM; packages stay external and
 * load from node_modules) and preload.cjs (CommonJS with everything inlined but `electron`,
 * because a sandboxed preload cannot import modules). The page itself is `npm run build:ui`.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const outDir = here('../../dist/electron');

export async function buildElectron(): Promise<string> {
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      ssr: here('main/main.ts'),
      outDir,
      emptyOutDir: true,
      target: 'node22',
      rolldownOptions: { output: { format: 'es', entryFileNames: 'main.js' } },
    },
  });
  await build({
    configFile: false,
    logLevel: 'warn',
    ssr: { noExternal: true, external: ['electron'] },
    build: {
      ssr: here('preload/backupBridge.ts'),
      outDir,
      emptyOutDir: false,
      target: 'chrome130',
      rolldownOptions: { external: ['electron'], output: { format: 'cjs', entryFileNames: 'preload.cjs' } },
    },
  });
  return `${outDir}/main.js`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`built ${await buildElectron()}`);
}
