/**
 * Test fixtures: every test gets its own temp data dir (seeded with the demo data), its own
 * browser shell on it, and a page object for the settings page. The shell runs inside the
 * test worker (launchBrowserShell, the same code `npm start` runs) unless a test asks for a
 * separate process (`test.use({ separateProcess: true })`), which goes through src/server/start.ts.
 * The backup dir's policy is written before the shell starts (`policy`): automatic backups
 * and checks off by default, so a test sees only the backups it makes; the scheduler runs as
 * in the app. `testClock` gives the shell a clock the test moves (POST /api/test-clock).
 */
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { launchBrowserShell } from '../../src/server/browserShell.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface ShellProcess {
  readonly url: string;
  readonly origin: string;
  readonly dataDir: string;
  readonly backupDir: string;
  stop(): Promise<void>;
}

interface ShellOptions {
  dataDir: string;
  backupDir: string;
  throttle?: number;
  /** ISO 8601: the shell's clock starts here and the test moves it. */
  testClock?: string;
}

/** What `policy` writes when a test says nothing: nothing runs by itself. */
export const QUIET_POLICY = { schedule: { every: null, dailyAt: null }, drill: { every: null } };

/** Starts `src/server/start.ts` and resolves when it prints its URL. */
export async function startShellProcess(options: ShellOptions): Promise<ShellProcess> {
  const args = ['--import', 'tsx', join(REPO, 'src/server/start.ts'), '--data-dir', options.dataDir, '--backup-dir', options.backupDir, '--exit-with-stdin'];
  if (options.throttle !== undefined) args.push('--throttle', String(options.throttle));
  // A separate process reads local times in its own zone: give it UTC, as the in-process shell's test clock.
  if (options.testClock !== undefined) args.push('--test-clock', options.testClock);
  const env = options.testClock === undefined ? process.env : { ...process.env, TZ: 'UTC' };
  const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = /^casevault shell: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/.exec(line);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`the shell exited (${code}) before printing its URL:\n${stderr}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    dataDir: options.dataDir,
    backupDir: options.backupDir,
    stop: async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The same shell, inside this process. */
export async function startShellInProcess(options: ShellOptions): Promise<ShellProcess> {
  const logged: string[] = [];
  const shell = await launchBrowserShell({
    dataDir: options.dataDir,
    backupDir: options.backupDir,
    uiDir: join(REPO, 'dist/ui'),
    demo: true,
    log: (message, error) => void logged.push(`${message} ${error instanceof Error ? error.stack : String(error ?? '')}`),
    ...(options.throttle === undefined ? {} : { throttle: options.throttle }),
    ...(options.testClock === undefined ? {} : { testClock: { start: options.testClock, timeZone: 'UTC' } }),
  });
  return {
    url: shell.url,
    origin: new URL(shell.url).origin,
    dataDir: options.dataDir,
    backupDir: options.backupDir,
    stop: async () => {
      await shell.close();
      // An INTERNAL error is a bug: its detail goes to the log, and the test that met it fails.
      expect(logged, 'the shell logged errors').toEqual([]);
    },
  };
}

export class SettingsPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.page.getByRole('heading', { name: 'Backup & Restore' })).toBeVisible();
    await expect(this.page.getByTestId('current-counts')).toBeVisible();
    await expect(this.page.getByTestId('statistics')).toBeVisible();
  }

  /** The counts of "Your data now", as shown. */
  async counts(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const key of ['users', 'cases', 'tasks', 'hearings', 'orders', 'files']) {
      out[key] = (await this.page.getByTestId(`count-${key}`).textContent()) ?? '';
    }
    return out;
  }

  toast(type: 'success' | 'error' | 'warning' | 'info', title?: string): Locator {
    const toasts = this.page.locator(`[data-testid="toast"][data-type="${type}"]`);
    return title === undefined ? toasts : toasts.filter({ has: this.page.locator('.toast-title', { hasText: title }) });
  }

  rows(): Locator {
    return this.page.getByTestId('backup-row');
  }

  async exportNow(): Promise<string> {
    const before = await this.rows().count();
    await this.page.getByRole('button', { name: 'Export backup' }).click();
    await expect(this.toast('success', 'Backup exported successfully')).toBeVisible();
    await expect(this.rows()).toHaveCount(before + 1);
    return (await this.rows().first().getAttribute('data-file-name')) ?? '';
  }

  /** The confirmation dialog while it is open (the closed <dialog> stays in the page). */
  dialog(): Locator {
    return this.page.locator('dialog[open][data-testid="confirm-dialog"]');
  }

  /**
   * Moves the shell's test clock (the machine slept, or time passed) and the page's own
   * clock (Playwright's) by the same amount.
   */
  async advance(shell: ShellProcess, ms: number): Promise<void> {
    const response = await this.page.request.post(`${shell.origin}/api/test-clock`, { data: { advanceMs: ms }, headers: { origin: shell.origin } });
    expect(response.status(), await response.text()).toBe(200);
    await this.page.clock.fastForward(ms);
  }

  /** Dismisses every toast with its close button (keeps later assertions unambiguous). */
  async closeToasts(): Promise<void> {
    const close = this.page.locator('[data-testid="toast"] .toast-close');
    while ((await close.count()) > 0) await close.first().click();
  }
}

interface Fixtures {
  throttle: number | undefined;
  separateProcess: boolean;
  /** Written to the backup dir as casevault-policy.json before the shell starts; null: none (the defaults). */
  policy: object | null;
  /** ISO 8601: the shell's test clock and the page's (Playwright's) start here. */
  testClock: string | undefined;
  /** Prepares the backup dir (after the policy) before the shell starts: keys set up with the CLI, files put in place. */
  beforeStart: ((dirs: { dataDir: string; backupDir: string }) => Promise<void>) | null;
  shell: ShellProcess;
  settings: SettingsPage;
}

export const test = base.extend<Fixtures>({
  throttle: [undefined, { option: true }],
  separateProcess: [false, { option: true }],
  policy: [QUIET_POLICY, { option: true }],
  testClock: [undefined, { option: true }],
  beforeStart: [null, { option: true }],
  shell: async ({ throttle, separateProcess, policy, testClock, beforeStart }, use) => {
    const root = await mkdtemp(join(tmpdir(), 'casevault-e2e-'));
    const start = separateProcess ? startShellProcess : startShellInProcess;
    if (policy !== null) {
      await mkdir(join(root, 'backups'));
      await writeFile(join(root, 'backups', 'casevault-policy.json'), JSON.stringify({ version: 1, ...policy }));
    }
    if (beforeStart) {
      await mkdir(join(root, 'backups'), { recursive: true });
      await beforeStart({ dataDir: join(root, 'data'), backupDir: join(root, 'backups') });
    }
    const shell = await start({
      dataDir: join(root, 'data'),
      backupDir: join(root, 'backups'),
      ...(throttle === undefined ? {} : { throttle }),
      ...(testClock === undefined ? {} : { testClock }),
    });
    try {
      await use(shell);
    } finally {
      await shell.stop();
      await rm(root, { recursive: true, force: true });
    }
  },
  settings: async ({ page, shell, testClock }, use) => {
    // The page's own time ("3 hours ago") starts with the shell's.
    if (testClock !== undefined) await page.clock.install({ time: new Date(testClock) });
    // A CSP violation or an uncaught error in the page is a bug, whatever the test checks.
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    const settings = new SettingsPage(page);
    await settings.open(shell.url);
    await use(settings);
    expect(problems, 'errors in the page').toEqual([]);
  },
});

export { expect };

/** Flips one byte in the middle of a file on disk (a backup damaged where it is kept). */
export async function flipByte(path: string): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const { size } = await file.stat();
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, Math.floor(size / 2));
    byte[0] = byte[0]! ^ 0xff;
    await file.write(byte, 0, 1, Math.floor(size / 2));
  } finally {
    await file.close();
  }
}

/** The demo data the shell seeds (createDemoData in src/infra/node/demoData.ts, deterministic). */
export const DEMO_COUNTS = { users: '4', cases: '36', tasks: '145', hearings: '27', orders: '32', files: '30' };
