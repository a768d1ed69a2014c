/**
 * A put to S3: never over an existing name, whole or not at all, confirmed by the server.
 * The source is read into Buffers (never a stream: aws-chunked bodies are what lax servers
 * corrupt). Below the part size, one PutObject; from it on, a multipart upload of `queueSize`
 * parts in flight (so at most queueSize × partSize bytes held), each part retried on its own.
 * Every body carries Content-MD5, which the server checks; a part's ETag must be its MD5. The
 * object appears only when CompleteMultipartUpload (or the PutObject) succeeds; any failure or
 * the signal aborts the upload. After it: HeadObject, the size must be the source's, and the
 * ETag the MD5 (one PutObject) or the MD5 of the parts' MD5s (multipart, where the server says
 * so); otherwise the object is removed and the put fails with COPY_MISMATCH. If that HeadObject
 * cannot be made (the server went away), the put fails and the object stays: the server took it
 * against its Content-MD5, so it is whole, and the copier's next run finds it at its size.
 * The name must be free: a HeadObject first (what any server does), and If-None-Match: * on the
 * write itself where the server takes it (then even a racing writer cannot be overwritten).
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { BackupError, throwIfCancelled } from '../../domain/errors.ts';
import type { TransferOptions } from '../../ports/destination.ts';
import type { ReadHandle } from '../../ports/fileSystem.ts';
import { factsOf, isMissingKey } from './s3Errors.ts';
import type { S3Context } from './s3Requests.ts';

/** S3's largest object and its most parts. */
export const MAX_OBJECT = 5 * 2 ** 40;
const MAX_PARTS = 10_000;
const MiB = 2 ** 20;

/** Endpoints that answered If-None-Match on a write with NotImplemented, for this process (Swift's s3api, older MinIO). */
const unconditional = new Set<string>();

export interface Uploader {
  put(name: string, source: ReadHandle, options: TransferOptions): Promise<void>;
  /** Upload ids this store is writing now: cleanUp leaves them alone. */
  readonly inFlight: ReadonlySet<string>;
}

export function createUploader(s3: S3Context, partSize: number, queueSize: number): Uploader {
  const inFlight = new Set<string>();
  /** Until a server refuses If-None-Match on a write (NotImplemented); then the HeadObject check alone. */
  let conditional = !unconditional.has(s3.place.endpoint);
  const { client, bucket } = s3;

  async function mustBeFree(key: string, name: string, what: string, signal?: AbortSignal): Promise<void> {
    try {
      await s3.attempt(what, signal, (abortSignal) => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }));
    } catch (error) {
      if (isMissingKey(error)) return;
      throw s3.fail(error, what);
    }
    throw new BackupError('ALREADY_EXISTS', `${what}: ${name} is already there (a copy is never overwritten)`);
  }

  /** Runs a write with If-None-Match: * unless the server refused it once; `true` if it may have been ours already (412 on a retry). */
  async function conditionalWrite(what: string, signal: AbortSignal | undefined, write: (ifNoneMatch: string | undefined, abortSignal: AbortSignal | undefined) => Promise<unknown>): Promise<boolean> {
    for (;;) {
      let retried = false;
      let asked = false; // whether the try that failed sent If-None-Match (puts run in parallel: `conditional` may have changed since)
      try {
        await s3.attempt(what, signal, (abortSignal, n) => ((retried = n > 0), (asked = conditional), write(asked ? '*' : undefined, abortSignal)));
        return false;
      } catch (error) {
        const f = factsOf(error);
        if (asked && (f.name === 'NotImplemented' || f.status === 501)) {
          conditional = false; // the HeadObject check before stands in for it
          unconditional.add(s3.place.endpoint);
          continue;
        }
        // A 412 after a cut connection may be our own first try, which did arrive: the check after the write decides.
        if (retried && (f.status === 412 || f.name === 'PreconditionFailed' || f.name === 'NoSuchUpload')) return true;
        if (f.status === 412 || f.name === 'PreconditionFailed' || f.name === 'ConditionalRequestConflict') {
          throw new BackupError('ALREADY_EXISTS', `${what}: the name was taken while copying (a copy is never overwritten)`);
        }
        throw s3.fail(error, what);
      }
    }
  }

  async function readPart(source: ReadHandle, position: number, length: number, what: string, into?: Buffer): Promise<Buffer> {
    const buffer = into ? into.subarray(0, length) : Buffer.allocUnsafe(length);
    for (let got = 0; got < length; ) {
      const chunk = await source.read(position + got, Math.min(4 * MiB, length - got), buffer.subarray(got));
      if (chunk.byteLength === 0) throw new BackupError('IO_ERROR', `${what}: the backup got shorter while being copied`);
      if (chunk.buffer !== buffer.buffer || chunk.byteOffset !== buffer.byteOffset + got) buffer.set(chunk, got);
      got += chunk.byteLength;
    }
    return buffer;
  }

  async function putWhole(key: string, source: ReadHandle, options: TransferOptions, what: string): Promise<string> {
    const body = await readPart(source, 0, source.size, what);
    throwIfCancelled(options.signal, what);
    const md5 = createHash('md5').update(body).digest();
    await conditionalWrite(what, options.signal, (ifNoneMatch, abortSignal) =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.byteLength, ContentMD5: md5.toString('base64'), IfNoneMatch: ifNoneMatch }), { abortSignal }),
    );
    return md5.toString('hex');
  }

  async function putParts(key: string, source: ReadHandle, options: TransferOptions, what: string): Promise<string> {
    const { signal, onProgress } = options;
    const size = source.size;
    // S3 takes at most 10,000 parts: a larger object gets larger parts (whole MiB).
    const part = Math.max(partSize, Math.ceil(size / MAX_PARTS / MiB) * MiB);
    let createRetried = false;
    const created = await s3
      .attempt(what, signal, (abortSignal, n) => ((createRetried = n > 0), client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }), { abortSignal })))
      .catch((error) => {
        throw s3.fail(error, what);
      });
    const uploadId = created.UploadId;
    if (!uploadId) throw new BackupError('IO_ERROR', `${what}: ${s3.place.endpoint} started an upload without an id`);
    inFlight.add(uploadId);
    // Aborted by the caller's signal or by the first part that fails: the others stop too.
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const running = new Set<Promise<void>>();
    // queueSize buffers at most, reused once their part is sent: the memory bound does not wait for the GC.
    const free: Buffer[] = [];
    const md5s: Buffer[] = [];
    let failure: { error: unknown } | null = null;
    let done = 0;
    try {
      for (let position = 0, number = 1; position < size; number++) {
        while (running.size >= queueSize) await Promise.race(running);
        if (failure) break;
        throwIfCancelled(signal, what);
        const length = Math.min(part, size - position);
        const buffer = free.pop() ?? Buffer.allocUnsafe(part);
        const body = await readPart(source, position, length, what, buffer).catch((error) => {
          free.push(buffer);
          throw error;
        });
        throwIfCancelled(signal, what);
        const md5 = createHash('md5').update(body).digest();
        md5s[number - 1] = md5;
        const partWhat = `${what}: part ${number}`;
        const task: Promise<void> = s3
          .attempt(partWhat, stop.signal, (abortSignal) =>
            client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: number, Body: body, ContentLength: length, ContentMD5: md5.toString('base64') }), { abortSignal }),
          )
          .then((answer) => {
            const etag = unquote(answer.ETag);
            if (etag !== undefined && !answer.SSEKMSKeyId && !answer.SSECustomerAlgorithm && etag !== md5.toString('hex')) {
              throw new BackupError('COPY_MISMATCH', `${partWhat}: ${s3.place.endpoint} stored a part whose MD5 (${etag}) is not what was sent (${md5.toString('hex')})`);
            }
            done += length;
            onProgress?.(done, size);
          })
          .catch((error) => {
            failure ??= { error: s3.fail(error, partWhat) }; // the first failure; the parts it stops say CANCELLED
            stop.abort();
          })
          .finally(() => (running.delete(task), free.push(buffer)));
        running.add(task);
        position += length;
      }
      await Promise.all(running);
      if (failure) throw (failure as { error: unknown }).error;
      throwIfCancelled(signal, what);
      const parts = md5s.map((md5, i) => ({ PartNumber: i + 1, ETag: `"${md5.toString('hex')}"` }));
      await conditionalWrite(what, signal, (ifNoneMatch, abortSignal) =>
        client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts }, IfNoneMatch: ifNoneMatch }), { abortSignal }),
      );
      return `${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${md5s.length}`;
    } catch (error) {
      stop.abort();
      await Promise.allSettled(running);
      // Best effort: what it leaves, the next cleanUp (ListMultipartUploads) aborts.
      await s3.attempt(`${what}: aborting the upload`, undefined, (abortSignal) => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }), { abortSignal })).catch(() => {});
      if (signal?.aborted) throw new BackupError('CANCELLED', `${what}: cancelled`);
      throw error instanceof BackupError ? error : s3.fail(error, what);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      inFlight.delete(uploadId);
      // A retried CreateMultipartUpload may have started an upload whose answer was lost: abort it now, not at the next cleanUp.
      if (createRetried) await abortOthers(key, what);
    }
  }

  async function abortOthers(key: string, what: string): Promise<void> {
    try {
      const page = await s3.attempt(what, undefined, (abortSignal) => client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }), { abortSignal }));
      for (const upload of page.Uploads ?? []) {
        if (upload.Key !== key || !upload.UploadId || inFlight.has(upload.UploadId)) continue;
        await s3.attempt(what, undefined, (abortSignal) => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId }), { abortSignal }));
      }
    } catch {
      // best effort: the next cleanUp finds it
    }
  }

  /** The server's word on what it now holds: the size, and the ETag where it is an MD5 we can compute. */
  async function confirm(key: string, name: string, size: number, expected: string, what: string): Promise<void> {
    let head: HeadObjectCommandOutput;
    try {
      head = await s3.attempt(what, undefined, (abortSignal) => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }));
    } catch (error) {
      throw s3.fail(error, `${what}: checking the copy`);
    }
    const etag = unquote(head.ETag);
    const encrypted = head.ServerSideEncryption === 'aws:kms' || head.ServerSideEncryption === 'aws:kms:dsse' || head.SSECustomerAlgorithm !== undefined; // their ETags are not MD5s
    const comparable = !encrypted && etag !== undefined && (expected.includes('-') ? /^[0-9a-f]{32}-\d+$/.test(etag) : true);
    const problem = head.ContentLength !== size ? `${head.ContentLength} bytes instead of ${size}` : comparable && etag !== expected ? `ETag ${etag} instead of ${expected}` : null;
    if (problem === null) return;
    await s3.attempt(`${what}: removing the bad copy`, undefined, (abortSignal) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal })).catch(() => {});
    throw new BackupError('COPY_MISMATCH', `${what}: ${s3.place.endpoint} holds ${name} with ${problem}; the bad copy was removed, copy it again`);
  }

  return {
    inFlight,
    async put(name, source, options) {
      const what = `copying ${name} to ${s3.description}`;
      const key = `${s3.prefix}${name}`;
      if (source.size > MAX_OBJECT) throw new BackupError('DEST_FILE_TOO_LARGE', `${what}: the file is ${source.size} bytes, and S3 holds objects up to 5 TiB`);
      throwIfCancelled(options.signal, what);
      await mustBeFree(key, name, what, options.signal);
      const expected = source.size < partSize ? await putWhole(key, source, options, what) : await putParts(key, source, options, what);
      await confirm(key, name, source.size, expected, what);
      options.onProgress?.(source.size, source.size);
    },
  };
}

function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^(W\/)?"|"$/g, '').toLowerCase();
}
