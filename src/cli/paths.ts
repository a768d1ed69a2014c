/**
 * Default dirs: `$XDG_DATA_HOME/casevault/{data,backups}` (XDG_DATA_HOME defaults to
 * ~/.local/share), overridden by CASEVAULT_DATA_DIR / CASEVAULT_BACKUP_DIR, overridden by flags.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function appDataRoot(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(xdg, 'casevault');
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.CASEVAULT_DATA_DIR || join(appDataRoot(env), 'data'));
}

export function defaultBackupDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.CASEVAULT_BACKUP_DIR || join(appDataRoot(env), 'backups'));
}
