/**
 * The audit log: one JSON line per export, restore, verify, delete and prune (one line per
 * backup a prune deleted), pin and unpin, change of the policy and undo of a restore, beside the backups
 * (`casevault-audit.jsonl`). Each line carries the hash of the line before it and its own
 * hash over its content, so a line edited, removed or inserted later breaks the chain at
 * that point: a chain of custody for the firm's backups.
 *
 * `sha256` is the SHA-256 of the whole backup file where the operation knows it (export and
 * verify compute it; restore takes it from the sidecar, if any, rather than read the file
 * once more); `manifestSha256` (the metadata's checksum) identifies the content in every case.
 * Appends are serialized within one service; two processes appending at the same instant
 * could fork the chain, which `verifyAuditLog` then reports.
 *
 * An export, a restore or a deletion that succeeded creates the backup dir for its line if
 * need be; a verification only reads, and a failure wrote nothing, so where there is no
 * backup dir they record nothing rather than create one (a mistyped --backup-dir must not
 * leave a folder behind; there are no backups there whose custody the log would keep).
 */
import type { BackupConfig, BackupDeps } from './deps.ts';
import { BackupError, type ErrorCode } from './errors.ts';

export const AUDIT_LOG_FILE = 'casevault-audit.jsonl';
const GENESIS = '0'.repeat(64);

/**
 * 'pin', 'unpin': a backup's pin changed; 'policy': the backup policy was changed; 'undo-restore': a restore was undone;
 * 'key-…': encryption's keys changed (keys.ts; public keys only, never a secret); 'encryption-off'/'-on': turned off or on.
 * 'dest-add'/'dest-remove'/'dest-on'/'dest-off': a copy destination changed (file: its name and where, never a credential);
 * 'copy': a backup copied to a destination (file: the backup; code: why it failed); 'download': a backup fetched from one;
 * 'dest-check': the backups on a destination read back (file: the destination; code: CHECKSUM_MISMATCH for a changed copy).
 * 'portable': a portable copy of a backup written (portableCopy.ts; file: `<backup> -> <copy>`, sha256 and manifestSha256 the copy's).
 */
export type AuditAction =
  | 'export'
  | 'restore'
  | 'verify'
  | 'delete'
  | 'prune'
  | 'pin'
  | 'unpin'
  | 'policy'
  | 'undo-restore'
  | 'key-init'
  | 'key-passwd'
  | 'key-add'
  | 'key-remove'
  | 'encryption-off'
  | 'encryption-on'
  | 'dest-add'
  | 'dest-remove'
  | 'dest-on'
  | 'dest-off'
  | 'copy'
  | 'dest-check'
  | 'download'
  | 'portable';

export interface AuditRecord {
  readonly time: string;
  readonly action: AuditAction;
  readonly file: string | null;
  readonly sha256: string | null;
  readonly manifestSha256: string | null;
  readonly result: 'ok' | 'failed' | 'cancelled';
  readonly code: ErrorCode | null;
}

export interface AuditLine extends AuditRecord {
  readonly seq: number;
  readonly prev: string;
  readonly hash: string;
}

export interface AuditReport {
  readonly entries: readonly AuditLine[];
  /** Null if every line follows from the one before; else the first line that does not, and why. */
  readonly broken: { readonly line: number; readonly reason: string } | null;
}

function lineHash(deps: BackupDeps, body: Omit<AuditLine, 'hash'>): string {
  const hash = deps.hashing.sha256();
  // A fixed key order, so the hash does not depend on how a JSON writer orders keys.
  const { seq, prev, time, action, file, sha256, manifestSha256, result, code } = body;
  hash.update(new TextEncoder().encode(JSON.stringify([seq, prev, time, action, file, sha256, manifestSha256, result, code])));
  return hash.digest();
}

function auditPath(deps: BackupDeps, config: BackupConfig): string {
  return deps.fs.join(config.backupDir, AUDIT_LOG_FILE);
}

export async function readAuditLog(deps: BackupDeps, config: BackupConfig): Promise<AuditReport> {
  const path = auditPath(deps, config);
  if (!(await deps.fs.exists(path))) return { entries: [], broken: null };
  const text = new TextDecoder().decode(await deps.fs.readFile(path));
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const entries: AuditLine[] = [];
  let prev = GENESIS;
  for (const [i, raw] of lines.entries()) {
    const number = i + 1;
    let line: AuditLine;
    try {
      line = JSON.parse(raw) as AuditLine;
    } catch {
      return { entries, broken: { line: number, reason: 'is not valid JSON' } };
    }
    if (line.seq !== number) return { entries, broken: { line: number, reason: `has sequence number ${String(line.seq)}: a line before it was removed or inserted` } };
    if (line.prev !== prev) return { entries, broken: { line: number, reason: 'does not follow from the line before it (that line was changed or removed)' } };
    if (lineHash(deps, line) !== line.hash) return { entries, broken: { line: number, reason: 'was changed after it was written' } };
    entries.push(line);
    prev = line.hash;
  }
  return { entries, broken: null };
}

/**
 * Appends a record chained to the last line. Rejects with CHECKSUM_MISMATCH if the chain is
 * already broken. Resolves null, writing nothing, for a verification or a failure when the
 * backup dir does not exist.
 */
export async function appendAudit(deps: BackupDeps, config: BackupConfig, record: AuditRecord): Promise<AuditLine | null> {
  const createsDir = record.action !== 'verify' && record.result === 'ok';
  if (!createsDir && !(await deps.fs.exists(config.backupDir))) return null;
  const report = await readAuditLog(deps, config);
  if (report.broken) {
    throw new BackupError('CHECKSUM_MISMATCH', `audit: line ${report.broken.line} of ${AUDIT_LOG_FILE} ${report.broken.reason}; not appending to a broken chain`);
  }
  const last = report.entries.at(-1);
  const body = { seq: (last?.seq ?? 0) + 1, prev: last?.hash ?? GENESIS, ...record };
  const line: AuditLine = { ...body, hash: lineHash(deps, body) };
  await deps.fs.mkdir(config.backupDir, { mode: 0o700 });
  await deps.fs.appendFile(auditPath(deps, config), new TextEncoder().encode(`${JSON.stringify(line)}\n`), { mode: 0o600 });
  return line;
}
