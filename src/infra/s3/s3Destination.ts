/**
 * An S3-compatible destination (issue 14): AWS S3, Backblaze B2, Wasabi, Cloudflare R2, MinIO,
 * Ceph, OpenStack Swift's s3api. Objects are `${prefix}${name}`, the pool's `${prefix}pool/${name}`;
 * names starting with '.' are the adapter's own (probes) and never listed, nor are other keys
 * with a '/' after the prefix (another prefix's). A put is s3Upload.ts; a get streams into the WriteHandle chunk by chunk and resumes
 * with a Range request (If-Match the first ETag) after a cut connection; a remove refused by
 * Object Lock or a legal hold says 'locked'. cleanUp aborts the multipart uploads under the
 * prefix that this store is not writing (the copier holds the backup dir's lock, so any other is
 * the orphan of a crash or a kill -9) and removes leftover probes. Nothing here touches the
 * network until a method is called.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { BackupError, throwIfCancelled } from '../../domain/errors.ts';
import type { DestinationObject, DestinationStore, ProbeReport, TransferOptions } from '../../ports/destination.ts';
import type { WriteHandle } from '../../ports/fileSystem.ts';
import { checkName } from '../nodefs/folderDestination.ts';
import { factsOf, isMissingKey, isRetryable } from './s3Errors.ts';
import { createS3Context, type S3DestinationOptions, type S3Target } from './s3Requests.ts';
import { createUploader, MAX_OBJECT } from './s3Upload.ts';

export type { S3DestinationOptions } from './s3Requests.ts';

const PROBE = '.casevault-probe-';
const MiB = 2 ** 20;
const PROGRESS_EVERY = 4 * MiB;

export function createS3Destination(target: S3Target, options: S3DestinationOptions = {}): DestinationStore {
  const partSize = options.partSize ?? 16 * MiB;
  const queueSize = options.queueSize ?? 3;
  if (!Number.isInteger(partSize) || partSize < 1) throw new TypeError(`s3 destination: partSize must be a whole number of bytes, got ${partSize}`);
  if (!Number.isInteger(queueSize) || queueSize < 1) throw new TypeError(`s3 destination: queueSize must be a whole number ≥ 1, got ${queueSize}`);
  if (target.prefix.startsWith('/') || (target.prefix !== '' && !target.prefix.endsWith('/'))) throw new TypeError(`s3 destination: a prefix is empty or ends with '/' and does not start with one, got ${JSON.stringify(target.prefix)}`);
  const s3 = createS3Context(target, options);
  const { client, bucket, prefix, description } = s3;
  const uploader = createUploader(s3, partSize, queueSize);
  const probes = new Set<string>();
  const send = <T>(what: string, signal: AbortSignal | undefined, run: (abortSignal: AbortSignal | undefined) => Promise<T>): Promise<T> =>
    s3.attempt(what, signal, run).catch((error) => {
      throw s3.fail(error, what);
    });

  return {
    description,

    async probe(probeOptions = {}): Promise<ProbeReport> {
      const what = `checking ${description}`;
      const key = `${prefix}${PROBE}${process.pid}-${randomBytes(6).toString('hex')}`;
      const token = randomBytes(32);
      probes.add(key);
      try {
        const md5 = createHash('md5').update(token).digest('base64');
        await send(what, probeOptions.signal, (abortSignal) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: token, ContentLength: token.byteLength, ContentMD5: md5 }), { abortSignal }));
        const back = await send(what, probeOptions.signal, async (abortSignal) => {
          const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal });
          return Buffer.from((await answer.Body?.transformToByteArray()) ?? []);
        });
        if (!back.equals(token)) throw new BackupError('COPY_MISMATCH', `${what}: an object written there read back different; the server or something on the way alters data`);
        await send(what, probeOptions.signal, (abortSignal) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }));
      } finally {
        probes.delete(key);
      }
      return { freeBytes: null, maxFileSize: MAX_OBJECT, sameDevice: false };
    },

    async *list(listOptions = {}): AsyncIterable<DestinationObject> {
      const what = `listing ${description}`;
      // The pool is listed under its own key prefix; the top's listing skips its keys (they hold a '/').
      const under = listOptions.folder === undefined ? prefix : `${prefix}${listOptions.folder}/`;
      let token: string | undefined;
      let after: string | undefined;
      for (;;) {
        const page = await send(what, listOptions.signal, (abortSignal) =>
          client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: under, MaxKeys: 1000, ContinuationToken: token, StartAfter: token ? undefined : after }), { abortSignal }),
        );
        for (const object of page.Contents ?? []) {
          const name = object.Key?.slice(under.length) ?? '';
          after = object.Key ?? after;
          if (name === '' || name.startsWith('.') || name.includes('/')) continue;
          yield { name: listOptions.folder === undefined ? name : `${listOptions.folder}/${name}`, size: object.Size ?? 0 };
        }
        // A server that says "more" without a token is paged from the last key instead.
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
        if (page.IsTruncated && !token && !page.Contents?.length) throw new BackupError('IO_ERROR', `${what}: ${s3.place.endpoint} said there is more but gave nothing to continue from`);
        if (!page.IsTruncated) break;
      }
    },

    async put(name, source, putOptions = {}) {
      checkName(name); // a rejection, as every method's, not a throw
      return uploader.put(name, source, putOptions);
    },

    async get(name: string, into: WriteHandle, getOptions: TransferOptions = {}): Promise<void> {
      checkName(name);
      const what = `reading ${name} from ${description}`;
      await download(`${prefix}${name}`, name, into, getOptions, what);
    },

    async remove(name: string): Promise<'removed' | 'locked' | 'missing'> {
      checkName(name);
      const what = `removing ${name} from ${description}`;
      const key = `${prefix}${name}`;
      let head: HeadObjectCommandOutput | null = null;
      try {
        head = await s3.attempt(what, undefined, (abortSignal) => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }));
      } catch (error) {
        if (!isMissingKey(error)) throw s3.fail(error, what);
      }
      try {
        // Also when the HEAD said 404: a DeleteObject of no key succeeds, of no bucket says NoSuchBucket.
        await s3.attempt(what, undefined, (abortSignal) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }));
        return head === null ? 'missing' : 'removed';
      } catch (error) {
        if (head !== null && lockedBy(error, head)) return 'locked';
        throw s3.fail(error, what);
      }
    },

    async cleanUp(cleanOptions = {}): Promise<number> {
      const what = `cleaning ${description}`;
      const { signal } = cleanOptions;
      let removed = 0;
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      for (;;) {
        const page = await send(what, signal, (abortSignal) =>
          client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }), { abortSignal }),
        );
        for (const upload of page.Uploads ?? []) {
          throwIfCancelled(signal, what);
          const rest = upload.Key?.slice(prefix.length) ?? '';
          // Ours: at the top or in the pool; any other '/' is another prefix's.
          if (!upload.Key || !upload.UploadId || rest.replace(/^pool\//, '').includes('/') || uploader.inFlight.has(upload.UploadId)) continue;
          await send(what, signal, (abortSignal) => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }), { abortSignal }));
          removed++;
        }
        if (!page.IsTruncated || (!page.NextKeyMarker && !page.NextUploadIdMarker)) break;
        keyMarker = page.NextKeyMarker;
        uploadIdMarker = page.NextUploadIdMarker;
      }
      let token: string | undefined;
      do {
        const page = await send(what, signal, (abortSignal) => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}${PROBE}`, ContinuationToken: token }), { abortSignal }));
        for (const object of page.Contents ?? []) {
          if (!object.Key || probes.has(object.Key) || object.Key.slice(prefix.length).includes('/')) continue;
          await send(what, signal, (abortSignal) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }), { abortSignal }));
          removed++;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return removed;
    },
  };

  /**
   * GetObject into `into`, awaiting each write (backpressure). After a cut connection or a
   * silent socket, a Range request from where it stopped, If-Match the first answer's ETag so
   * that a changed object is never spliced; at most `retries` resumptions in a row without
   * progress. A plain MD5 ETag (not multipart, not KMS) is checked against what arrived.
   */
  async function download(key: string, name: string, into: WriteHandle, transfer: TransferOptions, what: string): Promise<void> {
    const { signal, onProgress } = transfer;
    const md5 = createHash('md5');
    let done = 0;
    let reported = 0;
    let size = -1;
    let etag: string | undefined;
    let checkable = false;
    for (let stalls = 0; ; ) {
      let answer;
      try {
        answer = await s3.attempt(what, signal, (abortSignal) =>
          client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(size >= 0 ? { Range: `bytes=${done}-`, IfMatch: etag } : {}) }), { abortSignal }),
        );
      } catch (error) {
        if (isMissingKey(error)) throw new BackupError('NOT_FOUND', `${what}: there is no ${name} there`);
        if (size >= 0 && factsOf(error).status === 412) throw new BackupError('COPY_MISMATCH', `${what}: ${name} changed on the server while it was read; read it again`);
        throw s3.fail(error, what);
      }
      if (size < 0) {
        size = answer.ContentLength ?? 0;
        etag = answer.ETag;
        checkable = /^"?[0-9a-f]{32}"?$/i.test(etag ?? '') && answer.ServerSideEncryption !== 'aws:kms' && answer.ServerSideEncryption !== 'aws:kms:dsse' && answer.SSECustomerAlgorithm === undefined;
      }
      const body = answer.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
      const before = done;
      try {
        for await (const chunk of body ?? []) {
          throwIfCancelled(signal, what);
          md5.update(chunk);
          await into.write(chunk); // a BackupError of the write (NO_SPACE, …) ends the get as it is
          done += chunk.byteLength;
          if (done - reported >= PROGRESS_EVERY || done === size) onProgress?.((reported = done), size);
        }
        if (done === size) break;
        if (done > size) throw new BackupError('COPY_MISMATCH', `${what}: ${s3.place.endpoint} sent more than the ${size} bytes it announced`);
        throw Object.assign(new Error('the body ended early'), { code: 'ECONNRESET' });
      } catch (error) {
        body?.destroy?.();
        if (error instanceof BackupError) throw error;
        if (signal?.aborted) throw new BackupError('CANCELLED', `${what}: cancelled`);
        stalls = done > before ? 0 : stalls + 1;
        if (!isRetryable(error) || stalls > (options.retries ?? 5)) throw s3.fail(error, what);
      }
    }
    if (size === 0) onProgress?.(0, 0);
    if (checkable && md5.digest('hex') !== etag?.replace(/"/g, '').toLowerCase()) {
      throw new BackupError('COPY_MISMATCH', `${what}: what arrived differs from what ${s3.place.endpoint} holds (MD5 against its ETag); read it again`);
    }
  }
}

/** A DeleteObject refused because Object Lock retention or a legal hold keeps the object: kept, not a failure. */
function lockedBy(error: unknown, head: HeadObjectCommandOutput): boolean {
  const f = factsOf(error);
  const held = head.ObjectLockLegalHoldStatus === 'ON' || (head.ObjectLockRetainUntilDate !== undefined && head.ObjectLockRetainUntilDate.getTime() > Date.now());
  if ((f.name === 'AccessDenied' || f.status === 403) && (held || /retention|legal hold|object lock|worm/i.test(f.message))) return true;
  return (f.name === 'InvalidRequest' || f.name === 'ObjectLocked' || f.status === 400 || f.status === 409) && /retention|legal hold|object lock|locked|worm/i.test(f.message);
}
