/**
 * The browser shell, composed: the demo data (if asked and the data dir is new), the backup
 * service for the data dir with its scheduler (src/app), the handler table, and the loopback
 * server, which sends the scheduler's events to every page. Used by `npm start`
 * (start.ts) and by the end-to-end tests, which run one per test on its own temp data dir.
 *
 * It shows the data dir it was given and never makes up another (startDirs.ts): a missing or
 * empty folder gets the demo data when `demo` is on and is refused otherwise (NOT_FOUND,
 * NOT_A_DATA_DIR), as is a file or a folder of something else in either case (the demo is
 * never written into a folder that holds other things).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackupIpc } from '../app/handlers.ts';
import { composeBackupService, type ComposedBackup } from '../app/compose.ts';
import { createSettableClock } from '../app/testClock.ts';
import { seedDemoData } from './demoData.ts';
import { checkStartDirs } from '../app/startDirs.ts';
import { startShell } from './shellServer.ts';
import { throttleReads } from './throttle.ts';

export interface BrowserShellOptions {
  readonly dataDir: string;
  readonly backupDir: string;
  /** The built page (dist/ui). */
  readonly uiDir: string;
  readonly port?: number;
  /** Seed the demo data if the data dir is missing or an empty folder (otherwise such a data dir is refused). */
  readonly demo?: boolean;
  /** Streamed reads at this many bytes per second (demos, the cancel test). */
  readonly throttle?: number;
  /**
   * Only for the end-to-end tests: the service and the scheduler read a clock that starts at
   * this instant and that POST /api/test-clock moves (in this time zone, if given).
   */
  readonly testClock?: { readonly start: string; readonly timeZone?: string };
  readonly log?: (message: string, error?: unknown) => void;
}

export interface BrowserShell {
  readonly url: string;
  readonly seeded: boolean;
  readonly runtime: ComposedBackup;
  close(): Promise<void>;
}

export async function launchBrowserShell(options: BrowserShellOptions): Promise<BrowserShell> {
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`[casevault] ${message}`, error ?? ''));
  const demo = options.demo !== false;
  const { isNew } = await checkStartDirs({ dataDir: options.dataDir, backupDir: options.backupDir, acceptNew: demo });
  const seeded = demo && isNew ? await seedDemoData(options.dataDir) : false;
  const throttle = options.throttle;
  const testClock = options.testClock ? createSettableClock(options.testClock.start, options.testClock.timeZone) : undefined;
  const runtime = await composeBackupService({
    dataDir: options.dataDir,
    backupDir: options.backupDir,
    log,
    ...(throttle === undefined ? {} : { wrapFs: (fs) => throttleReads(fs, throttle) }),
    // With a test clock, a moved clock is noticed within a second (the jump between polls).
    ...(testClock === undefined ? {} : { clock: testClock, schedulerTiming: { pollMs: 1000, busyRetryMs: 2000 } }),
  });
  try {
    // The page uploads the file it chose (browserBridge.ts): there is no dialog to show here.
    // A browser tab cannot back up when the app quits: the page does not offer it.
    const ipc = createBackupIpc({ runtime, chooseFile: async () => null, log, scheduler: runtime.scheduler, backupOnQuit: false });
    const shell = await startShell({
      ipc,
      uiDir: options.uiDir,
      uploadDir: await mkdtemp(join(tmpdir(), 'casevault-uploads-')),
      ...(options.port === undefined ? {} : { port: options.port }),
      log,
      subscribe: (send) => runtime.onEvent((event) => send('backup:scheduler', event)),
      ...(testClock === undefined ? {} : { testClock }),
    });
    // Started once the shell sends its events: the first check's alarms reach every page.
    runtime.scheduler.start();
    return {
      url: shell.url,
      seeded,
      runtime,
      close: async () => {
        await shell.close();
        await runtime.close();
      },
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
