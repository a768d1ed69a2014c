/**
 * One casevault command in its own process, so its peak memory is its own:
 *   node --import tsx bench/command.ts <export|verify|restore|list> '<json>'
 * Prints one JSON line: the command's own wall time (from before composing the service to
 * after it returns), the process's max RSS, and a summary of the result.
 */
import { composeNodeBackupService } from '../src/infra/node/index.ts';

interface Args {
  readonly dataDir: string;
  readonly backupDir: string;
  readonly path?: string;
  readonly level?: number;
  readonly repeat?: number;
}

const [op, json] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}') as Args;

async function main(): Promise<Record<string, unknown>> {
  const started = performance.now();
  const backup = await composeNodeBackupService({
    dataDir: args.dataDir,
    backupDir: args.backupDir,
    appVersion: '0.1.0-bench',
    startJobs: false,
    // A restore into an empty data dir: nothing is created there before the swap.
    openDatabase: op === 'export',
  });
  try {
    const { service } = backup;
    let summary: Record<string, unknown>;
    if (op === 'export') {
      const r = await service.exportNow({ compressionLevel: args.level ?? 6 });
      summary = { filePath: r.filePath, size: r.size, checksum: r.checksum };
    } else if (op === 'verify') {
      const r = await service.verifyBackup(args.path!);
      summary = { size: r.size, entries: r.entries, sidecarChecked: r.sidecarChecked };
    } else if (op === 'restore') {
      const r = await service.restoreFromZip(args.path!);
      summary = { success: r.success, files: r.metadata.counts.files };
    } else if (op === 'list') {
      // listBackups and getStatistics, each timed `repeat` times in this one process.
      const times: { list: number[]; stats: number[] } = { list: [], stats: [] };
      let count = 0;
      for (let i = 0; i < (args.repeat ?? 5); i += 1) {
        let t = performance.now();
        count = (await service.listBackups()).length;
        times.list.push(performance.now() - t);
        t = performance.now();
        await service.getStatistics();
        times.stats.push(performance.now() - t);
      }
      summary = { count, listMs: times.list, statsMs: times.stats };
    } else {
      throw new Error(`unknown command ${op}`);
    }
    return { ...summary, ms: performance.now() - started };
  } finally {
    await backup.dispose();
  }
}

main().then(
  (result) => {
    const maxRssMB = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(`${JSON.stringify({ op, maxRssMB, ...result })}\n`);
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
