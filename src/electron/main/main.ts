/**
 * The Electron main process: one window with the settings page, the backup service behind
 * `ipcMain.handle` for exactly the channels of the IPC contract (src/contract/channels.ts).
 * - The page runs with contextIsolation, sandbox, no node integration, a strict CSP; it is
 *   served from the `casevault://app/` scheme (dist/ui), may not navigate away or open windows,
 *   and gets no permissions. Its only door to the main process is the preload's `window.app`.
 * - Every IPC call is checked to come from the app's own page, then handed to the handler
 *   table (src/app/handlers.ts), which validates the payload and answers with an envelope.
 * - Progress goes back to the calling window (`webContents.send('backup:progress', …)`);
 *   `backup:cancel` aborts the operation's AbortController.
 * - The backup scheduler (src/app/scheduler.ts) runs here: its events go to the window
 *   (`backup:scheduler`), each alarm it raises is a desktop notification, powerMonitor's
 *   'resume' makes it check at once (a missed run made up), and quitting waits for the
 *   backup at quit where the policy asks for one (before-quit: prevent, run, then quit).
 * Built by src/electron/build.ts into dist/electron/main.js (+ preload.cjs) and started by
 * `npm start` where an Electron binary is installed.
 */
import { app, BrowserWindow, dialog, ipcMain, net, Notification, powerMonitor, protocol, session, type IpcMain, type IpcMainInvokeEvent } from 'electron';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ALARM_TEXTS, CHANNELS, type Alarm, type Failure } from '../../contract/channels.ts';
import { createBackupIpc, type BackupIpc, type CallContext } from '../../app/handlers.ts';
import { composeBackupService, type ComposedBackup } from '../../app/compose.ts';
import { createKeychainCredentialStore, CREDENTIALS_FILE } from './credentialStore.ts';

export const APP_SCHEME = 'casevault';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

export const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  spellcheck: false,
} as const;

/** Whether an IPC call comes from the app's own page (not an iframe, not another origin). */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  const url = event.senderFrame?.url ?? '';
  return url.startsWith(`${APP_ORIGIN}/`) && event.senderFrame?.parent === null;
}

const untrusted: Failure = {
  success: false,
  code: 'PERMISSION_DENIED',
  error: 'backup: this request did not come from the app\'s own page',
  message: 'Request refused',
};

/** Registers one `ipcMain.handle` per channel of the contract, and nothing else. */
export function registerBackupChannels(
  ipc: Pick<IpcMain, 'handle'>,
  backupIpc: BackupIpc,
  trust: (event: IpcMainInvokeEvent) => boolean = isTrustedSender,
): void {
  for (const channel of CHANNELS) {
    ipc.handle(channel, async (event: IpcMainInvokeEvent, payload: unknown) => {
      if (!trust(event)) return untrusted;
      const call: CallContext = {
        emit: (name, data) => {
          if (!event.sender.isDestroyed()) event.sender.send(name, data);
        },
      };
      return backupIpc.handlers[channel](payload, call);
    });
  }
}

export interface MainOptions {
  readonly dataDir: string;
  readonly backupDir: string;
  /** dist/ui */
  readonly uiDir: string;
  /** dist/electron/preload.cjs */
  readonly preload: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Serves dist/ui under casevault://app/, with the CSP as a header; nothing outside dist/ui. */
function serveUi(uiDir: string): void {
  const root = resolve(uiDir);
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const path = resolve(root, `.${decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)}`);
    if (url.host !== 'app' || !path.startsWith(root + sep)) return new Response('not found', { status: 404 });
    const file = await net.fetch(pathToFileURL(path).toString());
    return new Response(file.body, {
      status: file.status,
      headers: { 'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff' },
    });
  });
}

function createWindow(options: MainOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1180,
    height: 860,
    title: 'casevault — Backup & Restore',
    show: false,
    webPreferences: { ...WEB_PREFERENCES, preload: options.preload },
  });
  const contents = window.webContents;
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}

export async function main(options: MainOptions): Promise<ComposedBackup> {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  serveUi(options.uiDir);
  const log = (message: string, error?: unknown) => console.error(`[casevault] ${message}`, error ?? '');
  // S3 keys typed into the page: the OS keychain (safeStorage), in userData (issue 14).
  const credentials = createKeychainCredentialStore(join(app.getPath('userData'), CREDENTIALS_FILE), { log });
  const runtime = await composeBackupService({ dataDir: options.dataDir, backupDir: options.backupDir, log, credentials });
  let window: BrowserWindow | null = null;
  const backupIpc = createBackupIpc({
    runtime,
    log,
    scheduler: runtime.scheduler,
    backupOnQuit: true,
    chooseFile: async () => {
      const dialogOptions = {
        title: 'Choose a backup to restore',
        properties: ['openFile' as const],
        filters: [{ name: 'casevault backups', extensions: ['zip'] }],
      };
      const result = window ? await dialog.showOpenDialog(window, dialogOptions) : await dialog.showOpenDialog(dialogOptions);
      return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0]!;
    },
    chooseFolder: async () => {
      const dialogOptions = { title: 'Choose a folder for copies of the backups', properties: ['openDirectory' as const, 'createDirectory' as const] };
      const result = window ? await dialog.showOpenDialog(window, dialogOptions) : await dialog.showOpenDialog(dialogOptions);
      return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0]!;
    },
  });
  registerBackupChannels(ipcMain, backupIpc);
  window = createWindow(options);
  runtime.onEvent((event) => {
    if (window && !window.webContents.isDestroyed()) window.webContents.send('backup:scheduler', event);
    if (event.type === 'alarms') for (const alarm of event.raised) notify(alarm, () => window?.show());
  });
  powerMonitor.on('resume', () => runtime.scheduler.resume());
  runtime.scheduler.start();
  app.on('window-all-closed', () => app.quit());
  // "On app quit": the quit waits for the backup the policy asks for (none: it goes at once).
  let quitRun: 'none' | 'running' | 'done' = 'none';
  app.on('before-quit', (event) => {
    if (quitRun === 'done') return;
    event.preventDefault();
    if (quitRun === 'running') return;
    quitRun = 'running';
    void runtime.scheduler.atQuit().finally(() => {
      quitRun = 'done';
      app.quit();
    });
  });
  let closing = false;
  app.on('will-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    void runtime.close().finally(() => app.quit());
  });
  return runtime;
}

/** A desktop notification for an alarm; clicking it shows the window. */
function notify(alarm: Alarm, show: () => void): void {
  if (!Notification.isSupported()) return;
  const text = ALARM_TEXTS[alarm.code];
  const notification = new Notification({ title: text.title, body: `${alarm.message} ${text.advice}` });
  notification.on('click', show);
  notification.show();
}

/** Where the app keeps its data: CASEVAULT_DATA_DIR / CASEVAULT_BACKUP_DIR, else the userData folder. */
export function defaultOptions(): MainOptions {
  const here = dirname(fileURLToPath(import.meta.url));
  const userData = app.getPath('userData');
  return {
    dataDir: process.env.CASEVAULT_DATA_DIR ?? join(userData, 'data'),
    backupDir: process.env.CASEVAULT_BACKUP_DIR ?? join(userData, 'backups'),
    uiDir: join(here, '../ui'),
    preload: join(here, 'preload.cjs'),
  };
}

// Started by Electron (dist/electron/main.js); importing this module elsewhere (tests) runs nothing.
if (process.versions.electron !== undefined) {
  main(defaultOptions()).catch((error: unknown) => {
    console.error('[casevault] could not start', error);
    dialog.showErrorBox('casevault could not start', error instanceof Error ? error.message : String(error));
    app.exit(1);
  });
}
