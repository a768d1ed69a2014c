/**
 * `npm start`: the Electron app where an Electron binary is installed, otherwise the browser
 * shell on the demo data (both serve the same page, dist/ui, over the same handler table).
 * The binary is looked for without `require('electron')`, which would try to download it.
 * The options are read first, whichever starts: `--help` prints the usage (exit 0), a mistake
 * one line and the usage (exit 2); the Electron app gets --data-dir and --backup-dir as
 * CASEVAULT_DATA_DIR and CASEVAULT_BACKUP_DIR, which its main process reads. A --data-dir
 * must already be a data dir there (the app has no demo data to put in a new one): it is
 * checked before Electron starts, and refused with one line naming it (exit 1).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { SHELL_ONLY_OPTIONS, startOptionsOrExit } from '../app/startArgs.ts';
import { checkStartDirs, startFailureMessage } from '../app/startDirs.ts';
import { electronBinary } from '../electron/electronBinary.ts';

const argv = process.argv.slice(2);
const args = startOptionsOrExit(argv);

const binary = electronBinary();
if (binary !== null && process.env.CASEVAULT_SHELL === undefined) {
  const ignored = argv.filter((arg) => SHELL_ONLY_OPTIONS.some((name) => arg === `--${name}` || arg.startsWith(`--${name}=`)));
  if (ignored.length > 0) console.log(`casevault: ${ignored.join(', ')} only apply to the browser shell (CASEVAULT_SHELL=1 npm start); the Electron app ignores them.`);
  const env = { ...process.env };
  if (args.dataDir !== undefined) env.CASEVAULT_DATA_DIR = resolve(args.dataDir);
  if (args.backupDir !== undefined) env.CASEVAULT_BACKUP_DIR = resolve(args.backupDir);
  if (args.dataDir !== undefined) {
    await checkStartDirs({ dataDir: resolve(args.dataDir), backupDir: args.backupDir && resolve(args.backupDir), acceptNew: false }).catch((error: unknown) => {
      process.stderr.write(startFailureMessage(error));
      process.exit(1);
    });
  }
  const { buildElectron } = await import('../electron/build.ts');
  const main = await buildElectron();
  // better-sqlite3 is a native module: under Electron it must be built for Electron's ABI
  // (`npx @electron/rebuild -o better-sqlite3`), or the window reports that it could not start.
  const child = spawn(binary, [main], { stdio: 'inherit', env });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(
    binary === null
      ? 'casevault: no Electron binary installed (node_modules/electron/dist); starting the browser shell instead.'
      : 'casevault: CASEVAULT_SHELL is set; starting the browser shell.',
  );
  await import('../server/start.ts');
}
