import { resolve } from 'node:path';
import { positionals, stringFlag } from '../args.ts';
import { PASSWORD_FILE_FLAG, RECOVERY_KEY_FILE_FLAG, unlockOf } from '../secrets.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, backupPath, dirsForFile, withSystem, type Command } from '../context.ts';
import { withAdvice } from '../advice.ts';
import { formatBytes, shellQuote } from '../output.ts';

export const command: Command = {
  name: 'portable',
  usage: 'casevault portable FILE|latest [--to FOLDER] [--backup-dir B] [--password-file F | --recovery-key-file F] [--json]',
  summary: 'write a portable copy of a backup: one self-contained ZIP to carry to another machine',
  description:
    'Writes casevault-portable-<the backup\'s time>.zip, a full backup in one file (format 1: documents,\n' +
    "settings, database, manifest, metadata; no pool needed), of any backup, incremental or not, into\n" +
    "the backup dir's portable/ folder, or into --to FOLDER (a USB drive), with its .sha256 beside it.\n" +
    'Every entry is checked against the backup\'s manifest while it is copied. Copies are not listed\n' +
    'as backups. An encrypted backup\'s copy is encrypted (.zip.age; the password\'s key file is put\n' +
    'beside it), and so is any copy while encryption is on; an encrypted backup needs the password\n' +
    '(--password-file F, else $CASEVAULT_PASSWORD, else asked for on a terminal) or the recovery key.',
  flags: [
    { name: 'to', kind: 'string', value: 'FOLDER', help: "an existing folder to write the copy into (default: the backup dir's portable/)" },
    BACKUP_DIR_FLAG,
    PASSWORD_FILE_FLAG,
    RECOVERY_KEY_FILE_FLAG,
    JSON_FLAG,
  ],
  async run(args, ctx) {
    const [file] = positionals(args, ['FILE']);
    const to = stringFlag(args, 'to');
    return withSystem(ctx, await dirsForFile(args, ctx.env, file!), { operation: 'portable', dataDir: 'none', dataDirLock: 'none', openDatabase: false }, async (system) => {
      const path = await backupPath(system, file!, 'portable copy');
      const unlock = await unlockOf(args, ctx, path.endsWith('.age'));
      const result = await withAdvice(system, 'portable copy', path, () =>
        system.service.exportPortable(path, to === undefined ? {} : { to: resolve(to) }, { signal: ctx.signal, onProgress: ctx.onProgress, ...(unlock ? { unlock } : {}) }),
      );
      const c = result.metadata.counts;
      return {
        message: 'Portable copy written',
        data: { ...result },
        lines: [
          `wrote ${shellQuote(result.filePath)}`,
          `  a portable copy of ${shellQuote(result.source)}${result.sourceFormat === 2 ? ' (incremental: its documents came from the pool)' : ''}`,
          `  ${formatBytes(result.size)}, sha256 ${result.checksum}, ${result.entries} entries checked`,
          ...(result.encrypted ? [`  encrypted (age) to ${result.recipients.length} public key${result.recipients.length === 1 ? '' : 's'}${result.keyFile ? `; the password's key file is beside it: ${shellQuote(result.keyFile)}` : ''}`] : []),
          `  ${c.users} users, ${c.cases} cases, ${c.tasks} tasks, ${c.hearings} hearings, ${c.orders} orders, ${c.files} documents (${formatBytes(c.bytes)})`,
          ...result.warnings.map((w) => `  warning: ${w}`),
        ],
      };
    });
  },
};
