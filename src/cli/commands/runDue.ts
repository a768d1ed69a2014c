import { isBackupError } from '../../domain/errors.ts';
import { inspectLock } from '../../infra/node/processLock.ts';
import type { RunDueReport, StepFailure } from '../../domain/runDue.ts';
import { ranIntoBusy } from '../../domain/runDue.ts';
import { UsageError, positionals, stringFlag } from '../args.ts';
import { PASSWORD_FILE_FLAG, RECOVERY_KEY_FILE_FLAG, unlockOf } from '../secrets.ts';
import { BACKUP_DIR_FLAG, DATA_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type Command, type CommandResult } from '../context.ts';
import { EXIT } from '../output.ts';
import { localWhen, systemTimeZone } from '../when.ts';

const DEFAULT_WAIT_SECONDS = 30;

/** The first step that failed (the backup, its verification, the prune, the drill), or null. */
function firstFailure(report: RunDueReport): StepFailure | null {
  if (report.backup.outcome === 'failed') return report.backup.failure;
  if (report.verify?.result === 'failed') return report.verify.failure;
  if (report.prune?.failure) return report.prune.failure;
  if (report.drill?.failure) return report.drill.failure;
  const failed = report.drill?.report?.results.find((r) => r.result === 'failed');
  if (failed) return { code: failed.code ?? 'INTERNAL', message: `drill: ${failed.fileName} failed its check (${failed.code ?? 'INTERNAL'}): ${failed.message ?? ''}` };
  if (report.copies?.failure) return report.copies.failure;
  const copy = report.copies?.reports.find((r) => r.failure);
  return copy?.failure ? { code: copy.failure.code, message: `copy to ${copy.destination}: ${copy.failure.message}` } : null;
}

function lines(report: RunDueReport, timeZone: string): string[] {
  const { backup, verify, prune, drill, copies } = report;
  const out: string[] = [];
  if (backup.liveCheck !== null) out.push(`database: quick_check ${backup.liveCheck === 'ok' ? 'ok' : `FAILED: ${backup.liveCheck}`}`);
  switch (backup.outcome) {
    case 'not-due':
      out.push(`backup:   not due (${backup.due.nextDueAt ? `next at ${localWhen(backup.due.nextDueAt, timeZone)}` : 'automatic backups are off'})`);
      break;
    case 'skipped-unchanged':
      out.push(`backup:   skipped: nothing changed since ${backup.fileName}`);
      break;
    case 'ok':
      out.push(`backup:   made ${backup.fileName}`);
      break;
    case 'busy':
      out.push(`backup:   skipped: busy (${backup.failure?.message ?? 'another operation is running'})`);
      break;
    case 'failed':
      out.push(`backup:   FAILED (${backup.failure?.code}): ${backup.failure?.message}`);
  }
  if (verify) {
    if (verify.result === 'needs-key') out.push(`verify:   ${verify.fileName} NOT VERIFIED: it is encrypted and needs the password (its .sha256 matches); give --password-file F or set CASEVAULT_PASSWORD`);
    else out.push(`verify:   ${verify.result === 'ok' ? `${verify.fileName} is intact` : `FAILED (${verify.failure?.code}): ${verify.failure?.message}`}`);
  }
  if (prune) {
    if (prune.failure) out.push(`prune:    FAILED (${prune.failure.code}): ${prune.failure.message}`);
    else if (prune.result) out.push(`prune:    ${prune.result.deleted.length === 0 ? 'nothing to delete' : `deleted ${prune.result.deleted.map((b) => b.fileName).join(', ')}`}; ${prune.result.decision.keep.length} kept`);
  }
  if (copies) {
    if (copies.failure) out.push(`copy:     FAILED (${copies.failure.code}): ${copies.failure.message}`);
    for (const r of copies.reports) {
      const what = [r.copied.length ? `copied ${r.copied.join(', ')}` : 'nothing new to copy', ...(r.pruned.length ? [`pruned ${r.pruned.length}`] : []), ...(r.locked.length ? [`${r.locked.length} kept (locked there)`] : [])].join('; ');
      out.push(`copy:     ${r.destination}: ${r.failure ? `FAILED (${r.failure.code}): ${r.failure.message}; tried again in 15 minutes` : what}`);
      for (const w of r.warnings) out.push(`  warning: ${w}`);
    }
  }
  if (drill) {
    if (drill.failure) out.push(`drill:    ${drill.failure.code === 'BUSY' ? `skipped: busy (${drill.failure.message})` : `FAILED (${drill.failure.code}): ${drill.failure.message}`}`);
    else if (drill.report) {
      const failed = drill.report.results.filter((r) => r.result === 'failed');
      const locked = drill.report.results.filter((r) => r.result === 'needs-key');
      out.push(`drill:    re-verified ${drill.report.results.length - failed.length - locked.length} intact, ${failed.length} failed${locked.length ? `, ${locked.length} not verified (encrypted: needs the password)` : ''}${drill.report.notReached.length ? `, ${drill.report.notReached.length} left for the next drill` : ''}`);
      for (const f of failed) out.push(`  FAILED ${f.fileName} (${f.code}): ${f.message}`);
    }
  }
  return out;
}

/** The report as JSON: the steps, without the prune's full decision (`prune --dry-run` shows it). */
function data(report: RunDueReport): Record<string, unknown> {
  const { prune, drill } = report;
  return {
    skipped: ranIntoBusy(report) ? 'busy' : null,
    backup: report.backup,
    verify: report.verify,
    prune: prune && { deleted: prune.result?.deleted.map((b) => b.fileName) ?? [], kept: prune.result?.decision.keep ?? [], failure: prune.failure },
    drill: drill && { results: drill.report?.results ?? [], notReached: drill.report?.notReached ?? [], outcome: drill.report?.outcome ?? null, failure: drill.failure },
    copies: report.copies,
  };
}

/**
 * Another casevault command restoring (or undoing a restore) swaps the data dir: a scheduled
 * run waits for it up to `waitMs`, then gives way (the message), rather than snapshot a
 * half-swapped dir. The app holds the same lock while it runs, and a run works beside it.
 */
async function waitForDataDirSwap(dataDir: string, waitMs: number): Promise<string | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const holder = await inspectLock(`${dataDir}.lock`);
    if (!holder || !holder.alive || !/^casevault (restore|undo-restore)$/.test(holder.purpose)) return null;
    if (Date.now() >= deadline) return `run-due: \`${holder.purpose}\` (process ${holder.pid}) is replacing the data dir ${dataDir}; the next run does what is due`;
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, deadline - Date.now())));
  }
}

export const command: Command = {
  name: 'run-due',
  usage: 'casevault run-due [--data-dir D] [--backup-dir B] [--wait SECONDS] [--password-file F | --recovery-key-file F] [--json]',
  summary: 'do what is due now: backup, verify it, prune, drill (for cron or a systemd timer)',
  description:
    'Reads the backup policy (casevault policy show) and does what is due: quick_check of the\n' +
    'database, then a backup (skipped when nothing changed), its verification, a prune by the\n' +
    'retention policy, and a drill (re-verification of stored backups) when one is due; each\n' +
    'run is recorded beside the backups (casevault status). Then each destination that is on\n' +
    '(casevault dest list) gets the backups it lacks, and a copy that failed is tried again 15\n' +
    'minutes later (a second failure raises COPY_FAILED). Safe to call often: what is not due\n' +
    'is not done. Works while the app runs. If another export holds the backup dir, it waits up\n' +
    `to --wait seconds (default ${DEFAULT_WAIT_SECONDS}), then gives way: "skipped: busy", exit 75, no alarm.\n` +
    'Encrypted backups are verified with --password-file F, --recovery-key-file F or\n' +
    '$CASEVAULT_PASSWORD (never asked for: it runs unattended); without one they are left\n' +
    'unverified (their .sha256 is still checked) and the status raises DRILL_NEEDS_KEY.\n' +
    'Exit codes: 0 all done or nothing due, 1 a step failed (a backup, verify, prune, drill or copy;\n' +
    'the alarm is raised), 75 busy.',
  flags: [DATA_DIR_FLAG, BACKUP_DIR_FLAG, { name: 'wait', kind: 'string', value: 'SECONDS', help: `how long to wait for another operation before giving way (default ${DEFAULT_WAIT_SECONDS})` }, PASSWORD_FILE_FLAG, RECOVERY_KEY_FILE_FLAG, JSON_FLAG],
  async run(args, ctx): Promise<CommandResult> {
    positionals(args, []);
    const wait = stringFlag(args, 'wait');
    if (wait !== undefined && !/^\d{1,5}$/.test(wait)) throw new UsageError(`--wait takes a whole number of seconds (0 to 99999); got "${wait}"`);
    const waitMs = (wait === undefined ? DEFAULT_WAIT_SECONDS : Number(wait)) * 1000;
    const dirs = dirsOf(args, ctx.env);
    // Unattended: the key from a file or the environment only, never a prompt.
    const unlock = await unlockOf(args, ctx, false);
    const swapping = await waitForDataDirSwap(dirs.dataDir, waitMs);
    if (swapping !== null) return { message: 'Skipped: busy', data: { skipped: 'busy' }, lines: [`skipped: busy (${swapping})`], failure: { code: 'BUSY', error: swapping }, exitCode: EXIT.busy };
    // 'if-free': a scheduled run works while the app runs, as an export does.
    return withSystem(ctx, dirs, { operation: 'run-due', dataDir: 'read', dataDirLock: 'if-free', openDatabase: false, scratchInTmp: true }, async (system) => {
      let report: RunDueReport;
      try {
        report = await system.service.runDue({ waitMs, signal: ctx.signal, ...(unlock ? { unlock } : {}) });
      } catch (error) {
        if (!isBackupError(error) || error.code !== 'BUSY') throw error;
        return { message: 'Skipped: busy', data: { skipped: 'busy' }, lines: [`skipped: busy (${error.message})`], failure: { code: 'BUSY', error: error.message }, exitCode: EXIT.busy };
      }
      const timeZone = systemTimeZone();
      if (ranIntoBusy(report)) {
        const message = report.backup.failure?.message ?? report.drill?.failure?.message ?? 'another operation is running';
        return { message: 'Skipped: busy', data: data(report), lines: lines(report, timeZone), failure: { code: 'BUSY', error: `run-due: skipped: busy: ${message}` }, exitCode: EXIT.busy };
      }
      const failure = firstFailure(report);
      const nothing = report.backup.outcome === 'not-due' && report.drill === null && report.copies === null;
      return {
        message: failure ? 'A scheduled step failed' : nothing ? 'Nothing was due' : 'Done',
        data: data(report),
        lines: lines(report, timeZone),
        ...(failure ? { failure: { code: failure.code, error: failure.message } } : {}),
      };
    });
  },
};
