import { ALARM_TEXTS, ERROR_TITLES, type Alarm, type AlarmCode, type BackupListItem, type ErrorCode } from '../../contract/channels.ts';
import { formatDate } from '../format.ts';
import { rememberOrigin } from './focusReturn.ts';

/** What the banner's button does for an alarm, if anything can be done from the page. */
const ACTIONS: Partial<Record<AlarmCode, 'backup' | 'check'>> = {
  NO_BACKUP: 'backup',
  NO_VERIFIED_BACKUP: 'check',
  DRILL_FAILED: 'backup',
  BACKUP_FAILED: 'backup',
  DRILLS_BEHIND: 'check',
};

/**
 * What is wrong, in words: a failed check or backup by its date and the title of its error;
 * the alarm's own message (hashes, paths, the disk's words) then goes behind "Details".
 */
function plainWords(alarm: Alarm, backups: readonly BackupListItem[] | null): string | null {
  if (alarm.code === 'DRILL_FAILED') {
    const backup = backups?.find((b) => b.fileName === alarm.fileName);
    if (!backup) return null;
    const why = backup.verificationCode ? `: ${ERROR_TITLES[backup.verificationCode].toLowerCase()}` : '';
    return `The backup of ${formatDate(backup.createdAt)} failed its check${why}.`;
  }
  if (alarm.code === 'BACKUP_FAILED') {
    const code = /\(([A-Z_]+)\)/.exec(alarm.message)?.[1];
    const when = alarm.since ? ` at ${formatDate(alarm.since)}` : '';
    const title = code !== undefined && Object.hasOwn(ERROR_TITLES, code) ? ERROR_TITLES[code as ErrorCode] : null;
    return `The automatic backup${when} failed${title ? `: ${title.toLowerCase()}` : ''}.`;
  }
  return null;
}

/**
 * The alarms, until they are resolved: at the top of the page, each with what is wrong (the
 * alarm's own words), what to do, and a button where the page can do it. The region is
 * always in the page and assertive, so a screen reader announces an alarm as it appears;
 * it goes when the status no longer has it, never by a close button.
 */
export function AlarmBanner(props: { alarms: readonly Alarm[]; backups: readonly BackupListItem[] | null; busy: boolean; onBackUp: () => void; onCheck: () => void }) {
  const { alarms, busy } = props;
  return (
    <section class={alarms.length > 0 ? 'alarms' : 'alarms empty'} aria-live="assertive" aria-label="Backup alarms" data-testid="alarms">
      {alarms.map((alarm) => {
        const text = ALARM_TEXTS[alarm.code];
        const action = ACTIONS[alarm.code];
        const id = `alarm-${alarm.code}-${alarm.fileName ?? 'all'}`;
        const plain = plainWords(alarm, props.backups);
        return (
          <div key={id} class="alarm" data-testid="alarm" data-code={alarm.code} aria-labelledby={`${id}-title`}>
            <span class="alarm-icon" aria-hidden="true">
              !
            </span>
            <div class="alarm-body">
              <strong id={`${id}-title`} class="alarm-title">
                {text.title}
              </strong>
              <p class="alarm-message">{plain ?? alarm.message}</p>
              <p class="alarm-advice">{text.advice}</p>
              {plain !== null && (
                <details class="alarm-details">
                  <summary>Details</summary>
                  <p>{alarm.message}</p>
                </details>
              )}
            </div>
            {action && (
              <button
                type="button"
                class="alarm-action"
                disabled={busy}
                onClick={(e) => {
                  rememberOrigin(e.currentTarget);
                  (action === 'backup' ? props.onBackUp : props.onCheck)();
                }}
              >
                {action === 'backup' ? 'Back up now' : 'Check backups now'}
              </button>
            )}
          </div>
        );
      })}
    </section>
  );
}
