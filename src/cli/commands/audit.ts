import { hasFlag, positionals } from '../args.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type Command } from '../context.ts';

export const command: Command = {
  name: 'audit',
  usage: 'casevault audit [--backup-dir B] [--verify] [--json]',
  summary: 'print the audit log of exports, restores, verifications, deletions, prunes, pins, policy changes and undos',
  description:
    'Prints casevault-audit.jsonl from the backup dir: one line per operation with its time, backup file,\n' +
    'SHA-256, result and code. Each line is chained to the one before it by hash; --verify exits 1\n' +
    '(CHECKSUM_MISMATCH) at the first line that was edited, removed or inserted.',
  flags: [BACKUP_DIR_FLAG, { name: 'verify', kind: 'boolean', help: 'check the hash chain; exit 1 if it is broken' }, JSON_FLAG],
  async run(args, ctx) {
    positionals(args, []);
    return withSystem(ctx, dirsOf(args, ctx.env), { operation: 'audit', dataDir: 'none', dataDirLock: 'none', openDatabase: false }, async (system) => {
      const { entries, broken } = await system.service.readAuditLog();
      const lines = entries.map(
        (e) => `${e.time}  ${e.action.padEnd(12)}  ${e.result === 'ok' ? 'ok' : `${e.result} ${e.code ?? ''}`.trim()}  ${e.file ?? '-'}${e.sha256 ? `  sha256 ${e.sha256.slice(0, 12)}…` : ''}`,
      );
      const chain = broken ? `chain BROKEN at line ${broken.line}: it ${broken.reason}` : `chain intact (${entries.length} lines)`;
      return {
        message: broken ? 'The audit log has been tampered with' : 'Audit log',
        data: { entries, broken },
        lines: [...lines, chain],
        ...(broken && hasFlag(args, 'verify')
          ? { failure: { code: 'CHECKSUM_MISMATCH', error: `audit: line ${broken.line} of the audit log ${broken.reason}` } }
          : {}),
      };
    });
  },
};
