/**
 * The S3 client of one destination and its requests' retries. The SDK's own retries are off
 * (maxAttempts 1): every request goes through `attempt`, which retries what is worth another
 * try (a cut connection, a timeout, a 5xx, SlowDown and other throttling, a digest the server
 * saw differ) with exponential backoff and full jitter, and stops at once on the signal. Only
 * Buffers are ever sent, so a retry resends the same bytes and no body is aws-chunked.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { BackupError, throwIfCancelled } from '../../domain/errors.ts';
import type { DestinationTarget } from '../../ports/destination.ts';
import { endpointText, isRetryable, s3Failure, type S3Place } from './s3Errors.ts';

export type S3Target = Extract<DestinationTarget, { kind: 's3' }>;

export interface S3DestinationOptions {
  /** Without them, the SDK's default chain: the environment (AWS_ACCESS_KEY_ID, …), then the shared config and profile. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Bytes a part of a multipart upload (default 16 MiB; S3 wants at least 5 MiB but for the last). Smaller objects are one PutObject. */
  readonly partSize?: number;
  /** Parts in flight at once (default 3): a put holds at most queueSize × partSize bytes. */
  readonly queueSize?: number;
  /** Tries after the first for a request that failed in a way worth retrying (default 5). */
  readonly retries?: number;
  /** A connection not made, or a socket silent, this long is a timeout (default 60 s). */
  readonly requestTimeoutMs?: number;
  /** The first retry's wait; each next one doubles up to 8 s, with full jitter (default 250 ms). */
  readonly retryDelayMs?: number;
}

export interface S3Context {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly place: S3Place;
  readonly description: string;
  /**
   * Runs `request` (given the signal for `client.send` and the try number, 0 first) until it
   * resolves, fails in a way not worth retrying, or the retries are spent; then rejects with
   * the request's own error (see `fail`), or CANCELLED once `signal` is aborted.
   */
  attempt<T>(what: string, signal: AbortSignal | undefined, request: (signal: AbortSignal | undefined, tryNumber: number) => Promise<T>): Promise<T>;
  /** The coded error for what `attempt` rejected with (a BackupError as it is). */
  fail(error: unknown, what: string): BackupError;
}

const MAX_DELAY_MS = 8_000;

export function createS3Context(target: S3Target, options: S3DestinationOptions): S3Context {
  const retries = options.retries ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 250;
  const timeout = options.requestTimeoutMs ?? 60_000;
  if (!Number.isInteger(retries) || retries < 0) throw new TypeError(`s3 destination: retries must be a whole number ≥ 0, got ${retries}`);
  if (!(timeout > 0)) throw new TypeError(`s3 destination: requestTimeoutMs must be > 0, got ${timeout}`);
  const config: S3ClientConfig = {
    region: target.region,
    ...(target.endpoint !== null ? { endpoint: target.endpoint } : {}),
    forcePathStyle: target.pathStyle,
    ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    // The SDK's default CRC32 checksums break Cloudflare R2 and OCI: there, only what an operation requires.
    ...(target.checksum === 'when-required' ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
    maxAttempts: 1,
    // socketTimeout: silence, not duration, so a 16 MiB part on a slow line is not cut for being slow.
    requestHandler: { connectionTimeout: timeout, socketTimeout: timeout },
  };
  const client = new S3Client(config);
  const place: S3Place = { bucket: target.bucket, endpoint: endpointText(target.endpoint, target.region) };
  const tries = new WeakMap<object, number>();

  return {
    client,
    bucket: target.bucket,
    prefix: target.prefix,
    place,
    description: `s3://${target.bucket}/${target.prefix} at ${place.endpoint}`,
    async attempt(what, signal, request) {
      for (let n = 0; ; n++) {
        throwIfCancelled(signal, what);
        try {
          return await request(signal, n);
        } catch (error) {
          if (signal?.aborted) throw new BackupError('CANCELLED', `${what}: cancelled`);
          if (n >= retries || !isRetryable(error)) {
            if (typeof error === 'object' && error !== null) tries.set(error, n + 1);
            throw error;
          }
          await sleep(Math.random() * Math.min(MAX_DELAY_MS, retryDelayMs * 2 ** n), signal, what);
        }
      }
    },
    fail(error, what) {
      return s3Failure(error, what, place, typeof error === 'object' && error !== null ? (tries.get(error) ?? 1) : 1);
    },
  };
}

function sleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener('abort', cancelled);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const cancelled = () => {
      clearTimeout(timer);
      reject(new BackupError('CANCELLED', `${what}: cancelled`));
    };
    signal?.addEventListener('abort', cancelled, { once: true });
  });
}
