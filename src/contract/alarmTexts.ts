/**
 * What a person reads for each alarm, on the page's banner and in the desktop notification:
 * a title, and what to do. The alarm's own message (src/domain/status.ts) says what is wrong
 * with dates and names; this says what to do about it.
 */
import type { AlarmCode } from '../domain/status.ts';

export const ALARM_TEXTS: Readonly<Record<AlarmCode, { readonly title: string; readonly advice: string }>> = {
  NO_BACKUP: { title: 'No backup yet', advice: 'Back up now, or turn on automatic backups.' },
  NO_VERIFIED_BACKUP: {
    title: 'No recently verified backup',
    advice: 'Check your backups now, or back up now: every automatic backup is checked as soon as it is made.',
  },
  DRILL_FAILED: {
    title: 'A backup failed its check',
    advice: 'Do not rely on that backup. Back up now; then delete the damaged one (or pin it to look at it later), and check the disk the backups are on.',
  },
  DRILL_NEEDS_KEY: {
    title: 'Encrypted backups are not checked',
    advice: 'They cannot be checked without the password: give run-due --password-file F (or set CASEVAULT_PASSWORD), or check them now with the password.',
  },
  BACKUP_FAILED: {
    title: 'The scheduled backup failed',
    advice: 'Fix what the message names (free disk space, reconnect the backup folder), then back up now. It is tried again every 15 minutes.',
  },
  LIVE_DATABASE_CORRUPT: {
    title: 'Your database is damaged',
    advice: 'No new backups are made and none are pruned, so the good ones are kept. Run “casevault check”, then restore the newest verified backup.',
  },
  DRILLS_BEHIND: {
    title: 'Backups are not re-checked in time',
    advice: 'Give checks a longer time budget in Automatic backups, or keep fewer backups.',
  },
  COPY_FAILED: {
    title: 'Copies off this computer are failing',
    advice: 'Your backups are only on this computer until it is fixed: reconnect the drive or check the storage settings and credentials (the message says what failed). Copies are tried again every 15 minutes.',
  },
  POLICY_INVALID: {
    title: 'The backup policy cannot be read',
    advice: 'Nothing runs by itself until it is fixed: correct or remove casevault-policy.json in the backup folder (the message names the setting).',
  },
  STATE_CORRUPT: {
    title: 'The backup state file is damaged',
    advice: 'Pins and check results cannot be read, so nothing runs by itself: move casevault-state.json out of the backup folder, then check your backups again.',
  },
};
