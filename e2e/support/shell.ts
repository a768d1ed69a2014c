/**
 * Test fixtures: every test gets its own temp data dir (seeded with the demo data), its own
 * browser shell on it, and a page object for the settings page. The shell runs inside the
 * test worker (launchBrowserShell, the same code `npm start` runs) unless a test asks for a
 * separate process (`test.use({ separateProcess: true })`), which goes through src/server/start.ts.
 */
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
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

/** Starts `src/server/start.ts` and resolves when it prints its URL. */
export async function startShellProcess(options: { dataDir: string; backupDir: string; throttle?: number }): Promise<ShellProcess> {
  const args = ['--import', 'tsx', join(REPO, 'src/server/start.ts'), '--data-dir', options.dataDir, '--backup-dir', options.backupDir, '--exit-with-stdin'];
  if (options.throttle !== undefined) args.push('--throttle', String(options.throttle));
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
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
export async function startShellInProcess(options: { dataDir: string; backupDir: string; throttle?: number }): Promise<ShellProcess> {
  const logged: string[] = [];
  const shell = await launchBrowserShell({
    dataDir: options.dataDir,
    backupDir: options.backupDir,
    uiDir: join(REPO, 'dist/ui'),
    demo: true,
    log: (message, error) => void logged.push(`${message} ${error instanceof Error ? error.stack : String(error ?? '')}`),
    ...(options.throttle === undefined ? {} : { throttle: options.throttle }),
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

  /** Dismisses every toast with its close button (keeps later assertions unambiguous). */
  async closeToasts(): Promise<void> {
    const close = this.page.locator('[data-testid="toast"] .toast-close');
    while ((await close.count()) > 0) await close.first().click();
  }
}

interface Fixtures {
  throttle: number | undefined;
  separateProcess: boolean;
  shell: ShellProcess;
  settings: SettingsPage;
}

export const test = base.extend<Fixtures>({
  throttle: [undefined, { option: true }],
  separateProcess: [false, { option: true }],
  shell: async ({ throttle, separateProcess }, use) => {
    const root = await mkdtemp(join(tmpdir(), 'casevault-e2e-'));
    const start = separateProcess ? startShellProcess : startShellInProcess;
    const shell = await start({
      dataDir: join(root, 'data'),
      backupDir: join(root, 'backups'),
      ...(throttle === undefined ? {} : { throttle }),
    });
    try {
      await use(shell);
    } finally {
      await shell.stop();
      await rm(root, { recursive: true, force: true });
    }
  },
  settings: async ({ page, shell }, use) => {
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

/** The demo data the shell seeds (createDemoData in src/infra/node/demoData.ts, deterministic). */
export const DEMO_COUNTS = { users: '4', cases: '36', tasks: '145', hearings: '27', orders: '32', files: '30' };
