/**
 * The encrypted rows of `npm run bench` (issue 13): export, verify and restore with
 * encryption on, in the same rounds as the plain ones (bench/run.ts rotates them among the
 * others), each as a ratio to the plain row of the same profile (target ≤ 1.10 ×), on wall
 * time and on CPU time (user + system of the whole process: steadier than wall on a shared
 * machine), and its peak RSS (≤ 150 MB).
 * - Keys are set up once per run, in a backup dir of their own, by the installed command:
 *   `node bin/casevault.mjs key init --password-file P --recovery-key-file R`.
 * - Verify and restore open the backup with the recovery key (R). The password adds one
 *   scrypt at age's work factor (2^18: ~1 s and 256 MiB) to either; it is measured once on
 *   its own (`unlock`, bench/command.ts) and reported beside the rows, not inside them.
 * - Decryptions per chunk (bench/command.ts counts them): 1.0 would be each 64 KiB chunk
 *   decrypted once; the ZIP check's pass over the local headers adds up to one more.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Timed {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMB: number;
  readonly result?: Record<string, unknown>;
}

export interface EncryptionSetup {
  readonly backupDir: string;
  readonly passwordFile: string;
  readonly recoveryKeyFile: string;
}

/** The rows one round adds, beside the plain export, verify and restore it is divided by. */
export interface EncryptedRound {
  readonly plain: { readonly export: Timed; readonly verify: Timed; readonly restore: Timed };
  readonly encrypted: { readonly export: Timed; readonly verify: Timed; readonly restore: Timed };
}

/** Sets up keys in `<work>/encrypted-backups` with the installed command; throws with its output if it fails. */
export function setUpEncryption(root: string, work: string): EncryptionSetup {
  const backupDir = join(work, 'encrypted-backups');
  const passwordFile = join(work, 'bench-password');
  const recoveryKeyFile = join(work, 'bench-recovery-key');
  mkdirSync(backupDir, { recursive: true });
  // A throwaway password for a throwaway dir; the recovery key is written by key init (0600).
  writeFileSync(passwordFile, 'a bench password, for temp data only\n', { mode: 0o600 });
  const run = spawnSync(process.execPath, [join(root, 'bin/casevault.mjs'), 'key', 'init', '--backup-dir', backupDir, '--password-file', passwordFile, '--recovery-key-file', recoveryKeyFile, '--json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`bench: casevault key init failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  return { backupDir, passwordFile, recoveryKeyFile };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

type Op = 'export' | 'verify' | 'restore';
const OPS: readonly Op[] = ['export', 'verify', 'restore'];
export const ENCRYPTED_LIMITS = { ratio: 1.1, rssMB: 150 } as const;

/** Decryptions per chunk of a verify or restore, from bench/command.ts's count. */
function perChunk(m: Timed): number | null {
  const d = m.result?.decryption as { chunks: number; decrypted: number } | undefined;
  return d && d.chunks > 0 ? d.decrypted / d.chunks : null;
}

export function summariseEncrypted(rounds: readonly EncryptedRound[]) {
  const row = (op: Op) => {
    const wallRatio = median(rounds.map((r) => r.encrypted[op].wallMs / r.plain[op].wallMs));
    const cpuRatio = median(rounds.map((r) => r.encrypted[op].cpuMs / r.plain[op].cpuMs));
    const rss = Math.max(...rounds.map((r) => r.encrypted[op].maxRssMB));
    const chunks = rounds.map((r) => perChunk(r.encrypted[op])).filter((x): x is number => x !== null);
    return {
      op,
      plainWallMs: median(rounds.map((r) => r.plain[op].wallMs)),
      encryptedWallMs: median(rounds.map((r) => r.encrypted[op].wallMs)),
      plainCpuMs: median(rounds.map((r) => r.plain[op].cpuMs)),
      encryptedCpuMs: median(rounds.map((r) => r.encrypted[op].cpuMs)),
      plainRss: Math.max(...rounds.map((r) => r.plain[op].maxRssMB)),
      wallRatio,
      cpuRatio,
      rss,
      decryptionsPerChunk: chunks.length ? median(chunks) : null,
      pass: { wall: wallRatio <= ENCRYPTED_LIMITS.ratio, cpu: cpuRatio <= ENCRYPTED_LIMITS.ratio, rss: rss <= ENCRYPTED_LIMITS.rssMB },
    };
  };
  return OPS.map(row);
}
export type EncryptedSummary = ReturnType<typeof summariseEncrypted>;

const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const verdict = (pass: boolean) => (pass ? 'PASS' : '**FAIL**');

export function encryptedTable(summary: EncryptedSummary, runs: number): string {
  return [
    `Encrypted (issue 13; age v1, X25519; verify and restore with the recovery key), median of ${runs} rounds, the same rounds as the plain rows:`,
    '',
    '| what | plain wall | encrypted wall | ÷ plain | plain CPU | encrypted CPU | ÷ plain | decryptions per chunk | peak RSS plain / encrypted | target |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...summary.map(
      (r) =>
        `| ${r.op} | ${s2(r.plainWallMs)} | ${s2(r.encryptedWallMs)} | ${r.wallRatio.toFixed(2)} ${verdict(r.pass.wall)} | ${s2(r.plainCpuMs)} | ${s2(r.encryptedCpuMs)} | ${r.cpuRatio.toFixed(2)} | ${r.decryptionsPerChunk === null ? '' : r.decryptionsPerChunk.toFixed(2)} | ${r.plainRss.toFixed(0)} / ${r.rss.toFixed(0)} MB ${verdict(r.pass.rss)} | ≤ ${ENCRYPTED_LIMITS.ratio} ×, ≤ ${ENCRYPTED_LIMITS.rssMB} MB |`,
    ),
    '',
    'Ratios: the median of the per-round ratios; PASS/FAIL on wall time as issue 13 states it, CPU time (user + system, every thread) beside it.',
  ].join('\n');
}

export function encryptedOverview(rows: readonly { profile: string; summary: EncryptedSummary }[], unlock: Timed | null): string {
  const cell = (s: EncryptedSummary, op: Op) => {
    const r = s.find((x) => x.op === op)!;
    return `${r.wallRatio.toFixed(2)} ${verdict(r.pass.wall)} (CPU ${r.cpuRatio.toFixed(2)})`;
  };
  const rss = (s: EncryptedSummary) => {
    const worst = Math.max(...s.map((r) => r.rss));
    return `${worst.toFixed(0)} MB ${verdict(worst <= ENCRYPTED_LIMITS.rssMB)}`;
  };
  const unlockMs = Number(unlock?.result?.unlockMs);
  return [
    '| profile | encrypted export ÷ plain (≤ 1.10) | encrypted verify ÷ plain (≤ 1.10) | encrypted restore ÷ plain (≤ 1.10) | peak RSS encrypted (≤ 150 MB) |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.profile} | ${cell(r.summary, 'export')} | ${cell(r.summary, 'verify')} | ${cell(r.summary, 'restore')} | ${rss(r.summary)} |`),
    '',
    unlock
      ? `Opening with the password instead of the recovery key adds one scrypt (the key file's, 2^18): ${s2(unlockMs)} (process CPU ${s2(unlock.cpuMs)}), peak RSS ${unlock.maxRssMB.toFixed(0)} MB (scrypt's 256 MiB: over the 150 MB bound while it runs).`
      : '',
  ].join('\n');
}
