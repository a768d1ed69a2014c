/**
 * The test S3 server (spec/support/s3Server.ts: Swift with s3api) does what the S3 destination
 * will rely on, through the SDK itself, with both checksum settings a destination may have:
 * the SDK's default (CRC32 headers on every upload) and WHEN_REQUIRED (what R2 and OCI need).
 * And it is strict where a lax server would hide our bugs: a wrong Content-MD5, a wrong secret,
 * a part under 5 MiB, a bucket that does not exist.
 * What it does not do is pinned here too, so a server upgrade that starts doing it shows up:
 * it ignores x-amz-checksum-* values, and DeleteObjects needs a Content-MD5 the SDK no longer
 * sends (the destination adds one, as `withContentMd5` does here).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, s3Client, startS3Server, type S3Server } from '../../support/s3Server.ts';

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The error name a rejected send gives ('' if it did not reject). */
async function errorName(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => '',
    (error: Error) => error.name,
  );
}

/** Adds Content-MD5 to DeleteObjects, which Swift requires and the SDK (since 3.729) does not send. */
function withContentMd5(client: S3Client): S3Client {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers: Record<string, string>; body?: unknown };
      if (context.commandName === 'DeleteObjectsCommand' && typeof request.body === 'string') {
        request.headers['content-md5'] = md5(Buffer.from(request.body));
      }
      return next(args);
    },
    { step: 'build', name: 'casevaultContentMd5' },
  );
  return client;
}

let server: S3Server;
beforeAll(async () => {
  server = await startS3Server();
}, 180_000);
afterAll(() => server?.stop());

const modes: [string, S3ClientConfig][] = [
  ['the SDK default checksums', {}],
  ['WHEN_REQUIRED checksums', { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }],
];

describe.each(modes)('the test S3 server, with %s', (_label, config) => {
  it('puts with Content-MD5, gets, heads and deletes an object', async () => {
    const client = s3Client(server, config);
    const bucket = await createBucket(server, 'objects');
    const body = randomBytes(100_000);
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'backups/a.zip', Body: body, ContentMD5: md5(body) }));
    expect(put.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);

    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'backups/a.zip' }));
    expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(body));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'backups/a.zip' }));
    expect(head.ContentLength).toBe(100_000);
    expect(head.ETag).toBe(put.ETag);

    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'backups/a.zip' }));
    expect(await errorName(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'backups/a.zip' })))).toBe('NotFound');
    expect(await errorName(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'backups/a.zip' })))).toBe('NoSuchKey');
  });

  it('refuses a body whose Content-MD5 does not match, and stores nothing', async () => {
    const client = s3Client(server, config);
    const bucket = await createBucket(server, 'bad-digest');
    const body = randomBytes(1000);
    const other = Buffer.from(body);
    other.writeUInt8(other.readUInt8(500) ^ 1, 500);
    expect(await errorName(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: body, ContentMD5: md5(other) })))).toBe('BadDigest');
    expect((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);
  });

  it('completes a multipart upload of 3 parts of 5 MiB sent from Buffers, each with its Content-MD5', async () => {
    const client = s3Client(server, config);
    const bucket = await createBucket(server, 'multipart');
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(5 * MiB)];
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big.zip' }));
    const etags: string[] = [];
    for (const [i, part] of parts.entries()) {
      const sent = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'big.zip', UploadId, PartNumber: i + 1, Body: part, ContentMD5: md5(part) }));
      etags.push(sent.ETag!);
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'big.zip',
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.zip' }));
    expect(got.ContentLength).toBe(15 * MiB);
    expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(Buffer.concat(parts)));
    // S3's multipart ETag: the MD5 of the parts' MD5s, then "-3".
    const partsMd5 = createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex');
    expect(got.ETag).toBe(`"${partsMd5}-3"`);
  });

  it("uploads 15 MiB from one Buffer with lib-storage's Upload in 5 MiB parts", async () => {
    const client = s3Client(server, config);
    const bucket = await createBucket(server, 'lib-storage');
    const body = randomBytes(15 * MiB);
    await new Upload({ client, params: { Bucket: bucket, Key: 'big.zip', Body: body }, partSize: 5 * MiB, queueSize: 2 }).done();
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.zip' }));
    expect(got.ETag).toMatch(/-3"$/);
    expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(body));
  });

  it('refuses to complete an upload whose first part is under 5 MiB', async () => {
    const client = s3Client(server, config);
    const bucket = await createBucket(server, 'too-small');
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }));
    const small = [randomBytes(1000), randomBytes(1000)];
    const etags = [];
    for (const [i, part] of small.entries()) {
      etags.push((await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'k', UploadId, PartNumber: i + 1, Body: part }))).ETag!);
    }
    const complete = client.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }),
    );
    expect(await errorName(complete)).toBe('EntityTooSmall');
  });

  it('lists an unfinished multipart upload, and aborting it removes it', async () => {
    const client = s3Client(server, config);
    const bucket = await createBucket(server, 'orphans');
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'orphan.zip' }));
    const part = randomBytes(5 * MiB);
    await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'orphan.zip', UploadId, PartNumber: 1, Body: part, ContentMD5: md5(part) }));

    const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(listed.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['orphan.zip', UploadId]]);
    expect((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);

    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'orphan.zip', UploadId }));
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
    expect(await errorName(client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'orphan.zip', UploadId })))).toBe('NoSuchUpload');
  });

  it('deletes several objects at once when the request carries a Content-MD5', async () => {
    const client = s3Client(server, config);
    const bucket = await createBucket(server, 'delete-objects');
    for (const key of ['a', 'b', 'c']) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(key) }));
    const request = { Bucket: bucket, Delete: { Objects: [{ Key: 'a' }, { Key: 'b' }, { Key: 'absent' }] } };
    // What the SDK sends by itself (a CRC32, no MD5) is refused:
    expect(await errorName(client.send(new DeleteObjectsCommand(request)))).toBe('InvalidRequest');
    const deleted = await withContentMd5(s3Client(server, config)).send(new DeleteObjectsCommand(request));
    expect(deleted.Deleted?.map((d) => d.Key).sort()).toEqual(['a', 'absent', 'b']);
    expect((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map((o) => o.Key)).toEqual(['c']);
  });
});

describe('the test S3 server', () => {
  it('pages ListObjectsV2 over 1,050 keys: 1,000 and then 50', async () => {
    const client = s3Client(server);
    const bucket = await createBucket(server, 'paging');
    const keys = Array.from({ length: 1050 }, (_, i) => `backups/${String(i).padStart(5, '0')}.zip`);
    const queue = [...keys];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(key) }));
        }
      }),
    );

    const first = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'backups/' }));
    expect(first.KeyCount).toBe(1000);
    expect(first.IsTruncated).toBe(true);
    const second = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'backups/', ContinuationToken: first.NextContinuationToken }));
    expect(second.KeyCount).toBe(50);
    expect(second.IsTruncated).toBe(false);
    expect([...first.Contents!, ...second.Contents!].map((o) => o.Key)).toEqual(keys);

    // Smaller pages say so too: 400 + 400 + 250.
    const sizes: number[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 400, ContinuationToken: token }));
      sizes.push(page.KeyCount!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(sizes).toEqual([400, 400, 250]);
  }, 300_000);

  it('refuses a request signed with a wrong secret key, or with an unknown access key', async () => {
    const bucket = await createBucket(server, 'auth');
    const wrongSecret = s3Client(server, { credentials: { accessKeyId: server.accessKeyId, secretAccessKey: `${server.secretAccessKey}x` } });
    expect(await errorName(wrongSecret.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: Buffer.from('x') })))).toBe('SignatureDoesNotMatch');
    expect(await errorName(wrongSecret.send(new ListObjectsV2Command({ Bucket: bucket })))).toBe('SignatureDoesNotMatch');
    const unknownKey = s3Client(server, { credentials: { accessKeyId: 'nobody:nobody', secretAccessKey: server.secretAccessKey } });
    expect(await errorName(unknownKey.send(new ListObjectsV2Command({ Bucket: bucket })))).toBe('SignatureDoesNotMatch');
    expect((await s3Client(server).send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);
  });

  it('answers NoSuchBucket for a bucket that does not exist', async () => {
    const client = s3Client(server);
    const bucket = `missing-${randomBytes(6).toString('hex')}`;
    expect(await errorName(client.send(new ListObjectsV2Command({ Bucket: bucket })))).toBe('NoSuchBucket');
    expect(await errorName(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: Buffer.from('x') })))).toBe('NoSuchBucket');
    expect(await errorName(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })))).toBe('NoSuchBucket');
  });

  it('ignores x-amz-checksum-* values (a wrong CRC32 is stored): only Content-MD5 guards a body here', async () => {
    const client = s3Client(server);
    const bucket = await createBucket(server, 'checksums');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: Buffer.from('x'), ChecksumCRC32: 'AAAAAA==' }));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(await got.Body!.transformToString()).toBe('x');
  });

  it('keeps the versions of an overwritten object in a versioned bucket', async () => {
    const client = s3Client(server);
    const bucket = await createBucket(server, 'versions');
    await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: Buffer.from('one') }));
    const v2 = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: Buffer.from('two') }));
    expect(v1.VersionId).toBeTruthy();
    expect(v2.VersionId).not.toBe(v1.VersionId);
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(versions.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [v2.VersionId, true],
      [v1.VersionId, false],
    ]);
    const old = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', VersionId: v1.VersionId }));
    expect(await old.Body!.transformToString()).toBe('one');
  });
});
