/**
 * The copy row of `npm run bench` (issue 14): a backup uploaded to a local S3-compatible server
 * by casevault against `rclone copyto` (Debian's rclone, S3 backend) of the same file to the
 * same server, in the same rounds, in an order that rotates each round. Target: ≤ 1.0 × rclone.
 * - The server: scripts/s3server/start.sh (OpenStack Swift's s3api on 127.0.0.1, ~20 s to
 *   start), once per bench run, with `--parent` so it stops itself if the bench dies; stopped by
 *   stop.sh at the end and on Ctrl-C. One bucket, emptied after every round (untimed), so each
 *   upload is of a name that is not there yet (casevault never overwrites; rclone would skip).
 * - casevault, the product: `node bin/casevault.mjs copy NAME --to bench --backup-dir B`, with
 *   the destination added once by `dest add s3 --name bench --path-style …` and the credentials
 *   in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (the SDK's default chain). Besides the upload, a
 *   copy probes the destination (a small put, get, delete), aborts leftover multipart uploads,
 *   lists it, puts the sidecar and reads it back, and HEADs the object after the upload.
 * - casevault, the upload alone: bench/command.ts `put` (the S3 adapter, src/infra/s3, no
 *   service), at each `--copy-parts` setting: `16x3` is part size MiB × parts in flight, the
 *   adapter's default; `5x4` rclone's defaults; a trailing `r` is checksum mode when-required
 *   (no SDK CRC32 on each body, the MD5 of each part stays).
 * - rclone: `rclone copyto FILE :s3:BUCKET/rclone/NAME` with its defaults (multipart above
 *   `upload_cutoff` 200 MiB, in 5 MiB chunks, 4 in flight; the MD5 of the whole file first, for
 *   its metadata), configured by RCLONE_S3_* variables (no config file). AWS_CA_BUNDLE is left
 *   out of its environment: rclone's SDK refuses to start with one on its own transport, and
 *   the server is plain http.
 * Wall and CPU time (user + system of the process, every thread) per command, median of the
 * rounds, and the median of the per-round ratios to rclone; peak RSS of ours. The server's own
 * CPU (Swift, python) is in neither: on a 2-core machine it competes with the client for it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface Timed {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMB: number;
  readonly result?: Record<string, unknown>;
}

export interface CopyServer {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly dir: string;
  readonly bucket: string;
}

/** A setting of the adapter's upload: part size, parts in flight, checksum mode. */
export interface CopyVariant {
  readonly label: string;
  readonly partSize: number;
  readonly queueSize: number;
  readonly checksum: 'when-supported' | 'when-required';
}

const MiB = 2 ** 20;
const BUCKET = 'casevault-bench';
const DEST = 'bench';

/** `16x3,5x4,16x3r`: part size in MiB × parts in flight, `r` for checksum mode when-required. */
export function parseCopyParts(value: string): CopyVariant[] {
  return value.split(',').map((s) => {
    const m = /^(\d+)x(\d+)(r?)$/.exec(s.trim());
    if (!m || Number(m[1]) < 5 || Number(m[2]) < 1) throw new Error(`bench: --copy-parts takes MiBxQUEUE[r] with MiB ≥ 5 (e.g. 16x3,5x4,16x3r), got ${s}`);
    return { label: s.trim(), partSize: Number(m[1]) * MiB, queueSize: Number(m[2]), checksum: m[3] ? 'when-required' : 'when-supported' };
  });
}

/** Starts the server and makes the bucket; throws with start.sh's message if it does not come up. */
export function startCopyServer(root: string): CopyServer {
  const started = spawnSync('bash', [join(root, 'scripts/s3server/start.sh'), '--parent', String(process.pid)], { encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`bench: scripts/s3server/start.sh failed (${started.status}):\n${started.stderr}`);
  const server = { ...(JSON.parse(started.stdout.trim().split('\n').pop() ?? '') as Omit<CopyServer, 'bucket'>), bucket: BUCKET };
  rclone(server, ['mkdir', `:s3:${BUCKET}`]);
  return server;
}

export function stopCopyServer(root: string, server: CopyServer): void {
  spawnSync('bash', [join(root, 'scripts/s3server/stop.sh'), server.dir], { stdio: 'ignore' });
}

/** rclone's environment: its S3 backend configured by variables, no config file, no AWS_CA_BUNDLE. */
export function rcloneEnv(server: CopyServer): NodeJS.ProcessEnv {
  const { AWS_CA_BUNDLE: _, ...env } = process.env;
  return {
    ...env,
    RCLONE_CONFIG: '/dev/null',
    RCLONE_S3_PROVIDER: 'Other',
    RCLONE_S3_ENV_AUTH: 'false',
    RCLONE_S3_ACCESS_KEY_ID: server.accessKeyId,
    RCLONE_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    RCLONE_S3_ENDPOINT: server.endpoint,
    RCLONE_S3_REGION: server.region,
    RCLONE_S3_FORCE_PATH_STYLE: 'true',
  };
}

/** casevault's environment: the credentials where the SDK's default chain finds them. */
export function casevaultEnv(server: CopyServer): NodeJS.ProcessEnv {
  return { ...process.env, AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey, AWS_REGION: server.region };
}

/** An untimed rclone command (mkdir, delete); throws with its stderr if it fails. */
function rclone(server: CopyServer, args: readonly string[]): void {
  const run = spawnSync('rclone', args, { env: rcloneEnv(server), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bench: rclone ${args.join(' ')} failed (${run.status}):\n${run.stderr}`);
}

/** Adds the destination `bench` to `backupDir` with the CLI (it probes the server: also warms the CLI's bundle). */
export function addDestination(root: string, server: CopyServer, backupDir: string): void {
  const args = [join(root, 'bin/casevault.mjs'), 'dest', 'add', 's3', '--name', DEST, '--bucket', server.bucket, '--prefix', 'cli/', '--endpoint', server.endpoint, '--region', server.region, '--path-style', '--backup-dir', backupDir, '--json'];
  const run = spawnSync(process.execPath, args, { cwd: root, env: casevaultEnv(server), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bench: casevault dest add s3 failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
}

export interface CopyRound {
  readonly cli: Timed;
  readonly rclone: Timed;
  readonly puts: readonly Timed[];
}

export interface CopyDeps {
  readonly root: string;
  readonly server: CopyServer;
  readonly variants: readonly CopyVariant[];
  /** Runs a command under /usr/bin/time (run.ts's), with this environment. */
  readonly timed: (command: string, args: readonly string[], env: NodeJS.ProcessEnv) => Timed & { stdout: string; stderr: string };
  /** Runs bench/command.ts's `op` in its own process (run.ts's). */
  readonly command: (op: string, args: Record<string, unknown>, env: NodeJS.ProcessEnv) => Timed;
  readonly rotated: <T>(round: number, steps: readonly (() => T)[]) => T[];
}

/** One round: the CLI's copy, rclone copyto and each adapter setting, rotated; the bucket emptied after each. */
export function copyRound(deps: CopyDeps, backupDir: string, file: string, name: string, i: number): CopyRound {
  const { root, server } = deps;
  const empty = () => rclone(server, ['delete', `:s3:${server.bucket}`]);
  const steps: (() => Timed)[] = [
    () => {
      const m = deps.timed(process.execPath, [join(root, 'bin/casevault.mjs'), 'copy', name, '--to', DEST, '--backup-dir', backupDir, '--json'], casevaultEnv(server));
      const copied = (JSON.parse(m.stdout) as { copies?: { copied?: string[] }[] }).copies?.[0]?.copied ?? [];
      if (!copied.includes(name)) throw new Error(`bench: casevault copy did not copy ${name}: ${m.stdout}`);
      return m;
    },
    () => {
      const m = deps.timed('rclone', ['copyto', '-v', file, `:s3:${server.bucket}/rclone/${name}`], rcloneEnv(server));
      if (!m.stderr.includes('Copied (new)')) throw new Error(`bench: rclone copyto did not copy ${name}:\n${m.stderr}`);
      return m;
    },
    ...deps.variants.map((v) => () =>
      deps.command(
        'put',
        { dataDir: '', backupDir: '', path: file, name, s3: { endpoint: server.endpoint, region: server.region, bucket: server.bucket, prefix: `put-${v.label}/`, checksum: v.checksum }, partSize: v.partSize, queueSize: v.queueSize },
        casevaultEnv(server),
      ),
    ),
  ];
  const out = deps.rotated(i, steps.map((step) => () => {
    try {
      return step();
    } finally {
      empty();
    }
  }));
  return { cli: out[0]!, rclone: out[1]!, puts: out.slice(2) };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const COPY_LIMIT = 1.0;

export function summariseCopy(rounds: readonly CopyRound[], variants: readonly CopyVariant[], size: number) {
  const row = (label: string, pick: (r: CopyRound) => Timed) => ({
    label,
    wallMs: median(rounds.map((r) => pick(r).wallMs)),
    cpuMs: median(rounds.map((r) => pick(r).cpuMs)),
    rss: Math.max(...rounds.map((r) => pick(r).maxRssMB)),
    wallRatio: median(rounds.map((r) => pick(r).wallMs / r.rclone.wallMs)),
    cpuRatio: median(rounds.map((r) => pick(r).cpuMs / r.rclone.cpuMs)),
    cmdMs: median(rounds.map((r) => Number(pick(r).result?.ms ?? NaN))),
  });
  const rows = [row('casevault copy (CLI)', (r) => r.cli), ...variants.map((v, k) => row(`adapter put ${v.label}`, (r) => r.puts[k]!)), row('rclone copyto', (r) => r.rclone)];
  return { size, rows, pass: rows[0]!.wallRatio <= COPY_LIMIT };
}
export type CopySummary = ReturnType<typeof summariseCopy>;

const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const verdict = (pass: boolean) => (pass ? 'PASS' : '**FAIL**');

export function copyTable(summary: CopySummary, runs: number): string {
  return [
    `Copy to a local S3-compatible server (issue 14: Swift's s3api on 127.0.0.1; a backup of ${(summary.size / 1e6).toFixed(1)} MB), median of ${runs} rounds, rotated; \`adapter put AxB\`: the upload alone in parts of A MiB, B in flight (r: checksum when-required):`,
    '',
    '| what | wall | ÷ rclone | CPU | ÷ rclone | MB/s (wall) | peak RSS | target |',
    '|---|---|---|---|---|---|---|---|',
    ...summary.rows.map(
      (r, k) =>
        `| ${r.label} | ${s2(r.wallMs)}${Number.isFinite(r.cmdMs) ? ` (in process ${s2(r.cmdMs)})` : ''} | ${r.wallRatio.toFixed(2)}${k === 0 ? ` ${verdict(summary.pass)}` : ''} | ${s2(r.cpuMs)} | ${r.cpuRatio.toFixed(2)} | ${(summary.size / 1e6 / (r.wallMs / 1000)).toFixed(1)} | ${r.rss.toFixed(0)} MB | ${k === 0 ? `≤ ${COPY_LIMIT.toFixed(1)} × rclone` : ''} |`,
    ),
    '',
    'Ratios: the median of the per-round ratios to rclone copyto (its defaults: one PUT below 200 MiB, else 5 MiB parts × 4). PASS/FAIL on the CLI\'s wall time; the server\'s CPU is in neither column.',
  ].join('\n');
}

export function copyOverview(rows: readonly { profile: string; summary: CopySummary }[]): string {
  const labels = rows[0]?.summary.rows.slice(0, -1).map((r) => r.label) ?? [];
  return [
    `| profile | backup | ${labels.map((l) => `${l} wall (CPU) ÷ rclone`).join(' | ')} | rclone copyto wall / CPU |`,
    `|---|---|${labels.map(() => '---|').join('')}---|`,
    ...rows.map(({ profile, summary: s }) => {
      const rc = s.rows[s.rows.length - 1]!;
      const cells = s.rows.slice(0, -1).map((r, k) => `${r.wallRatio.toFixed(2)} (${r.cpuRatio.toFixed(2)})${k === 0 ? ` ${verdict(s.pass)}` : ''}`);
      return `| ${profile} | ${(s.size / 1e6).toFixed(1)} MB | ${cells.join(' | ')} | ${s2(rc.wallMs)} / ${s2(rc.cpuMs)} |`;
    }),
  ].join('\n');
}
