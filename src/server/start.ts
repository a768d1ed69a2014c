/**
 * `npm start` without Electron: the browser shell on a data dir (the demo data by default).
 *   node --import tsx src/server/start.ts [--data-dir D] [--backup-dir B] [--ui-dir dist/ui]
 *        [--port 0] [--no-demo] [--throttle BYTES_PER_SECOND] [--exit-with-stdin]
 * Prints `casevault shell: <url>` (the URL carries the secret token) and serves until
 * SIGINT/SIGTERM, or until stdin closes with --exit-with-stdin.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { launchBrowserShell } from './browserShell.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    'backup-dir': { type: 'string' },
    'ui-dir': { type: 'string', default: join(repo, 'dist/ui') },
    port: { type: 'string', default: '0' },
    'no-demo': { type: 'boolean', default: false },
    throttle: { type: 'string' },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});

const dataDir = resolve(values['data-dir'] ?? process.env.CASEVAULT_DATA_DIR ?? join(repo, '.tmp/demo/data'));
const backupDir = resolve(values['backup-dir'] ?? process.env.CASEVAULT_BACKUP_DIR ?? join(dataDir, '..', 'backups'));
const throttle = values.throttle === undefined ? undefined : Number(values.throttle);
if (throttle !== undefined && !(throttle > 0)) throw new Error(`--throttle must be a positive number of bytes per second, got ${values.throttle}`);

const shell = await launchBrowserShell({
  dataDir,
  backupDir,
  uiDir: values['ui-dir'],
  port: Number(values.port),
  demo: !values['no-demo'],
  ...(throttle === undefined ? {} : { throttle }),
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
if (values['exit-with-stdin']) {
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
}
