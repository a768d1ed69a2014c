import { dirname, join } from 'node:path';
import { BackupError } from '../../domain/errors.ts';
import { SETTINGS_FILE } from '../../domain/layout.ts';
import { createDemoData } from '../../infra/node/demoData.ts';
import type { FileSystem } from '../../ports/fileSystem.ts';
import { positionals, stringFlag } from '../args.ts';
import { BACKUP_DIR_FLAG, DATA_DIR_FLAG, dirsOf, withSystem, type Command } from '../context.ts';
import { formatBytes, shellQuote } from '../output.ts';

export const command: Command = {
  name: 'demo',
  usage: 'casevault demo [--data-dir D] [--backup-dir B] [--json]',
  summary: 'create a realistic sample data dir to try everything on',
  description:
    'Fills an empty (or new) data dir with 4 users, 36 cases with tasks, hearings and orders,\n' +
    '30 documents (notes and scanned PDFs, up to ~1.2 MB) and settings.json. Refuses a data dir that holds\n' +
    'other data; one that holds the demo data already is left as it is. Prints the next steps to try,\n' +
    'with backups in --backup-dir (default: a backups folder beside a --data-dir, else the default backup dir).',
  flags: [DATA_DIR_FLAG, { ...BACKUP_DIR_FLAG, help: 'the backup dir the printed next steps use' }, { name: 'json', kind: 'boolean', help: 'print exactly one JSON object on stdout' }],
  async run(args, ctx) {
    positionals(args, []);
    const dirs = dirsOf(args, ctx.env);
    // The walkthrough's layout: <somewhere>/data and <somewhere>/backups.
    const backupDir = stringFlag(args, 'backup-dir') || !stringFlag(args, 'data-dir') ? dirs.backupDir : join(dirname(dirs.dataDir), 'backups');
    return withSystem(ctx, { ...dirs, backupDir }, { operation: 'demo', dataDir: 'write', dataDirLock: 'exclusive', openDatabase: true }, async (system) => {
      const { fs, hashing } = system.deps;
      const dataDir = system.config.dataDir;
      const d = shellQuote(dataDir);
      const b = shellQuote(backupDir);
      // Runnable as printed: `npx casevault` works in the project after `npm ci`; both dirs given.
      const next = [
        `npx casevault export --data-dir ${d} --backup-dir ${b}`,
        `npx casevault list --backup-dir ${b}`,
        `npx casevault verify latest --backup-dir ${b}`,
      ];
      const counts = await system.db.counts();
      const hasFiles = await fs.exists(fs.join(dataDir, 'files'));
      if (counts.users > 0 || counts.cases > 0 || hasFiles) {
        if (!(await isDemoData(fs, dataDir))) {
          throw new BackupError('ALREADY_EXISTS', `demo: ${dataDir} already holds data; give an empty or new --data-dir`);
        }
        // Following the walkthrough a second time: its first step has nothing to do.
        return {
          message: 'The demo data is already there',
          data: { dataDir, backupDir, created: false, ...counts, next },
          lines: [`${dataDir} already holds the demo data; left as it is`, 'next steps:', ...next.map((n) => `  ${n}`)],
        };
      }
      const summary = await createDemoData(fs, hashing, system.db, dataDir);
      return {
        message: 'Demo data created',
        data: { dataDir, backupDir, created: true, ...summary, next },
        lines: [
          `created demo data in ${dataDir}:`,
          `  ${summary.users} users, ${summary.cases} cases, ${summary.tasks} tasks, ${summary.hearings} hearings, ${summary.orders} orders`,
          `  ${summary.documents} documents (${formatBytes(summary.bytes)}) and settings.json`,
          'next steps:',
          ...next.map((n) => `  ${n}`),
        ],
      };
    });
  },
};

/** Whether settings.json is the one createDemoData writes (also after a restore of a backup of it). */
async function isDemoData(fs: FileSystem, dataDir: string): Promise<boolean> {
  try {
    const settings = JSON.parse(new TextDecoder().decode(await fs.readFile(fs.join(dataDir, SETTINGS_FILE)))) as { createdBy?: unknown };
    return settings.createdBy === 'casevault demo'; // as src/infra/node/demoData.ts writes it
  } catch {
    return false;
  }
}
