/**
 * One casevault command in its own process, so its peak memory is its own:
 *   node --import tsx bench/command.ts <export|verify|restore|list> '<json>'
 * Prints one JSON line: the command's own wall time (from before composing the service to
 * after it returns), the process's max RSS, and a summary of the result. With
 * `"phases": true` in the JSON, the ports are wrapped and timed and the line also carries
 * where the time went (bench/phases.ts); the measured rounds run without.
 */
import { composeNodeBackupService } from '../src/infra/node/index.ts';
import type { BackupDeps } from '../src/domain/deps.ts';
import { Recorder, summarise, timedArchive, timedDatabase, timedFileSystem, timedHashing, type PhaseReport } from './phases.ts';

interface Args {
  readonly dataDir: string;
  readonly backupDir: string;
  readonly path?: string;
  readonly level?: number;
  readonly repeat?: number;
  readonly phases?: boolean;
}

const [op, json] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}') as Args;

async function main(): Promise<Record<string, unknown>> {
  const started = performance.now();
  const rec = args.phases ? new Recorder() : undefined;
  const backup = await composeNodeBackupService({
    dataDir: args.dataDir,
    backupDir: args.backupDir,
    appVersion: '0.1.0-bench',
    startJobs: false,
    // A restore into an empty data dir: nothing is created there before the swap.
    openDatabase: op === 'export',
    ...(rec ? { wrapFs: (fs) => timedFileSystem(rec, fs) } : {}),
  });
  if (rec) {
    // The service reads its ports from this object at each call (phases.ts).
    const deps = backup.deps as { -readonly [K in keyof BackupDeps]: BackupDeps[K] };
    deps.db = timedDatabase(rec, deps.db);
    deps.archive = timedArchive(rec, deps.archive);
    deps.hashing = timedHashing(rec, deps.hashing);
  }
  const run = rec ? { onProgress: rec.onProgress } : undefined;
  let serviceStart = 0;
  let serviceEnd = 0;
  try {
    const { service } = backup;
    let summary: Record<string, unknown>;
    serviceStart = rec?.now() ?? 0;
    if (op === 'export') {
      const r = await service.exportNow({ compressionLevel: args.level ?? 6 }, run);
      summary = { filePath: r.filePath, size: r.size, checksum: r.checksum };
    } else if (op === 'verify') {
      const r = await service.verifyBackup(args.path!, run);
      summary = { size: r.size, entries: r.entries, sidecarChecked: r.sidecarChecked };
    } else if (op === 'restore') {
      const r = await service.restoreFromZip(args.path!, run);
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
    serviceEnd = rec?.now() ?? 0;
    return { ...summary, ms: performance.now() - started };
  } finally {
    await backup.dispose();
    if (rec) {
      rec.stop();
      phases = summarise(rec, op!, serviceStart, serviceEnd, rec.now());
    }
  }
}

let phases: PhaseReport | undefined;
main().then(
  (result) => {
    const maxRssMB = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(`${JSON.stringify({ op, maxRssMB, ...result, ...(phases ? { phases } : {}) })}\n`);
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
