import { BackupError } from '../../domain/errors.ts';
import { positionals, stringFlag } from '../args.ts';
import { BACKUP_DIR_FLAG, DATA_DIR_FLAG, dirsOf, openSystem, type Command } from '../context.ts';
import { createDemoData } from '../../infra/node/demoData.ts';
import { formatBytes } from '../output.ts';

export const command: Command = {
  name: 'demo',
  usage: 'casevault demo [--data-dir D] [--backup-dir B] [--json]',
  summary: 'create a realistic sample data dir to try everything on',
  description:
    'Fills an empty (or new) data dir with 4 users, 36 cases with tasks, hearings and orders,\n' +
    '30 documents (notes and scanned PDFs, up to ~1.2 MB) and settings.json. Refuses a data dir that holds data.',
  flags: [DATA_DIR_FLAG, { ...BACKUP_DIR_FLAG, help: 'the backup dir the printed next steps use' }, { name: 'json', kind: 'boolean', help: 'print exactly one JSON object on stdout' }],
  async run(args, ctx) {
    positionals(args, []);
    const system = await openSystem(ctx, dirsOf(args, ctx.env), { operation: 'demo', dataDir: 'write', dataDirLock: 'exclusive', openDatabase: true });
    try {
      const { fs, hashing } = system.deps;
      const dataDir = system.config.dataDir;
      const counts = await system.db.counts();
      const hasFiles = await fs.exists(fs.join(dataDir, 'files'));
      if (counts.users > 0 || counts.cases > 0 || hasFiles) {
        throw new BackupError('ALREADY_EXISTS', `demo: ${dataDir} already holds data; give an empty or new --data-dir`);
      }
      const summary = await createDemoData(fs, hashing, system.db, dataDir);
      return {
        message: 'Demo data created',
        data: { dataDir, ...summary },
        lines: [
          `created demo data in ${dataDir}:`,
          `  ${summary.users} users, ${summary.cases} cases, ${summary.tasks} tasks, ${summary.hearings} hearings, ${summary.orders} orders`,
          `  ${summary.documents} documents (${formatBytes(summary.bytes)}) and settings.json`,
          `next: casevault export${stringFlag(args, 'data-dir') ? ` --data-dir ${dataDir}` : ''}`,
        ],
      };
    } finally {
      await system.dispose();
    }
  },
};
