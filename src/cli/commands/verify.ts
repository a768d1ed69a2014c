import { positionals } from '../args.ts';
import { PASSWORD_FILE_FLAG, RECOVERY_KEY_FILE_FLAG, unlockOf } from '../secrets.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, backupPath, dirsForFile, withSystem, type Command } from '../context.ts';
import { withAdvice } from '../advice.ts';
import { formatBytes, shellQuote } from '../output.ts';

export const command: Command = {
  name: 'verify',
  usage: 'casevault verify FILE|latest [--backup-dir B] [--password-file F | --recovery-key-file F] [--json]',
  summary: 'check a backup completely without restoring it',
  description:
    'Checks the .sha256 sidecar (if present) against the whole file, inflates and hashes every\n' +
    "entry against the manifest, and integrity-checks the backup's database in scratch space.\n" +
    "latest: the newest complete backup in the backup dir. The audit line goes to --backup-dir,\n" +
    "else to FILE's folder if it is a backup dir, else the default.\n" +
    'An encrypted backup (.zip.age) needs the password (--password-file F, else $CASEVAULT_PASSWORD,\n' +
    'else asked for on a terminal) or the recovery key (--recovery-key-file F); a plain one neither.',
  flags: [BACKUP_DIR_FLAG, PASSWORD_FILE_FLAG, RECOVERY_KEY_FILE_FLAG, JSON_FLAG],
  async run(args, ctx) {
    const [file] = positionals(args, ['FILE']);
    return withSystem(ctx, await dirsForFile(args, ctx.env, file!), { operation: 'verify', dataDir: 'none', dataDirLock: 'none', openDatabase: false, scratchInTmp: true }, async (system) => {
      const path = await backupPath(system, file!, 'verify');
      // An encrypted backup (.zip.age) opens with the password or the recovery key; a plaintext one needs neither.
      const unlock = await unlockOf(args, ctx, path.endsWith('.age'));
      const result = await withAdvice(system, 'verify', path, () => system.service.verifyBackup(path, { signal: ctx.signal, onProgress: ctx.onProgress, ...(unlock ? { unlock } : {}) }));
      return {
        message: 'Backup verified: it is intact',
        data: { ...result },
        lines: [
          `${shellQuote(result.filePath)}: intact (${result.entries} entries, ${formatBytes(result.size)})`,
          `  sha256 ${result.checksum}${result.sidecarChecked ? ' (matches its .sha256)' : ' (no .sha256 beside it)'}`,
          `  made ${result.metadata.createdAt} by casevault ${result.metadata.appVersion}, schema ${result.metadata.schemaVersion ?? 'none'}`,
        ],
      };
    });
  },
};
