/**
 * One casevault command in its own process, so its peak memory is its own:
 *   node --import tsx bench/command.ts <export|verify|restore|list|unlock> '<json>'
 * Prints one JSON line: the command's own wall time (from before composing the service to
 * after it returns), the process's max RSS, and a summary of the result. With
 * `"phases": true` in the JSON, the ports are wrapped and timed and the line also carries
 * where the time went (bench/phases.ts); the measured rounds run without.
 * An encrypted backup (issue 13) is opened with `recoveryKeyFile` or `passwordFile` (read as
 * the CLI reads them); the line then carries `decryption`: the payload's chunks and how many
 * were decrypted (each decryption authenticates one chunk). `unlock` times opening the key
 * file with the password alone (one scrypt), which a verify or restore by password adds.
 * `put` (the copy row, bench/copy.ts) uploads `path` as `name` through the S3 destination
 * adapter alone (src/infra/s3), with `partSize`/`queueSize`/`checksum` as given and the
 * credentials from the environment (the SDK's default chain, as the CLI has them): no service,
 * no probe, no sidecar; `dataDir`/`backupDir` are not used.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeNodeBackupService } from '../src/infra/node/index.ts';
import { createNodeFileSystem } from '../src/infra/nodefs/nodeFileSystem.ts';
import { createS3Destination } from '../src/infra/s3/s3Destination.ts';
import type { BackupDeps, Unlock } from '../src/domain/deps.ts';
import type { DecryptingHandle, Encryption } from '../src/ports/encryption.ts';
import { readSecretFile } from '../src/cli/secrets.ts';
import { KEY_FILE } from '../src/domain/keys.ts';
import { Recorder, summarise, timedArchive, timedDatabase, timedFileSystem, timedHashing, type PhaseReport } from './phases.ts';

interface Args {
  readonly dataDir: string;
  readonly backupDir: string;
  readonly path?: string;
  readonly level?: number;
  readonly repeat?: number;
  readonly phases?: boolean;
  readonly recoveryKeyFile?: string;
  readonly passwordFile?: string;
  readonly name?: string;
  readonly s3?: { readonly endpoint: string; readonly region: string; readonly bucket: string; readonly prefix: string; readonly checksum?: 'when-supported' | 'when-required' };
  readonly partSize?: number;
  readonly queueSize?: number;
}

const [op, json] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}') as Args;

function unlockOf(): Unlock | undefined {
  if (args.recoveryKeyFile) return { recoveryKey: readSecretFile(args.recoveryKeyFile, 'recovery key') };
  if (args.passwordFile) return { password: readSecretFile(args.passwordFile, 'password') };
  return undefined;
}

/** The decrypting handles the service opens, to count their chunks and decryptions. */
const opened: DecryptingHandle[] = [];
function countingEncryption(inner: Encryption): Encryption {
  return {
    ...inner,
    async openDecrypting(handle, keys, label) {
      const decrypting = await inner.openDecrypting(handle, keys, label);
      opened.push(decrypting);
      return decrypting;
    },
  };
}
/** Chunks of the payload and chunks decrypted (the age adapter's handle counts them; the port does not promise it). */
function decryption(): { chunks: number; decrypted: number } | undefined {
  if (opened.length === 0) return undefined;
  let chunks = 0;
  let decrypted = 0;
  for (const h of opened as (DecryptingHandle & { info?: { chunks: number }; chunksDecrypted?: number })[]) {
    chunks += h.info?.chunks ?? 0;
    decrypted += h.chunksDecrypted ?? 0;
  }
  return { chunks, decrypted };
}

/** One upload through the S3 adapter, as the copier makes it (bench/copy.ts's `put` row). */
async function put(): Promise<Record<string, unknown>> {
  const started = performance.now();
  const { endpoint, region, bucket, prefix, checksum } = args.s3!;
  const store = createS3Destination(
    { kind: 's3', endpoint, region, bucket, prefix, pathStyle: true, checksum: checksum ?? 'when-supported' },
    { ...(args.partSize ? { partSize: args.partSize } : {}), ...(args.queueSize ? { queueSize: args.queueSize } : {}) },
  );
  const source = await createNodeFileSystem().openRead(args.path!);
  try {
    await store.put(args.name!, source, {});
  } finally {
    await source.close();
  }
  return { size: source.size, ms: performance.now() - started };
}

async function main(): Promise<Record<string, unknown>> {
  if (op === 'put') return put();
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
  // The service reads its ports from this object at each call (phases.ts).
  const deps = backup.deps as { -readonly [K in keyof BackupDeps]: BackupDeps[K] };
  if (deps.encryption) deps.encryption = countingEncryption(deps.encryption);
  const unlock = unlockOf();
  if (rec) {
    deps.db = timedDatabase(rec, deps.db);
    deps.archive = timedArchive(rec, deps.archive);
    deps.hashing = timedHashing(rec, deps.hashing);
  }
  const run = rec || unlock ? { ...(rec ? { onProgress: rec.onProgress } : {}), ...(unlock ? { unlock } : {}) } : undefined;
  let serviceStart = 0;
  let serviceEnd = 0;
  try {
    const { service } = backup;
    let summary: Record<string, unknown>;
    serviceStart = rec?.now() ?? 0;
    if (op === 'export') {
      const r = await service.exportNow({ compressionLevel: args.level ?? 6 }, run);
      summary = { filePath: r.filePath, size: r.size, checksum: r.checksum, encrypted: r.filePath.endsWith('.age') };
    } else if (op === 'verify') {
      const r = await service.verifyBackup(args.path!, run);
      summary = { size: r.size, entries: r.entries, sidecarChecked: r.sidecarChecked, encrypted: r.encrypted };
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
    } else if (op === 'unlock') {
      // The password's key opened from the key file: one scrypt at the key file's work factor.
      const t = performance.now();
      const key = await deps.encryption!.openKeyFile(readFileSync(join(args.backupDir, KEY_FILE)), unlock?.password ?? '', KEY_FILE);
      summary = { unlockMs: performance.now() - t, publicKey: key.publicKey };
    } else {
      throw new Error(`unknown command ${op}`);
    }
    serviceEnd = rec?.now() ?? 0;
    const counted = decryption();
    return { ...summary, ...(counted ? { decryption: counted } : {}), ms: performance.now() - started };
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
