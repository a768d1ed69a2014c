/**
 * The IPC contract's part for copies off the machine (issue 14): the destinations as the page
 * shows them, adding a folder or S3 storage, testing, turning on and off, removing, copying
 * now, listing what a destination holds and fetching a backup back for a restore.
 * An S3 secret key only goes in (add, test): it is stored by the host's credential store (the
 * OS keychain in the desktop app) and never comes back in a response or an event; the page
 * sees whether a key is stored and the key id's last 4 characters.
 */
import { z } from 'zod';
import type { ErrorCode } from '../domain/errors.ts';

const name = z.string().min(1).max(40);
const operationId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_"');
const backupName = z.string().min(1).max(255);

export const folderTargetSchema = z.strictObject({ kind: z.literal('folder'), path: z.string().min(1).max(4096) });
export const s3TargetSchema = z.strictObject({
  kind: z.literal('s3'),
  /** Null: AWS itself (the region's endpoint). */
  endpoint: z.string().min(1).max(2048).nullable(),
  region: z.string().min(1).max(40),
  bucket: z.string().min(1).max(63),
  prefix: z.string().max(1024),
  pathStyle: z.boolean(),
  /** 'when-required' for Cloudflare R2 and Oracle Cloud, which the SDK's default CRC32 checksums break. */
  checksum: z.enum(['when-supported', 'when-required']),
});
const target = z.discriminatedUnion('kind', [folderTargetSchema, s3TargetSchema]);
/** Where a destination is (the same shape as the domain's DestinationTarget): never a secret. */
export type DestinationTarget = z.output<typeof target>;
/** Typed into the page; stored by the host, never sent back. */
const credentials = z.strictObject({ accessKeyId: z.string().min(1).max(128), secretAccessKey: z.string().min(1).max(256) });
export type S3CredentialsInput = z.input<typeof credentials>;

export const destinationRequestSchemas = {
  /** The destinations, each with its last copy and the backups there (for the list's marks). */
  'backup:listDestinations': z.union([z.undefined(), z.null(), z.strictObject({})]),
  /** Adds one after a probe (written, read back, removed); `credentials` for S3 only (else the SDK's chain). */
  'backup:addDestination': z.strictObject({ name, target, credentials: credentials.optional() }),
  /** A probe: a stored destination by name, or one not saved yet (its target and typed keys). */
  'backup:testDestination': z
    .strictObject({ name: name.optional(), target: target.optional(), credentials: credentials.optional() })
    .refine((v) => (v.name === undefined) !== (v.target === undefined), 'give exactly one of name and target')
    .refine((v) => v.credentials === undefined || v.target?.kind === 's3', 'credentials go with an S3 target'),
  'backup:removeDestination': z.strictObject({ name }),
  'backup:enableDestination': z.strictObject({ name, enabled: z.boolean() }),
  /** Copies every backup a destination lacks (`to`: one destination, else every enabled one); a long operation. */
  'backup:copyNow': z.union([z.undefined(), z.null(), z.strictObject({ to: name.optional(), fileName: backupName.optional(), operationId: operationId.optional() })]),
  /** The whole backups on a destination. */
  'backup:destinationBackups': z.strictObject({ name }),
  /** Downloads a backup (or 'latest') into the backup dir, checked against its sidecar, for the usual restore; a long operation. */
  'backup:downloadBackup': z.strictObject({ name, fileName: backupName, operationId: operationId.optional() }),
  /** A folder dialog (the desktop app); the browser shell has none (`canChooseFolder` says so). */
  'backup:chooseFolder': z.union([z.undefined(), z.null(), z.strictObject({})]),
};

export interface CopyRecordView {
  readonly at: string;
  readonly outcome: 'ok' | 'failed';
  readonly code: ErrorCode | null;
  readonly message: string | null;
  readonly failingSince: string | null;
}

export interface DestinationView {
  readonly name: string;
  readonly enabled: boolean;
  readonly target: DestinationTarget;
  /** "the folder /media/usb/casevault", "s3://bucket/prefix at https://…". */
  readonly description: string;
  readonly addedAt: string;
  readonly lastCopy: CopyRecordView | null;
  /** File names of the whole backups there; null when it could not be listed (`listError` says why). */
  readonly backups: readonly string[] | null;
  readonly listError: { readonly code: ErrorCode; readonly message: string } | null;
  /** S3: whether keys typed into the page are stored (else the SDK's chain), and the key id's last 4. Never the secret. */
  readonly credentials: { readonly stored: boolean; readonly keyIdEnd: string | null } | null;
}

export interface RemoteBackupView {
  readonly fileName: string;
  readonly size: number;
  readonly createdAt: string;
  readonly encrypted: boolean;
}

export interface CopyReportView {
  readonly destination: string;
  readonly copied: readonly string[];
  readonly present: readonly string[];
  readonly warnings: readonly string[];
  readonly failure: { readonly code: ErrorCode; readonly message: string; readonly fileName: string | null } | null;
}

export interface ProbeView {
  readonly description: string;
  readonly freeBytes: number | null;
  readonly maxFileSize: number | null;
  readonly warnings: readonly string[];
}

export interface DestinationResponses {
  /** `keys`: where typed keys are kept ('the OS keychain', or that this shell does not save them) and why they cannot be, if so. */
  'backup:listDestinations': {
    destinations: DestinationView[];
    keys: { where: string; unavailable: string | null };
    canChooseFolder: boolean;
  };
  'backup:addDestination': { destination: DestinationView; warnings: readonly string[] };
  'backup:testDestination': { probe: ProbeView };
  'backup:removeDestination': { name: string };
  'backup:enableDestination': { name: string; enabled: boolean };
  'backup:copyNow': { operationId: string; reports: CopyReportView[] };
  'backup:destinationBackups': { name: string; backups: RemoteBackupView[] };
  /** `downloaded`: false when the backup was in the backup dir already (then it is used as it is). */
  'backup:downloadBackup': { operationId: string; fileName: string; downloaded: boolean };
  'backup:chooseFolder': { cancelled: true } | { cancelled: false; path: string };
}

/** Bytes of a copy or a download, per backup. */
export interface CopyProgressEvent {
  readonly operationId: string;
  readonly operation: 'copy' | 'download';
  /** The destination, when the operation has one (a copy to all enabled ones reports null). */
  readonly destination: string | null;
  readonly fileName: string;
  readonly done: number;
  readonly total: number;
}
