/**
 * What the S3 adapter makes of a failure: the SDK's service errors (by their S3 code and HTTP
 * status), Node's network errors (by errno) and the SDK's timeouts become a BackupError whose
 * code says what a person can do, with a message that says what to do. Nothing of the SDK's
 * error travels on: a SignatureDoesNotMatch carries the signature and the string to sign as
 * fields, so the cause is a plain Error with the S3 code, the status and the errno only.
 */
import { BackupError, type ErrorCode } from '../../domain/errors.ts';

export interface S3Place {
  readonly bucket: string;
  /** The endpoint as a person reads it, without user info: "http://127.0.0.1:9000", "AWS S3 (eu-west-1)". */
  readonly endpoint: string;
}

interface Facts {
  readonly name: string;
  readonly status: number | undefined;
  readonly errno: string | undefined;
  readonly message: string;
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']);
const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequests', 'TooManyRequestsException', 'RequestThrottled', 'RequestTimeout', 'RequestTimeTooSkewed', 'InternalError', 'ServiceUnavailable']);
const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'AllAccessDisabled', 'AccountProblem', 'CredentialsProviderError', 'InvalidSecurity']);
const DIGEST = new Set(['BadDigest', 'InvalidDigest', 'XAmzContentSHA256Mismatch', 'InvalidChecksum']);

export function factsOf(error: unknown): Facts {
  const e = (error ?? {}) as { name?: unknown; code?: unknown; Code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown }; cause?: unknown };
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const errno = typeof e.code === 'string' ? e.code : typeof (e.cause as { code?: unknown } | undefined)?.code === 'string' ? ((e.cause as { code: string }).code) : undefined;
  const name = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : 'Error';
  return { name, status, errno, message: typeof e.message === 'string' ? e.message : '' };
}

/** A cut connection, a timeout, a 5xx, throttling or a digest the server saw differ: worth another try. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof BackupError) return false;
  const f = factsOf(error);
  if (f.name === 'AbortError') return false;
  if (f.errno === 'ENOTFOUND') return false; // a name that does not resolve will not resolve in a second
  if (f.errno !== undefined && NETWORK.has(f.errno)) return true;
  if (f.name === 'TimeoutError' || (f.status === undefined && /socket hang up|premature close|aborted/i.test(f.message))) return true;
  if (THROTTLED.has(f.name) || DIGEST.has(f.name)) return true;
  return f.status !== undefined && ((f.status >= 500 && f.status !== 501) || f.status === 429); // 501: NotImplemented stays so
}

/** Is it the server's "no such key" (GetObject: NoSuchKey; HeadObject: a bare 404)? */
export function isMissingKey(error: unknown): boolean {
  const f = factsOf(error);
  return f.name === 'NoSuchKey' || f.name === 'NotFound' || (f.status === 404 && f.name !== 'NoSuchBucket' && f.name !== 'NoSuchUpload');
}

export function codeOfS3(error: unknown): ErrorCode {
  const f = factsOf(error);
  if (f.name === 'NoSuchBucket') return 'DEST_NOT_FOUND';
  if (DENIED.has(f.name) || f.status === 403 || /credential/i.test(f.name)) return 'DEST_ACCESS_DENIED';
  if (f.name === 'EntityTooLarge') return 'DEST_FILE_TOO_LARGE';
  if (DIGEST.has(f.name) || f.name === 'InvalidPart') return 'COPY_MISMATCH';
  if (f.name === 'PreconditionFailed' || f.name === 'ConditionalRequestConflict' || f.status === 412) return 'ALREADY_EXISTS';
  if (f.name === 'NoSuchKey') return 'NOT_FOUND';
  if (f.name === 'AbortError') return 'CANCELLED';
  if (isRetryable(error) || f.errno === 'ENOTFOUND') return 'DEST_UNREACHABLE';
  return 'IO_ERROR';
}

/** The coded error for `error` met while doing `what`, after `tries` tries; a BackupError passes as it is. */
export function s3Failure(error: unknown, what: string, place: S3Place, tries = 1): BackupError {
  if (error instanceof BackupError) return error;
  const f = factsOf(error);
  const code = codeOfS3(error);
  const seen = [f.name !== 'Error' ? f.name : '', f.status !== undefined ? `HTTP ${f.status}` : '', f.errno ?? ''].filter(Boolean).join(', ');
  const after = tries > 1 ? ` after ${tries} tries` : '';
  const { bucket, endpoint } = place;
  const hint: Partial<Record<ErrorCode, string>> = {
    DEST_NOT_FOUND: `the bucket ${bucket} does not exist at ${endpoint}: create it, or check the name and the region`,
    DEST_ACCESS_DENIED: /credential/i.test(f.name)
      ? `no credentials for ${endpoint}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile (AWS_PROFILE) in ~/.aws/credentials`
      : f.name === 'ExpiredToken' || f.name === 'TokenRefreshRequired'
        ? `the session token for ${endpoint} expired: get new credentials`
        : `access denied: check the key, and that it has s3:PutObject, s3:GetObject, s3:ListBucket, s3:DeleteObject on ${bucket}`,
    DEST_FILE_TOO_LARGE: `${endpoint} refuses an object this large in ${bucket}`,
    COPY_MISMATCH: `${endpoint} computed a different checksum of what arrived${after}: something between here and the server alters data (a proxy, a failing network card)`,
    ALREADY_EXISTS: `the name is already taken in ${bucket} (a copy is never overwritten)`,
    NOT_FOUND: `there is no such object in ${bucket}`,
    DEST_UNREACHABLE:
      f.errno === 'ENOTFOUND' || f.errno === 'EAI_AGAIN'
        ? `the name of ${endpoint} does not resolve: check the endpoint and the network`
        : `${endpoint} did not answer${after}: check the endpoint, the network, and that the server is up`,
    CANCELLED: 'cancelled',
    IO_ERROR:
      f.name === 'EntityTooSmall'
        ? `${endpoint} wants larger parts of a multipart upload: raise the part size (S3: at least 5 MiB)`
        : f.name === 'NoSuchUpload'
          ? `the upload was aborted on ${endpoint} while it ran (another casevault's clean-up, or a lifecycle rule): copy it again`
          : `${endpoint} refused the request${after}`,
  };
  return new BackupError(code, `${what}: ${hint[code]}${seen ? ` (${seen})` : ''}`, { cause: new Error(seen || 'unknown') });
}

/** The endpoint as a person reads it: no user info, no query. */
export function endpointText(endpoint: string | null, region: string): string {
  if (endpoint === null) return `AWS S3 (${region})`;
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'an endpoint that is not a URL';
  }
}
