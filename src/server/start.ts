/**
 * `npm start` without Electron: the browser shell on a data dir (the demo data by default).
 *   tsx src/server/start.ts [--data-dir D] [--backup-dir B] [--ui-dir dist/ui] [--port 0]
 *                           [--no-demo] [--throttle BYTES_PER_SECOND]
 * Prints `casevault shell: <url>` (the URL carries the secret token) and serves until
 * SIGINT/SIGTERM or until stdin closes when --exit-with-stdin is given (tests use it).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createBackupIpc } from '../electron/main/backupIpc.ts';
import { composeBackupService } from '../electron/main/compose.ts';
import type { FileSystem } from '../ports/fileSystem.ts';
import { seedDemoData } from './demoData.ts';
import { startShell } from './shellServer.ts';
import { throttleReads } from './throttle.ts';

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
const throttle = values.throttle === undefined ? null : Number(values.throttle);
if (throttle !== null && !(throttle > 0)) throw new Error(`--throttle must be a positive number of bytes per second, got ${values.throttle}`);

if (!values['no-demo'] && (await seedDemoData(dataDir))) console.log(`casevault shell: seeded demo data in ${dataDir}`);
const log = (message: string, error?: unknown) => console.error(`[casevault] ${message}`, error ?? '');
const runtime = await composeBackupService({
  dataDir,
  backupDir,
  log,
  ...(throttle === null ? {} : { wrapFs: (fs: FileSystem) => throttleReads(fs, throttle) }),
});
const ipc = createBackupIpc({
  runtime,
  // The page uploads the file it chose (see browserBridge.ts); there is no dialog to show here.
  chooseFile: async () => null,
  log,
});
const shell = await startShell({
  ipc,
  uiDir: values['ui-dir'],
  uploadDir: mkdtempSync(join(tmpdir(), 'casevault-uploads-')),
  port: Number(values.port),
  log,
});
console.log(`casevault shell: data ${dataDir}, backups ${backupDir}`);
console.log(`casevault shell: ${shell.url}`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await shell.close();
  await runtime.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
if (values['exit-with-stdin']) {
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
}
