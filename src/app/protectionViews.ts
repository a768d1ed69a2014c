/**
 * What the page is shown of automatic protection, from the service: the backup list with
 * each backup's pin, last verification and retention verdict, and the status with the undo
 * offer and the scheduler's state. A damaged policy or state file does not stop the list
 * (its annotations are null) nor the status (it is one of the alarms).
 */
import type { BackupListItem, SchedulerState, StatusView } from '../contract/channels.ts';
import { isBackupError } from '../domain/errors.ts';
import type { BackupService } from '../domain/service.ts';

/** Newest first, as the service lists them. */
export async function annotatedBackups(service: BackupService): Promise<BackupListItem[]> {
  const { backups } = await service.listBackupsWithState();
  let verdicts: Map<string, { keep: boolean; reasons: string[] }> | null = null;
  try {
    const plan = await service.prune({ dryRun: true });
    verdicts = new Map(plan.decision.verdicts.map((v) => [v.fileName, { keep: v.keep, reasons: v.reasons.map((r) => r.text) }]));
  } catch (error) {
    // The status names a damaged policy or state as an alarm; the list still lists.
    if (!isBackupError(error) || (error.code !== 'POLICY_INVALID' && error.code !== 'STATE_CORRUPT')) throw error;
  }
  return backups.map((b) => ({
    fileName: b.fileName,
    filePath: b.filePath,
    size: b.size,
    createdAt: b.createdAt,
    checksum: b.checksum,
    // The page's lock mark, and whether Restore and Verify ask for the password first.
    encrypted: b.encrypted ?? false,
    // The page's "incremental" mark: the pool packs it needs.
    packs: b.packs ?? 0,
    pinned: b.pinned,
    verifiedAt: b.verifiedAt,
    verified: b.verified,
    verificationCode: b.verificationCode as BackupListItem['verificationCode'],
    retention: verdicts?.get(b.fileName) ?? null,
  }));
}

export async function statusView(service: BackupService, scheduler: SchedulerState): Promise<StatusView> {
  const [status, undo] = await Promise.all([service.status(), service.findUndo()]);
  return {
    lastBackup: status.lastBackup,
    lastVerifiedGood: status.lastVerifiedGood,
    nextBackup: { due: status.nextBackup.due, nextDueAt: status.nextBackup.nextDueAt, text: status.nextBackup.text },
    nextDrill: status.nextDrill,
    alarms: status.alarms,
    timeZone: status.timeZone,
    undo: undo && { restoredAt: undo.restoredAt, safetyCopy: undo.safetyCopy },
    scheduler,
  };
}
