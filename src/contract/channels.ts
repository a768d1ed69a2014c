/**
 * The IPC contract between the settings page and the main process (or the browser shell),
 * in a folder of its own that the page, the preload, both hosts and the handler table import:
 * channel names, the zod schema of every request payload, the response of every channel,
 * and the events pushed to the page. The renderer, the preload, the main process and the
 * browser shell all import this one module, so they cannot drift.
 *
 * Every response is the seed's envelope: `{ success: true, message, ... }` or
 * `{ success: false, error, code, message }`, where `message` is a one-line summary
 * ("Failed to export backup") and `error` the detail a person can act on.
 */
import { z } from 'zod';
import type { BackupMetadata } from '../domain/format.ts';
import type { ErrorCode } from '../domain/errors.ts';
import type { Progress } from '../domain/progress.ts';
// The domain's own result types, so the renderer and the use cases cannot drift (types only:
// nothing of the domain is bundled into the preload or the page).
import type { BackupListing, BackupStatistics } from '../domain/listBackups.ts';
import type { KeyEntry, KeyRole, KeyStatus } from '../domain/keys.ts';
import {
  policyPatchSchema,
  type BackupAnnotations,
  type DrillResultView,
  type Policy,
  type RetentionVerdictView,
  type SchedulerEvent,
  type StatusView,
} from './protection.ts';
import { destinationRequestSchemas, type CopyProgressEvent, type DestinationResponses } from './destinations.ts';
export type { BackupStatistics, BackupMetadata, ErrorCode, Progress, KeyEntry, KeyRole, KeyStatus };
export * from './protection.ts';
export * from './destinations.ts';
export { ALARM_TEXTS } from './alarmTexts.ts';
export { ERROR_TITLES } from './errorTitles.ts';

/** A listed backup: the seed's fields, plus its pin, last verification and retention verdict. */
export type BackupListItem = BackupListing & BackupAnnotations;

/** Client-chosen id of a long operation, so that it can be cancelled and its progress routed. */
const operationId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_"');
const fileName = z.string().min(1).max(255);
const filePath = z.string().min(1).max(4096);
const noPayload = z.union([z.undefined(), z.null(), z.strictObject({})]);

// Secrets (issue 13): bounded, never echoed in a response, an event, a log line or the audit log.
const password = z.string().min(1).max(1024);
/** `AGE-SECRET-KEY-1…` is 74 characters; room for the spaces of a key typed in groups. */
const recoveryKey = z.string().min(1).max(256);

/** What opens an encrypted backup: the password (it opens the key file beside the backups) and/or the recovery key. */
const unlock = z.strictObject({ password: password.optional(), recoveryKey: recoveryKey.optional() });
export type UnlockRequest = z.input<typeof unlock>;

/**
 * A backup to read: a name from the backup list, or a path the person chose in a file dialog
 * (the main process refuses any other path: a renderer never names a path on its own), and
 * what opens it when it is encrypted.
 */
const backupSource = z
  .strictObject({ fileName: fileName.optional(), filePath: filePath.optional(), operationId: operationId.optional(), unlock: unlock.optional() })
  .refine((v) => (v.fileName === undefined) !== (v.filePath === undefined), 'give exactly one of fileName and filePath');

/** How long a set-up's recovery key waits to be typed back (in the main process's memory only). */
export const KEY_SETUP_TTL_MS = 15 * 60_000;

export const requestSchemas = {
  'backup:exportNow': z.union([
    z.undefined(),
    z.null(),
    z.strictObject({
      includeDatabase: z.boolean().optional(),
      includeFiles: z.boolean().optional(),
      includeMetadata: z.boolean().optional(),
      compressionLevel: z.number().int().min(0).max(9).optional(),
      operationId: operationId.optional(),
    }),
  ]),
  'backup:restoreFromZip': backupSource,
  'backup:verifyBackup': backupSource,
  /**
   * A portable copy of a listed backup (issue 12): one self-contained ZIP (format 1) in the
   * backup dir's portable/ folder (a page cannot choose where to save), not listed as a backup.
   */
  'backup:exportPortable': z.strictObject({ fileName, operationId: operationId.optional(), unlock: unlock.optional() }),
  /** Reads what a backup holds (its metadata) for the restore confirmation, without restoring. */
  'backup:inspectBackup': backupSource,
  'backup:listBackups': noPayload,
  'backup:deleteBackup': z.strictObject({ fileName }),
  'backup:getStatistics': noPayload,
  /** Counts of the data as it is now, for the restore confirmation and the page. */
  'backup:getCurrentCounts': noPayload,
  /** A file dialog for choosing a backup (Electron); the browser shell uploads the chosen file. */
  'backup:chooseFile': noPayload,
  'backup:cancel': z.strictObject({ operationId }),
  /** The backup dir's policy (the defaults if none is stored). */
  'backup:getPolicy': noPayload,
  /** Changes the policy (any part of it); the scheduler follows at once. */
  'backup:setPolicy': policyPatchSchema,
  /** Last backup, last verified-good, next runs, alarms, the undo offer, the scheduler's state. */
  'backup:getStatus': noPayload,
  /** What retention keeps and why; with `dryRun: false`, deletes what it does not keep. */
  'backup:prune': z.strictObject({ dryRun: z.boolean() }),
  /** A pinned backup is never pruned. */
  'backup:pinBackup': z.strictObject({ fileName, pinned: z.boolean() }),
  /** Re-verifies stored backups now: those due within the drill's budget (or the longest unverified one), or `all`. */
  'backup:drillNow': z.union([z.undefined(), z.null(), z.strictObject({ all: z.boolean().optional(), operationId: operationId.optional() })]),
  /** Puts back the data from before the last restore (its safety copy), all or nothing. */
  'backup:undoRestore': z.union([z.undefined(), z.null(), z.strictObject({ operationId: operationId.optional() })]),

  // ---- encryption (issue 13): public keys only ever go back to the page -----------------

  /** Whether encryption is on, and the public keys new backups are encrypted to. */
  'backup:getKeys': noPayload,
  /** Step 1 of set-up: makes the keys (in memory) and answers with the recovery key, shown once. Nothing is written. */
  'backup:beginKeySetup': z.strictObject({ password }),
  /** Step 2: the recovery key typed back; only then are the keys written and encryption on. */
  'backup:confirmKeySetup': z.strictObject({ setupId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/), recoveryKey }),
  /** A new password, with the old one or (when it is forgotten) the recovery key. */
  'backup:changePassword': z
    .strictObject({ unlock, newPassword: password })
    .refine((v) => (v.unlock.password === undefined) !== (v.unlock.recoveryKey === undefined), 'give exactly one of unlock.password and unlock.recoveryKey'),
  /** Turns encryption off (new backups are not encrypted) or back on; recorded in the audit log. */
  'backup:setEncryption': z.strictObject({ on: z.boolean() }),

  // ---- copies off the machine (issue 14; destinations.ts): an S3 secret only goes in ----
  ...destinationRequestSchemas,
} as const;

export type Channel = keyof typeof requestSchemas;
export const CHANNELS = Object.keys(requestSchemas) as Channel[];

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(requestSchemas, value);
}

export type RequestOf<C extends Channel> = z.input<(typeof requestSchemas)[C]>;

/** What the data dir holds now: the database's counts plus the document store's. */
export interface CurrentCounts {
  readonly users: number;
  readonly cases: number;
  readonly tasks: number;
  readonly hearings: number;
  readonly orders: number;
  readonly files: number;
  readonly bytes: number;
}

interface ResponseData extends DestinationResponses {
  'backup:exportNow': {
    operationId: string;
    backupId: string;
    fileName: string;
    filePath: string;
    size: number;
    createdAt: string;
    checksum: string;
    metadata: BackupMetadata;
    warnings: readonly string[];
  };
  'backup:restoreFromZip': {
    operationId: string;
    restoreId: string;
    restoredAt: string;
    metadata: BackupMetadata;
    errors: readonly string[];
    /** Where the data that was replaced is kept (`<data dir>.safety-<id>`); null if there was none. */
    safetyCopy: string | null;
  };
  'backup:verifyBackup': {
    operationId: string;
    fileName: string;
    size: number;
    checksum: string;
    sidecarChecked: boolean;
    entries: number;
    metadata: BackupMetadata;
  };
  /** `fileName`/`filePath`: the copy's; `source`: the backup's name; `folder`: where the copy is, to say so. */
  'backup:exportPortable': {
    operationId: string;
    source: string;
    fileName: string;
    filePath: string;
    folder: string;
    size: number;
    checksum: string;
    encrypted: boolean;
    metadata: BackupMetadata;
    warnings: readonly string[];
  };
  'backup:inspectBackup': { fileName: string; size: number; metadata: BackupMetadata };
  /** `backupDir`: the folder listed, for the page to say where backups are. */
  'backup:listBackups': { backups: BackupListItem[]; backupDir: string };
  'backup:deleteBackup': { fileName: string };
  'backup:getStatistics': { statistics: BackupStatistics };
  /** `dataDir`: the folder counted, for the page to say which data it shows; `hasSettings`: settings.json is there. */
  'backup:getCurrentCounts': { counts: CurrentCounts; dataDir: string; hasSettings: boolean };
  'backup:chooseFile': { cancelled: true } | { cancelled: false; filePath: string; fileName: string };
  'backup:cancel': { cancelled: boolean };
  /** `backupOnQuit`: whether this host can back up when the app quits (the desktop app can; the browser shell cannot). */
  'backup:getPolicy': { policy: Policy; stored: boolean; backupOnQuit: boolean };
  'backup:setPolicy': { policy: Policy };
  'backup:getStatus': { status: StatusView };
  /** Every backup, newest first, with its verdict; `deleted`: what a real run deleted. */
  'backup:prune': { dryRun: boolean; verdicts: RetentionVerdictView[]; deleted: string[] };
  'backup:pinBackup': { fileName: string; pinned: boolean };
  'backup:drillNow': { operationId: string; outcome: 'ok' | 'failed' | 'cancelled'; results: DrillResultView[]; notReached: string[] };
  /** `safetyCopy`: where the data it replaced is kept (so the undo can be undone too), or null. */
  'backup:undoRestore': { operationId: string; undoneAt: string; safetyCopy: string | null; errors: readonly string[] };
  /** `minPasswordLength`: shorter passwords are refused. */
  'backup:getKeys': { keys: KeyStatus; minPasswordLength: number };
  /**
   * `recoveryKey` (a secret, the one time it leaves the main process) to show once; `setupId`
   * names this set-up for the confirmation, which must come before `expiresAt`. A new set-up
   * replaces one still waiting.
   */
  'backup:beginKeySetup': { setupId: string; expiresAt: string; recoveryKey: string; recoveryPublicKey: string; passwordPublicKey: string };
  'backup:confirmKeySetup': { keys: KeyStatus };
  /** `newKey`: the recovery key was used, so new backups go to a new password key (older ones open with the recovery key). */
  'backup:changePassword': { keys: KeyStatus; newKey: boolean };
  'backup:setEncryption': { keys: KeyStatus };
}

export type Success<C extends Channel> = { success: true; message: string } & ResponseData[C];

export interface Failure {
  success: false;
  /** The detail a person can act on (the BackupError's message). */
  error: string;
  code: ErrorCode;
  /** The seed's one-line summary, e.g. "Failed to export backup". */
  message: string;
}

export type Envelope<C extends Channel> = Success<C> | Failure;

/** Events pushed from the main process to the page. */
export interface EventPayloads {
  'backup:progress': {
    operationId: string;
    operation: 'export' | 'restore' | 'verify' | 'drill' | 'undo' | 'portable';
    progress: Progress;
  };
  /** What the scheduler did (a run finished, its state changed) and the alarms when they change; to every page. */
  'backup:scheduler': SchedulerEvent;
  /** Bytes of a copy to a destination or a download from one (issue 14), to the caller. */
  'backup:copyProgress': CopyProgressEvent;
}

export type AppEvent = keyof EventPayloads;
export const EVENTS = ['backup:progress', 'backup:scheduler', 'backup:copyProgress'] as const satisfies readonly AppEvent[];

export function isAppEvent(value: unknown): value is AppEvent {
  return typeof value === 'string' && (EVENTS as readonly string[]).includes(value);
}

/** Optional-payload channels may be invoked without an argument. */
type InvokeArgs<C extends Channel> = undefined extends RequestOf<C> ? [payload?: RequestOf<C>] : [payload: RequestOf<C>];

/**
 * `window.app`: what the preload (Electron) or the browser bridge (browser shell) gives the
 * page. `invoke` rejects (never resolves an envelope) for a channel that is not in CHANNELS;
 * every failure of an allowed channel resolves to a Failure envelope.
 */
export interface AppBridge {
  invoke<C extends Channel>(channel: C, ...args: InvokeArgs<C>): Promise<Envelope<C>>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends AppEvent>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}

export const unknownChannelMessage = (channel: unknown): string =>
  `casevault: "${String(channel)}" is not an allowed channel (allowed: ${CHANNELS.join(', ')})`;

export const unknownEventMessage = (event: unknown): string =>
  `casevault: "${String(event)}" is not an event of the app (allowed: ${EVENTS.join(', ')})`;

declare global {
  interface Window {
    app: AppBridge;
  }
}
