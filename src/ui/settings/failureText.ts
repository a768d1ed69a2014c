/**
 * What an error toast says, in the person's words: what is wrong and what to do, naming the
 * file as they know it (the name they chose or the one in the list). The backend's `error`
 * (paths, ZIP records, byte counts, the shell's upload dir) is the toast's "Details", never
 * its message: it is for the log and for whoever helps them.
 */
import type { ErrorCode, Failure } from '../../contract/channels.ts';
import { ERROR_TITLES } from '../../contract/errorTitles.ts';
import type { Toast } from '../toasts/toastStore.ts';

/** What the page was doing when it failed: `list` reads the backup dir, `count` the data dir. */
export type FailedAction = 'export' | 'restore' | 'verify' | 'portable' | 'delete' | 'list' | 'count' | 'choose' | 'cancel' | 'keys';

/** `subject` is the file's name in quotes, or "the backup" when the page has no name. */
type Text = (subject: string, action: FailedAction) => string;

const ANOTHER = 'Choose another backup, or copy this one again from where you keep your copies.';
const BACKUP_DIR_GONE =
  'The backup folder cannot be read: it was moved, or something else is in its place (“Details” names it). Put it back, then press “Try again”.';
const NOT_OURS = 'Choose a casevault backup instead: a “casevault-backup-(date).zip” file made by Export.';

const VERB: Record<FailedAction, string> = {
  export: 'write the backup',
  restore: 'restore the backup',
  verify: 'check the backup',
  portable: 'write a portable copy of the backup',
  delete: 'delete the backup',
  list: 'read the backup folder',
  count: 'read your data folder',
  choose: 'open the chosen file',
  cancel: 'cancel',
  keys: 'change the encryption keys',
};

const KEYS_BACK = 'Put casevault-key.age and casevault-keys.json back from another copy of the backup folder (another drive, a copy you made)';

const TEXTS: Partial<Record<ErrorCode, Text>> = {
  NOT_A_ZIP: (s) => `${s} is not a ZIP file (it may be empty, or another kind of file renamed .zip). ${NOT_OURS}`,
  TRUNCATED: (s) => `${s} is incomplete: it ends early, as a file does when copying or downloading it was cut off. Copy it again from where it came from, or choose another backup.`,
  CORRUPT_ENTRY: (s) => `Part of ${s} is damaged and cannot be read. ${ANOTHER}`,
  CHECKSUM_MISMATCH: (s) => `${s} no longer matches the checksums it was sealed with: it was changed or damaged after it was made. ${ANOTHER}`,
  MISSING_MANIFEST: (s) => `${s} is a ZIP file but not a complete casevault backup: its list of contents is missing. ${NOT_OURS}`,
  INVALID_MANIFEST: (s) => `${s} is a ZIP file but its list of contents is unreadable, so it cannot be checked. ${ANOTHER}`,
  UNSAFE_PATH: (s) => `${s} holds a file name that would write outside the data folder. It was refused and nothing was written; do not use this file. ${ANOTHER}`,
  UNEXPECTED_ENTRY: (s) => `${s} holds files a casevault backup does not have. ${NOT_OURS}`,
  DUPLICATE_ENTRY: (s) => `${s} holds the same file twice, which a casevault backup never does. ${ANOTHER}`,
  TOO_LARGE: (s) => `${s} is larger than casevault accepts (the details say which limit). ${ANOTHER}`,
  UNSUPPORTED: (s) => `${s} uses a ZIP feature casevault does not read (such as encryption). ${NOT_OURS}`,
  NEWER_VERSION: (s) => `${s} was made by a newer version of casevault. Update the app, then try again.`,
  DATABASE_CORRUPT: (s, a) =>
    a === 'export'
      ? 'Your database is damaged, so no backup was written. Restore your most recent backup, or run “casevault check” to see what is wrong.'
      : `The database inside ${s} is damaged. ${ANOTHER}`,
  DOCUMENT_MISMATCH: (s, a) =>
    a === 'export'
      ? 'A document in your data no longer matches what was saved (it was changed on disk). Run “casevault check” to find it.'
      : `A document in ${s} does not match what was saved in it. ${ANOTHER}`,
  NO_SPACE: (_s, a) => `There is not enough free disk space to ${VERB[a]}. Free some space, then try again. Nothing was changed.`,
  PERMISSION_DENIED: (_s, a) => `The system did not allow casevault to ${VERB[a]}: a file or folder it needs may not be read or written. Check its permissions (the details name it), then try again.`,
  NOT_FOUND: (s, a) =>
    a === 'list'
      ? BACKUP_DIR_GONE
      : a === 'count' || a === 'export'
        ? 'Your data folder is no longer where it was. Close the page and start casevault again on the right folder.'
        : `${s} is no longer there: it was moved or deleted. Choose it again, or pick another backup from the list.`,
  NOT_A_DATA_DIR: () => 'The data folder does not hold casevault data. Close the page and start casevault again on the right folder.',
  NOT_A_FOLDER: (_s, a) =>
    a === 'list' ? BACKUP_DIR_GONE : 'A path casevault was given is a file where a folder should be. Close the page and start casevault again with the right folders.',
  ALREADY_EXISTS: () => 'A file of that name already exists. Wait a moment, then try again.',
  IO_ERROR: (_s, a) => `The disk reported an error while trying to ${VERB[a]}. Check the disk, then try again.`,
  BUSY: () => 'Another backup, restore or check is running. Wait for it to finish, or cancel it, then try again.',
  JOBS_STOP_FAILED: () => 'The app’s background work could not be paused, so nothing was changed. Try again in a moment.',
  INVALID_INPUT: () => 'The page asked for something casevault does not accept. Reload the page, then try again.',
  ENCRYPTED_NEEDS_KEY: (s) => `${s} is encrypted. Enter the encryption password, or the recovery key (AGE-SECRET-KEY-1…), to open it.`,
  WRONG_PASSWORD: () => 'That password does not open the key beside the backups. Check it (Caps Lock?) and try again; the recovery key (AGE-SECRET-KEY-1…) also opens every backup.',
  WRONG_KEY: (s) =>
    `That key does not open ${s}: it was encrypted to other keys (“Details” lists them). Try the password, or the recovery key written down when encryption was set up for that backup.`,
  ENCRYPTED_DAMAGED: (s) => `${s} is encrypted and part of it is damaged or was changed (“Details” names the part). It cannot be opened safely. ${ANOTHER}`,
  KEY_FILE_DAMAGED: (_s, a) =>
    a === 'export'
      ? `Encryption is on, but its key files beside the backups are damaged, so no backup was made (never an unencrypted one). ${KEYS_BACK}, or turn encryption off under “Encryption”.`
      : `The password’s key file beside the backups (casevault-key.age) is damaged, so the password cannot open anything. The recovery key still opens every backup; with it you can set a new password under “Encryption”.`,
  ENCRYPTION_UNAVAILABLE: (_s, a) =>
    a === 'export'
      ? `Encryption is on, but its keys are missing from the backup folder, so no backup was made (never an unencrypted one). ${KEYS_BACK}, or turn encryption off under “Encryption” to make unencrypted backups.`
      : `The password’s key file (casevault-key.age) is missing from the backup folder, so the password cannot open the backup. Use the recovery key, or put the file back from another copy.`,
  INTERNAL: () => 'Something unexpected went wrong. The details were written to the log; please send them to whoever supports your installation.',
};

/** An error toast for a failure (CANCELLED is not one: see the stores). */
export function failureToast(failure: Failure, action: FailedAction, fileName: string | null = null): Omit<Toast, 'id'> {
  return {
    type: 'error',
    title: ERROR_TITLES[failure.code] ?? failure.message,
    message: failureText(failure.code, action, fileName),
    details: `${failure.message} (${failure.code}): ${failure.error}`,
  };
}

/** The toast's message for a failure; `fileName` is the backup as the person named it, if any. */
export function failureText(code: ErrorCode, action: FailedAction, fileName: string | null): string {
  const text = TEXTS[code];
  if (!text) return `casevault could not ${VERB[action]}. “Details” says what went wrong.`;
  const message = text(fileName === null ? 'the backup' : `“${fileName}”`, action);
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/** A wrong password or key, in words, for the dialog that asked for it; `keys`: the public keys the backup was made for, when the refusal names them. */
export function wrongKeyText(failure: Failure, fileName: string | null = null): { title: string; text: string; keys: readonly string[] } {
  if (failure.code === 'INVALID_INPUT') {
    return { title: 'That is not a recovery key', text: 'A recovery key is AGE-SECRET-KEY-1 followed by 58 letters and digits. Check what you typed (spaces do not matter).', keys: [] };
  }
  if (failure.code === 'WRONG_KEY' && fileName === null) {
    return { title: 'That is not this backup folder’s recovery key', text: 'Check what you typed, or use the password instead.', keys: [] };
  }
  const keys = failure.code === 'WRONG_KEY' ? [...new Set(failure.error.match(/age1[02-9ac-hj-np-z]{58}/g) ?? [])] : [];
  return {
    title: ERROR_TITLES[failure.code] ?? failure.message,
    text: failureText(failure.code, 'restore', fileName).replace(' (“Details” lists them)', keys.length > 0 ? ' (listed below)' : ''),
    keys,
  };
}
