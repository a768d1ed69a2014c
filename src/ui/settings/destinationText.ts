/**
 * What a failure of a copy destination means, in the person's words, with what to do (issue
 * 14): "the drive is not mounted", "the bucket does not exist", "access denied: check the key
 * has s3:PutObject". The same words for a toast and for a destination's last copy. Codes that
 * are not about destinations go to failureText.ts.
 */
import type { DestinationTarget, ErrorCode, Failure } from '../../contract/channels.ts';
import { ERROR_TITLES } from '../../contract/errorTitles.ts';
import type { Toast } from '../toasts/toastStore.ts';
import { failureText } from './failureText.ts';

type Kind = DestinationTarget['kind'] | null;

const S3_PERMISSIONS = 's3:PutObject, s3:GetObject, s3:ListBucket and s3:DeleteObject';

const TEXTS: Partial<Record<ErrorCode, (kind: Kind) => string>> = {
  DEST_NOT_FOUND: (kind) =>
    kind === 's3'
      ? 'The bucket does not exist: check its name, the endpoint and the region, or create the bucket first.'
      : 'The drive is not mounted, or the folder is not there: plug in the drive (or connect the network share), then try again.',
  DEST_UNREACHABLE: (kind) =>
    kind === 's3'
      ? 'The storage server does not answer: check the endpoint and this computer’s network. A failed copy is tried again later by itself.'
      : 'The drive is not mounted: plug it in (or connect the network share), then try again. A failed copy is tried again later by itself.',
  DEST_ACCESS_DENIED: (kind) =>
    kind === 's3'
      ? `Access denied: check the access key id and the secret key, and that the key has ${S3_PERMISSIONS} on the bucket.`
      : 'The folder cannot be written: the drive may be read-only (a locked SD card, a read-only share), or you may lack permission there.',
  DEST_FILE_TOO_LARGE: () => 'The drive’s file system (FAT32) holds files of up to 4 GB only: reformat the drive as exFAT or NTFS, or choose another destination.',
  COPY_MISMATCH: () => 'What arrived there differs from the backup: the bad copy was removed and the copy is tried again. If it keeps happening, check the drive or the storage service.',
  NO_SPACE: (kind) => (kind === 's3' ? 'The storage refuses more data (quota full): free some space there, or raise the quota.' : 'The destination is full: free some space there, or choose a larger drive.'),
  ALREADY_EXISTS: () => 'There is already a destination with that name: choose another name.',
  NOT_FOUND: () => 'That destination, or that backup on it, is no longer there: reload the page.',
  PERMISSION_DENIED: () => 'The keys cannot be saved safely on this computer. “Details” says what to use instead.',
  INVALID_INPUT: () => 'A setting is not valid: “Details” names it. Correct it, then try again.',
};

/** The words for a destination's failure; `kind` is the destination's kind when the page knows it. */
export function destinationFailureText(code: ErrorCode, kind: Kind): string {
  const text = TEXTS[code];
  return text ? text(kind) : failureText(code, 'export', null).replace('write the backup', 'copy the backups');
}

export function destinationFailureToast(failure: Failure, kind: Kind): Omit<Toast, 'id'> {
  return {
    type: 'error',
    title: ERROR_TITLES[failure.code] ?? failure.message,
    message: destinationFailureText(failure.code, kind),
    details: `${failure.message} (${failure.code}): ${failure.error}`,
  };
}
