/**
 * `npm start` without Electron: the browser shell on a data dir (the demo data by default).
 *   node --import tsx src/server/start.ts [--data-dir D] [--backup-dir B] [--ui-dir dist/ui]
 *        [--port 0] [--no-demo] [--throttle BYTES_PER_SECOND] [--exit-with-stdin] [--test-clock ISO]
 * Prints `casevault shell: <url>` (the URL carries the secret token) and serves until
 * SIGINT/SIGTERM, or until stdin closes with --exit-with-stdin. `--help` prints the usage
 * (exit 0); a usage mistake prints one line and the usage (exit 2); a data dir or backup dir
 * it will not open, or any other failure to start, prints one line naming it (exit 1).
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isBackupError } from '../domain/errors.ts';
import { launchBrowserShell } from './browserShell.ts';
import { startOptionsOrExit } from '../app/startArgs.ts';
import { startFailureMessage } from '../app/startDirs.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

const args = startOptionsOrExit(process.argv.slice(2));

// An empty variable is unset, as in the CLI (resolve('') would be the current folder).
const dataDir = resolve(args.dataDir ?? (process.env.CASEVAULT_DATA_DIR || join(repo, '.tmp/demo/data')));
const backupDir = resolve(args.backupDir ?? (process.env.CASEVAULT_BACKUP_DIR || join(dataDir, '..', 'backups')));

const shell = await launchBrowserShell({
  dataDir,
  backupDir,
  uiDir: args.uiDir ?? join(repo, 'dist/ui'),
  port: args.port,
  demo: args.demo,
  ...(args.throttle === undefined ? {} : { throttle: args.throttle }),
  ...(args.testClock === undefined ? {} : { testClock: { start: args.testClock } }),
}).catch((error: unknown) => {
  // What the person can fix (a wrong path, a data dir in use) is one line; a bug keeps its stack.
  const newFolder = isBackupError(error) && (error.code === 'NOT_FOUND' || error.code === 'NOT_A_DATA_DIR');
  const hint = !args.demo && newFolder ? '\n(without --no-demo, a missing or empty folder gets the demo data)' : '';
  process.stderr.write(startFailureMessage(error, hint));
  process.exit(1);
});
if (shell.seeded) console.log(`casevault shell: seeded demo data in ${dataDir}`);
console.log(`casevault shell: data ${dataDir}, backups ${backupDir}`);
console.log(`casevault shell: ${shell.url}`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await shell.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
if (args.exitWithStdin) {
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
}
