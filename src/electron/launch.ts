/**
 * `npm start`: the Electron app where an Electron binary is installed, otherwise the browser
 * shell on the demo data (both serve the same page, dist/ui, over the same handler table).
 * The binary is looked for without `require('electron')`, which would try to download it.
 */
import { spawn } from 'node:child_process';
import { electronBinary } from './electronBinary.ts';

const binary = electronBinary();
if (binary !== null && process.env.CASEVAULT_SHELL === undefined) {
  const { buildElectron } = await import('./build.ts');
  const main = await buildElectron();
  // better-sqlite3 is a native module: under Electron it must be built for Electron's ABI
  // (`npx @electron/rebuild -o better-sqlite3`), or the window reports that it could not start.
  const child = spawn(binary, [main], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(
    binary === null
      ? 'casevault: no Electron binary installed (node_modules/electron/dist); starting the browser shell instead.'
      : 'casevault: CASEVAULT_SHELL is set; starting the browser shell.',
  );
  await import('../server/start.ts');
}
