/**
 * How the command line names a copy destination (issue 14): by the name `dest add` gave it,
 * or, on a new machine with nothing stored, whole: a folder path (`/media/usb/casevault`) or
 * `s3://BUCKET/PREFIX/` with --endpoint, --region, --path-style and --checksum. Credentials are
 * never a flag: the AWS SDK's default chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
 * AWS_PROFILE and ~/.aws) gives them, so they never reach casevault-destinations.json.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DestinationTarget } from '../ports/destination.ts';
import { BackupError, isBackupError } from '../domain/errors.ts';
import { endpointText } from '../infra/s3/s3Errors.ts';
import { UsageError, hasFlag, stringFlag, type FlagSpec, type ParsedArgs } from './args.ts';
import { shellQuote } from './output.ts';

export const S3_FLAGS: readonly FlagSpec[] = [
  { name: 'bucket', kind: 'string', value: 'B', help: 's3: the bucket (it must exist)' },
  { name: 'endpoint', kind: 'string', value: 'URL', help: 's3: the server, e.g. https://s3.eu-central-003.backblazeb2.com (default: AWS)' },
  { name: 'prefix', kind: 'string', value: 'P', help: 's3: a folder in the bucket, e.g. casevault/ (default: the bucket\'s root)' },
  { name: 'region', kind: 'string', value: 'R', help: 's3: the region (default: $AWS_REGION, else us-east-1)' },
  { name: 'path-style', kind: 'boolean', help: 's3: address the bucket as URL/BUCKET (MinIO, Ceph, most servers of your own)' },
  { name: 'checksum', kind: 'string', value: 'MODE', help: 's3: when-supported (default) or when-required (Cloudflare R2, OCI)' },
];



/** The flags of S3_FLAGS that were given (to refuse them where they mean nothing). */
export function s3FlagsGiven(args: ParsedArgs): string[] {
  return S3_FLAGS.map((f) => f.name).filter((n) => args.flags.has(n));
}

/** An S3 target from the flags (and `bucket`/`prefix` from an s3:// URL, if given so). Validated by the domain. */
export function s3Target(args: ParsedArgs, env: NodeJS.ProcessEnv, fromUrl?: { bucket: string; prefix: string }): DestinationTarget {
  const bucket = fromUrl?.bucket ?? stringFlag(args, 'bucket');
  if (!bucket) throw new UsageError('an S3 destination needs --bucket B');
  const checksum = stringFlag(args, 'checksum') ?? 'when-supported';
  if (checksum !== 'when-supported' && checksum !== 'when-required') throw new UsageError(`--checksum is when-supported or when-required, not "${checksum}"`);
  let prefix = fromUrl?.prefix ?? stringFlag(args, 'prefix') ?? '';
  prefix = prefix.replace(/^\/+/, '');
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/'; // "casevault" means the folder casevault/
  return {
    kind: 's3',
    endpoint: stringFlag(args, 'endpoint') ?? null,
    region: stringFlag(args, 'region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    bucket,
    prefix,
    pathStyle: hasFlag(args, 'path-style'),
    checksum,
  };
}

/** A folder target: PATH made absolute. */
export function folderTarget(path: string): DestinationTarget {
  return { kind: 'folder', path: resolve(path) };
}

/**
 * What DEST means: `s3://BUCKET/PREFIX/` (with the S3 flags), a path (it has a "/", or is "." or
 * ".."), else the name of a stored destination. The S3 flags go with an s3:// URL only.
 */
export function destinationOf(dest: string, args: ParsedArgs, env: NodeJS.ProcessEnv, flag: string): string | DestinationTarget {
  const url = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(dest);
  if (url) {
    if (args.flags.has('bucket') || args.flags.has('prefix')) throw new UsageError(`${flag} s3://BUCKET/PREFIX/ names the bucket and prefix; leave out --bucket and --prefix`);
    return s3Target(args, env, { bucket: url[1]!, prefix: url[2] ?? '' });
  }
  const given = s3FlagsGiven(args);
  if (given.length > 0) throw new UsageError(`--${given[0]!} goes with ${flag} s3://BUCKET/PREFIX/ (a stored destination keeps its own settings)`);
  if (dest.startsWith('s3:')) throw new UsageError(`${flag} ${dest}: write an S3 destination as s3://BUCKET/PREFIX/`);
  if (dest.includes('/') || dest.includes('\\') || dest === '.' || dest === '..') return folderTarget(dest);
  return dest;
}

/** Where a target is, for a person: the folder's path, or s3://bucket/prefix at the endpoint. */
export function whereOf(target: DestinationTarget): string {
  if (target.kind === 'folder') return target.path;
  return `s3://${target.bucket}/${target.prefix} at ${endpointText(target.endpoint, target.region)}${target.pathStyle ? ', path-style' : ''}${target.checksum === 'when-required' ? ', checksums when required' : ''}`;
}

/**
 * Before a folder is used: a file given as the folder is NOT_A_FOLDER (the adapter would say
 * the drive is not mounted). Nothing is created: a missing folder may be an unmounted drive's
 * empty mount point, where writing would fill the internal disk.
 */
export function requireFolderPath(target: DestinationTarget, operation: string): void {
  if (target.kind !== 'folder') return;
  const stat = statSync(target.path, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) {
    throw new BackupError('NOT_A_FOLDER', `${operation}: ${target.path} is a file, not a folder; give the folder the copies go into (e.g. ${shellQuote(dirname(target.path))})`);
  }
}

/** A folder that is not there: the adapter's message, and the command that creates it when the drive is there. */
export function withFolderAdvice(error: unknown, target: DestinationTarget | string): unknown {
  if (typeof target === 'string' || target.kind !== 'folder' || !isBackupError(error) || error.code !== 'DEST_NOT_FOUND') return error;
  if (existsSync(target.path) || !existsSync(dirname(target.path))) return error;
  return new BackupError('DEST_NOT_FOUND', `${error.message} If it is, create the folder first: mkdir ${shellQuote(target.path)}`, { cause: error });
}


