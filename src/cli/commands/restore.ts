import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { BackupError } from '../../domain/errors.ts';
import { positionals } from '../args.ts';
import { PASSWORD_FILE_FLAG, RECOVERY_KEY_FILE_FLAG, unlockOf } from '../secrets.ts';
import { withAdvice } from '../advice.ts';
import { shellQuote } from '../output.ts';
import { BACKUP_DIR_FLAG, DATA_DIR_FLAG, JSON_FLAG, LATEST, backupPath, dirsForFile, openSystem, type Command } from '../context.ts';

export const command: Command = {
  name: 'restore',
  usage: 'casevault restore FILE|latest [--data-dir D] [--backup-dir B] [--password-file F | --recovery-key-file F] [--json]',
  summary: 'replace the data dir with the contents of a backup, all or nothing',
  description:
    'Checks the whole backup (every SHA-256, the database integrity) in a staging dir beside the\n' +
    'data dir before it swaps it in. The previous data dir is kept as <data dir>.safety-<time>.\n' +
    'Close the app first: the data dir must not be in use. Works onto a data dir that does not exist yet.\n' +
    "latest: the newest complete backup in the backup dir. The audit line goes to --backup-dir,\n" +
    "else to FILE's folder if it is a backup dir, else the default.\n" +
    'An encrypted backup (.zip.age) needs the password (--password-file F, else $CASEVAULT_PASSWORD,\n' +
    'else asked for on a terminal) or the recovery key (--recovery-key-file F); a plain one neither.',
  flags: [DATA_DIR_FLAG, BACKUP_DIR_FLAG, PASSWORD_FILE_FLAG, RECOVERY_KEY_FILE_FLAG, JSON_FLAG],
  async run(args, ctx) {
    const [file] = positionals(args, ['FILE']);
    // Before the data dir's lock, which would create the folders above a new data dir.
    if (file !== LATEST && !existsSync(resolve(file!))) throw new BackupError('NOT_FOUND', `restore: ${resolve(file!)} does not exist`);
    const system = await openSystem(ctx, await dirsForFile(args, ctx.env, file!), { operation: 'restore', dataDir: 'write', dataDirLock: 'exclusive', openDatabase: false });
    try {
      const path = await backupPath(system, file!, 'restore');
      // An encrypted backup (.zip.age) opens with the password or the recovery key; a plaintext one needs neither.
      const unlock = await unlockOf(args, ctx, path.endsWith('.age'));
      const result = await withAdvice(system, 'restore', path, () => system.service.restoreFromZip(path, { signal: ctx.signal, onProgress: ctx.onProgress, ...(unlock ? { unlock } : {}) }));
      const m = result.metadata;
      return {
        message: 'Backup restored successfully',
        data: { ...result },
        lines: [
          `restored ${shellQuote(path)} (made ${m.createdAt} by casevault ${m.appVersion}) into ${system.config.dataDir}`,
          `  ${m.counts.users} users, ${m.counts.cases} cases, ${m.counts.tasks} tasks, ${m.counts.files} documents`,
          result.safetyCopy ? `  the previous data is kept in ${result.safetyCopy}` : '  there was no previous data',
        ],
      };
    } finally {
      await system.dispose();
    }
  },
};
