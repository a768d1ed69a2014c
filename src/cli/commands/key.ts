import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BackupError } from '../../domain/errors.ts';
import type { KeyStatus } from '../../domain/keys.ts';
import { UsageError, stringFlag, type ParsedArgs } from '../args.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type CliContext, type Command, type CommandResult } from '../context.ts';
import { PASSWORD_FILE_FLAG, RECOVERY_KEY_FILE_FLAG, passwordOf, promptHidden, readSecretFile, unlockOf } from '../secrets.ts';
import type { NodeBackup } from '../../infra/node/index.ts';

const SUBCOMMANDS = ['init', 'passwd', 'add', 'remove', 'show', 'off', 'on'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

export const command: Command = {
  name: 'key',
  usage: 'casevault key init|passwd|add AGE1…|remove AGE1…|show|off|on [--backup-dir B] [--password-file F] [--recovery-key-file R] [--json]',
  summary: 'set up and change the keys that encrypt backups',
  description:
    'init: a password key (kept in B/casevault-key.age, sealed with the password) and a recovery key;\n' +
    '  with --recovery-key-file R the recovery key is written to R (mode 0600, never over a file) and\n' +
    '  not printed; on a terminal without R it is shown once and must be typed back. From then on\n' +
    '  every export is encrypted (<name>.zip.age) to the public keys in B/casevault-keys.json.\n' +
    'passwd: a new password (--new-password-file F, $CASEVAULT_NEW_PASSWORD or asked), with the old\n' +
    '  one (--password-file, $CASEVAULT_PASSWORD) or the recovery key (--recovery-key-file).\n' +
    'add / remove: another public key (age1…) every new backup is also encrypted to.\n' +
    'show: public keys only. off / on: stop (or resume) encrypting new backups; recorded in the audit log.',
  flags: [
    BACKUP_DIR_FLAG,
    PASSWORD_FILE_FLAG,
    RECOVERY_KEY_FILE_FLAG,
    { name: 'new-password-file', kind: 'string', value: 'F', help: 'passwd: the new password on the first line of F' },
    { name: 'label', kind: 'string', value: 'TEXT', help: 'add: a name for the key (e.g. "escrow")' },
    JSON_FLAG,
  ],
  async run(args, ctx) {
    const [sub, key, extra] = args.positionals;
    if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) throw new UsageError(`key: say what to do: ${SUBCOMMANDS.join(', ')}`);
    if (extra !== undefined || ((sub === 'add' || sub === 'remove') !== (key !== undefined))) {
      throw new UsageError(sub === 'add' || sub === 'remove' ? `key ${sub}: give one public key (age1…)` : `key ${sub}: unexpected argument`);
    }
    return withSystem(ctx, dirsOf(args, ctx.env), { operation: `key ${sub}`, dataDir: 'none', dataDirLock: 'none', openDatabase: false }, async (system) => {
      return await run(sub as Sub, key, args, ctx, system);
    });
  },
};

function report(status: KeyStatus, message: string, extra: string[] = [], data: Record<string, unknown> = {}): CommandResult {
  return {
    message,
    data: { ...status, ...data },
    lines: [
      message,
      ...extra,
      `  encryption: ${status.encryption}${status.keyFile ? '' : status.encryption === 'not-set-up' ? '' : ' (casevault-key.age is MISSING)'}`,
      ...status.recipients.map((r) => `  ${r.role.padEnd(8)}  ${r.publicKey}${r.label ? `  (${r.label})` : ''}`),
    ],
  };
}

async function run(sub: Sub, key: string | undefined, args: ParsedArgs, ctx: CliContext, system: NodeBackup): Promise<CommandResult> {
  const { service } = system;
  switch (sub) {
    case 'show':
      return report(await service.keyShow(), 'Encryption keys (public keys only)');
    case 'add':
      return report(await service.keyAdd(key, stringFlag(args, 'label') ?? null), `Added ${key}: new backups are also encrypted to it`);
    case 'remove':
      return report(await service.keyRemove(key), `Removed ${key}: new backups are no longer encrypted to it`);
    case 'off':
      return report(await service.setEncryption(false), 'Encryption is off: new backups are NOT encrypted (older ones still need their key); recorded in the audit log');
    case 'on':
      return report(await service.setEncryption(true), 'Encryption is on: new backups are encrypted');
    case 'passwd': {
      const unlock = await unlockOf(args, ctx, false);
      const old = unlock ?? { password: await passwordOf(args, ctx, { prompt: 'Current password: ', required: true }) };
      const fresh = await newPassword(args, ctx, 'new-password-file', 'CASEVAULT_NEW_PASSWORD');
      const status = await service.keyPasswd(old, fresh);
      return report(status, status.newKey ? 'New password set, with a new password key: backups made before now open with the recovery key' : 'Password changed: every backup opens with the new password');
    }
    case 'init':
      return init(args, ctx, system);
  }
}

async function newPassword(args: ParsedArgs, ctx: CliContext, flag: string, env: string): Promise<string> {
  const fromFile = stringFlag(args, flag);
  if (fromFile !== undefined) return readSecretFile(fromFile, 'password');
  if (ctx.env[env]) return ctx.env[env]!;
  if (!process.stdin.isTTY) throw new UsageError(`give the new password with --${flag} F or $${env}`);
  const first = await promptHidden('New password: ', ctx);
  const again = await promptHidden('The same password again: ', ctx);
  if (first !== again) throw new BackupError('INVALID_INPUT', 'the two passwords typed differ; nothing was changed');
  return first;
}

async function init(args: ParsedArgs, ctx: CliContext, system: NodeBackup): Promise<CommandResult> {
  const keyFile = stringFlag(args, 'recovery-key-file');
  if (keyFile === undefined && !process.stdin.isTTY) {
    throw new UsageError('key init: give --recovery-key-file R (the new recovery key is written there), or run it on a terminal to see it and type it back');
  }
  const password = stringFlag(args, 'password-file') !== undefined || ctx.env.CASEVAULT_PASSWORD ? (await passwordOf(args, ctx, { prompt: '', required: true }))! : await newPassword(args, ctx, 'password-file', 'CASEVAULT_PASSWORD');
  const offer = await system.service.keyInit(password);
  let back: string;
  if (keyFile !== undefined) {
    const path = resolve(keyFile);
    try {
      writeFileSync(path, `# casevault recovery key for ${system.config.backupDir}\n# public key: ${offer.recoveryPublicKey}\n${offer.recoveryKey}\n`, { flag: 'wx', mode: 0o600 });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EEXIST') throw new BackupError('ALREADY_EXISTS', `key init: ${path} exists; the recovery key is never written over a file. Nothing was changed`);
      throw new BackupError(code === 'ENOENT' ? 'NOT_FOUND' : 'PERMISSION_DENIED', `key init: cannot write the recovery key to ${path} (${code ?? 'error'}); nothing was changed`);
    }
    back = readSecretFile(path, 'recovery key');
  } else {
    // On a terminal only (checked above): shown on stderr, never on stdout or in --json.
    ctx.stderr.write(`\nYour RECOVERY KEY (shown once; it opens every backup if the password is lost):\n\n    ${offer.recoveryKey}\n\nWrite it down or print it, and keep it away from the backups.\n`);
    back = await promptHidden('Type the recovery key back: ', ctx);
  }
  const status = await system.service.keyConfirm(back);
  return report(
    status,
    'Encryption is on: new backups are encrypted to these public keys',
    keyFile !== undefined ? [`  the recovery key was written to ${resolve(keyFile)} (mode 0600): keep it safe, away from the backups`] : [],
    keyFile !== undefined ? { recoveryKeyFile: resolve(keyFile) } : {},
  );
}

