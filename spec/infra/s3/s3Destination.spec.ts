/**
 * The S3 destination against a real server (spec/support/s3Server.ts) through a fault-injecting
 * proxy (spec/support/faultProxy.ts): cut connections, lost answers, 5xx, SlowDown and delays
 * end in a whole object or a coded error, never a listed partial and never an upload left
 * behind; an abandoned upload (a kill -9) is aborted by the next store's cleanUp; a wrong
 * secret is DEST_ACCESS_DENIED without the secret or a signature; a closed port is
 * DEST_UNREACHABLE quickly; no body is ever aws-chunked and every body carries Content-MD5.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { AbortMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BackupError } from '../../../src/domain/errors.ts';
import { createS3Destination, type S3DestinationOptions } from '../../../src/infra/s3/s3Destination.ts';
import type { DestinationStore, DestinationTarget } from '../../../src/ports/destination.ts';
import type { ReadHandle } from '../../../src/ports/fileSystem.ts';
import { collectingWriteHandle, memoryReadHandle } from '../../contracts/destination.contract.ts';
import { codeOf } from '../../support/codeOf.ts';
import { startFaultProxy, type FaultAction, type FaultProxy, type FaultRule, type S3Operation } from '../../support/faultProxy.ts';
import { startS3Server } from '../../support/s3Server.ts';

type S3Target = Extract<DestinationTarget, { kind: 's3' }>;
const MiB = 2 ** 20;
const PART = 5 * MiB;

let server: Awaited<ReturnType<typeof startS3Server>>;
let proxy: FaultProxy;
let admin: S3Client;
let target: S3Target;
let credentials: { accessKeyId: string; secretAccessKey: string };

const open = (options: S3DestinationOptions = {}, to: Partial<S3Target> = {}): DestinationStore =>
  createS3Destination({ ...target, ...to }, { credentials, partSize: PART, retries: 2, retryDelayMs: 20, requestTimeoutMs: 5_000, ...options });

async function names(store: DestinationStore): Promise<string[]> {
  const out: string[] = [];
  for await (const object of store.list()) out.push(`${object.name}:${object.size}`);
  return out;
}

async function uploadsLeft(): Promise<number> {
  const page = await admin.send(new ListMultipartUploadsCommand({ Bucket: target.bucket }));
  return page.Uploads?.length ?? 0;
}

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const BODY_OPS: S3Operation[] = ['PutObject', 'UploadPart', 'CreateMultipartUpload', 'CompleteMultipartUpload', 'HeadObject'];
const arbAction: fc.Arbitrary<FaultAction> = fc.oneof(
  fc.constant({ kind: 'cut-request' } as const),
  fc.constant({ kind: 'drop-response' } as const),
  fc.constantFrom(500, 503).map((status) => ({ kind: 'status', status }) as const),
  fc.constant({ kind: 'slow-down' } as const),
  fc.constant({ kind: 'delay', ms: 150 } as const),
);
const arbRule: fc.Arbitrary<FaultRule> = fc.record({ op: fc.constantFrom(...BODY_OPS), action: arbAction, after: fc.nat({ max: 2 }), times: fc.integer({ min: 1, max: 3 }) });

describe('createS3Destination through a fault-injecting proxy', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    server = await startS3Server();
    proxy = await startFaultProxy(server.endpoint);
    credentials = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
    admin = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials });
  }, 120_000);

  afterAll(async () => {
    admin?.destroy();
    await proxy?.close();
    await server?.stop();
  }, 60_000);

  beforeEach(async () => {
    const bucket = `casevault-${randomBytes(6).toString('hex')}`;
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    target = { kind: 's3', endpoint: proxy.endpoint, region: server.region, bucket, prefix: 'office/', pathStyle: true, checksum: 'when-supported' };
    proxy.clear({ seen: true });
  });
  afterEach(() => proxy.clear());

  it('a put through cut connections, lost answers, 5xx, SlowDown and delays ends whole or with a coded error, never a listed partial, no upload left', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(70_000, PART - 1, 2 * PART + 3), fc.array(arbRule, { maxLength: 3 }), async (size, rules) => {
        proxy.clear();
        for (const rule of rules) proxy.inject(rule);
        const store = open();
        const name = `casevault-backup-${String(n++).padStart(8, '0')}T000000000Z.zip`;
        const data = randomBytes(size);
        const outcome = await codeOf(store.put(name, memoryReadHandle(data)));
        proxy.clear();
        // A request meets at most every fault there is: within the retries, the put must finish.
        const failures = rules.filter((r) => r.action.kind !== 'delay').reduce((sum, r) => sum + (r.times ?? 1), 0);
        if (failures <= 2) expect(outcome).toBe('resolved');
        expect(['resolved', 'DEST_UNREACHABLE']).toContain(outcome);
        const listed = (await names(store)).filter((entry) => entry.startsWith(name));
        // Listed means whole. A put that failed after the server took the object against its
        // Content-MD5 (the HeadObject after it failed) leaves it whole; the copier's next run keeps it.
        if (outcome === 'resolved') expect(listed).toEqual([`${name}:${size}`]);
        else expect(listed.length === 0 || listed[0] === `${name}:${size}`).toBe(true);
        if (listed.length > 0) {
          const into = collectingWriteHandle();
          await store.get(name, into);
          expect(sha(into.bytes())).toBe(sha(data));
        }
        expect(await uploadsLeft()).toBe(0);
        expect(await open().cleanUp()).toBe(0);
      }),
      // Found by this property: the HeadObject after a whole PutObject failing every try.
      { numRuns: 14, examples: [[70_000, [{ op: 'HeadObject', action: { kind: 'status', status: 500 }, after: 1, times: 3 }]]] },
    );
  });

  it('an answer lost after the server acted (CreateMultipartUpload, UploadPart, CompleteMultipartUpload, PutObject) is tried again without an orphan upload or a false ALREADY_EXISTS', async () => {
    for (const op of ['CreateMultipartUpload', 'CompleteMultipartUpload', 'PutObject', 'UploadPart'] as const) {
      proxy.clear({ seen: true });
      proxy.inject({ op, action: { kind: 'drop-response' } });
      const store = open();
      const size = op === 'PutObject' ? 1000 : 2 * PART + 1;
      const data = randomBytes(size);
      await store.put(`lost-${op}.zip`, memoryReadHandle(data));
      expect(proxy.seen.filter((r) => r.fault === 'drop-response').map((r) => r.op)).toEqual([op]);
      proxy.clear();
      expect(await names(store)).toContain(`lost-${op}.zip:${size}`);
      expect(await uploadsLeft()).toBe(0);
    }
  });

  it('a part that keeps failing is DEST_UNREACHABLE naming the endpoint after the retries; the upload is aborted, nothing listed', async () => {
    for (const action of [{ kind: 'status', status: 503 }, { kind: 'cut-request' }] as const) {
      proxy.clear();
      proxy.inject({ op: 'UploadPart', action, after: 1, times: Infinity });
      const store = open();
      const error = (await store.put('f.zip', memoryReadHandle(randomBytes(2 * PART + 1))).catch((e) => e)) as BackupError;
      expect(error.code).toBe('DEST_UNREACHABLE');
      expect(error.message).toContain(proxy.endpoint);
      expect(error.message).toMatch(/after 3 tries/);
      proxy.clear();
      expect(await names(store)).toEqual([]);
      expect(await uploadsLeft()).toBe(0);
    }
  });

  it('a copy the server does not confirm (its ETag or size, a part’s ETag, BadDigest every time) is COPY_MISMATCH and leaves nothing listed, no upload', async () => {
    const store = open();
    const other = `"${createHash('md5').update('other bytes').digest('hex')}"`;
    const cases: [string, FaultRule, number][] = [
      ['etag.zip', { op: 'HeadObject', action: { kind: 'set-header', name: 'etag', value: other }, after: 1 }, 1000],
      ['size.zip', { op: 'HeadObject', action: { kind: 'set-header', name: 'content-length', value: '999' }, after: 1 }, 1000],
      ['part.zip', { op: 'UploadPart', action: { kind: 'set-header', name: 'etag', value: other }, after: 1 }, 2 * PART + 1],
      ['digest.zip', { op: 'PutObject', action: { kind: 'status', status: 400, code: 'BadDigest', message: 'The Content-MD5 you specified did not match what we received.' }, times: Infinity }, 1000],
    ];
    for (const [name, rule, size] of cases) {
      proxy.clear();
      proxy.inject(rule);
      const error = (await store.put(name, memoryReadHandle(randomBytes(size))).catch((e) => e)) as BackupError;
      expect([name, error?.code ?? 'resolved']).toEqual([name, 'COPY_MISMATCH']);
      proxy.clear();
      expect(await names(store)).toEqual([]);
      expect(await uploadsLeft()).toBe(0);
    }
  });

  it('holds at most queueSize parts: the source is read into queueSize buffers, reused, and as many UploadParts are in flight at most', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), async (queueSize) => {
        proxy.clear({ seen: true });
        const data = randomBytes(4 * PART + 1);
        const inner = memoryReadHandle(data);
        const buffers = new Set<ArrayBufferLike>();
        const source: ReadHandle = {
          size: inner.size,
          read: (position, length, into) => (into && buffers.add(into.buffer), inner.read(position, length, into)),
          close: async () => {},
        };
        const store = open({ queueSize });
        const name = `q-${n++}.zip`;
        await store.put(name, source);
        expect(buffers.size).toBe(queueSize);
        expect(proxy.mostAtOnce('UploadPart')).toBeLessThanOrEqual(queueSize);
        if (queueSize > 1) expect(proxy.mostAtOnce('UploadPart')).toBeGreaterThan(1);
        const into = collectingWriteHandle();
        await store.get(name, into);
        expect(sha(into.bytes())).toBe(sha(data));
      }),
      { numRuns: 3 },
    );
  });

  it('a request the server leaves unanswered past the timeout is tried again', async () => {
    proxy.inject({ op: 'PutObject', action: { kind: 'delay', ms: 1_500 } });
    const store = open({ requestTimeoutMs: 600 });
    await store.put('slow.zip', memoryReadHandle(randomBytes(1000)));
    expect(await names(store)).toEqual(['slow.zip:1000']);
    const puts = proxy.seen.filter((r) => r.op === 'PutObject');
    expect(puts[0]!.fault).toBe('delay');
    expect(puts.at(-1)!.status).toBe(200);
  });

  it('a get resumes with a Range request after a cut connection, and gives up with DEST_UNREACHABLE when the cuts persist', async () => {
    const store = open();
    const data = randomBytes(3 * MiB + 17);
    await store.put('g.zip', memoryReadHandle(data));
    proxy.inject({ op: 'GetObject', action: { kind: 'cut-response' }, times: 2 });
    const into = collectingWriteHandle();
    await store.get('g.zip', into);
    expect(sha(into.bytes())).toBe(sha(data));
    expect(proxy.seen.filter((r) => r.op === 'GetObject' && r.headers.range !== undefined).length).toBeGreaterThanOrEqual(2);
    proxy.inject({ op: 'GetObject', action: { kind: 'cut-response' }, times: Infinity });
    expect(await codeOf(store.get('g.zip', collectingWriteHandle()))).toBe('DEST_UNREACHABLE');
  });

  it('an upload abandoned as by kill -9 is aborted by the next store’s cleanUp; a store leaves its own put in flight alone', async () => {
    // As a killed process leaves it: created, a part sent, never completed nor aborted.
    const key = `${target.prefix}casevault-backup-00000001T000000000Z.zip`;
    const { UploadId } = await admin.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: key }));
    await admin.send(new UploadPartCommand({ Bucket: target.bucket, Key: key, UploadId, PartNumber: 1, Body: randomBytes(PART) }));
    expect(await uploadsLeft()).toBe(1);
    expect(await open().cleanUp()).toBe(1);
    expect(await uploadsLeft()).toBe(0);

    // One into the pool is ours too (`pool/` under the prefix); one under another folder is another prefix's and stays.
    const pack = `${target.prefix}pool/${'ab'.repeat(32)}.zip`;
    const other = `${target.prefix}elsewhere/casevault-backup-00000002T000000000Z.zip`;
    const orphan = await admin.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: pack }));
    const foreign = await admin.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: other }));
    expect(await open().cleanUp()).toBe(1);
    expect(await uploadsLeft()).toBe(1);
    await admin.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: other, UploadId: foreign.UploadId }));
    expect(orphan.UploadId).toBeDefined();

    // A put whose source stalls after its first part: the writing store's cleanUp keeps it, another store's aborts it.
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    let reachedStall!: () => void;
    const atStall = new Promise<void>((resolve) => (reachedStall = resolve));
    const inner = memoryReadHandle(randomBytes(2 * PART + 5));
    const source: ReadHandle = {
      size: inner.size,
      read: async (position, length, into) => {
        if (position >= PART) {
          reachedStall();
          await stalled;
        }
        return inner.read(position, length, into);
      },
      close: async () => {},
    };
    const writer = open({ queueSize: 1 });
    const put = writer.put('h.zip', source);
    await atStall;
    while ((await uploadsLeft()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await writer.cleanUp()).toBe(0);
    expect(await open().cleanUp()).toBe(1);
    release();
    expect(await codeOf(put)).toBe('IO_ERROR');
    expect(await names(writer)).toEqual([]);
    expect(await uploadsLeft()).toBe(0);
  });

  it('a wrong secret is DEST_ACCESS_DENIED, and neither the message nor the error holds the secret or a signature', async () => {
    const secret = randomBytes(20).toString('base64');
    const store = open({ credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: secret } });
    const errors: unknown[] = [];
    for (const call of [() => store.probe(), () => store.put('w.zip', memoryReadHandle(randomBytes(10))), () => names(store), () => store.get('w.zip', collectingWriteHandle())]) {
      const error = (await call().then(() => null, (e: unknown) => e)) as BackupError;
      expect(error?.code).toBe('DEST_ACCESS_DENIED');
      expect(error.message).toMatch(/access denied: check the key, and that it has s3:PutObject/);
      errors.push(error);
    }
    const signatures = proxy.seen.map((r) => r.signature).filter((s): s is string => s !== null);
    expect(signatures.length).toBeGreaterThan(0);
    for (const error of errors) {
      const everything = `${inspect(error, { depth: 20, showHidden: true })} ${JSON.stringify(error)} ${store.description}`;
      // Booleans, so that a failure does not print the secret or a signature itself.
      expect(everything.includes(secret), 'the secret is in the error').toBe(false);
      expect(signatures.filter((signature) => everything.includes(signature)).length, 'signatures in the error').toBe(0);
    }
  });

  it('without credentials it takes the SDK’s default chain: the environment, then a profile in the shared credentials file', async () => {
    const saved = { ...process.env };
    const dir = await mkdtemp(join(tmpdir(), 'casevault-s3-profile-'));
    try {
      process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
      const fromEnvironment = createS3Destination(target, { partSize: PART });
      await fromEnvironment.put('env.zip', memoryReadHandle(randomBytes(10)));
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      await writeFile(join(dir, 'credentials'), `[casevault-test]\naws_access_key_id = ${credentials.accessKeyId}\naws_secret_access_key = ${credentials.secretAccessKey}\n`, { mode: 0o600 });
      await writeFile(join(dir, 'config'), '');
      Object.assign(process.env, { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config'), AWS_PROFILE: 'casevault-test' });
      const fromProfile = createS3Destination(target, { partSize: PART });
      expect(await names(fromProfile)).toEqual(['env.zip:10']);
      process.env.AWS_PROFILE = 'nobody';
      const none = (await createS3Destination(target, { partSize: PART, retries: 0 }).probe().catch((e) => e)) as BackupError;
      expect([none.code, none.message]).toEqual(['DEST_ACCESS_DENIED', expect.stringMatching(/no credentials for .*: set AWS_ACCESS_KEY_ID/)]);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a closed port is DEST_UNREACHABLE within seconds, naming the endpoint', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const store = open({ retries: 1, retryDelayMs: 10, requestTimeoutMs: 1_000 }, { endpoint: `http://127.0.0.1:${port}` });
    const started = Date.now();
    const error = (await store.probe().catch((e) => e)) as BackupError;
    expect(error.code).toBe('DEST_UNREACHABLE');
    expect(error.message).toContain(`http://127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('never sends a body aws-chunked, and every PutObject and UploadPart carries Content-MD5, in either checksum mode', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('when-supported', 'when-required'), fc.constantFrom(0, 1, 64 * 1024, PART + 1), async (checksum, size) => {
        proxy.clear({ seen: true });
        const data = randomBytes(size);
        await open({}, { checksum }).put(`casevault-backup-${String(n++).padStart(8, '0')}T000000000Z.zip`, memoryReadHandle(data));
        // (A server that refuses If-None-Match answers 501 before the body: the put goes on without it.)
        const bodies = proxy.seen.filter((r) => (r.op === 'PutObject' || r.op === 'UploadPart') && r.status !== 501);
        expect(bodies.length).toBe(size > PART ? 2 : 1);
        for (const r of bodies) {
          expect(r.headers['content-encoding'] ?? '').not.toMatch(/aws-chunked/);
          expect(r.headers['x-amz-decoded-content-length']).toBeUndefined();
          expect(r.headers['x-amz-content-sha256'] ?? '').not.toMatch(/^STREAMING/);
          expect(r.headers['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
        }
        if (size <= PART) expect(bodies[0]!.headers['content-md5']).toBe(createHash('md5').update(data).digest('base64'));
      }),
      { numRuns: 8 },
    );
  });

  it('remove says locked when Object Lock refuses the delete (as S3 answers it), and DEST_ACCESS_DENIED when a policy does', async () => {
    // The server under test has no Object Lock: the refusal is S3's documented answer, injected.
    const store = open();
    await store.put('l.zip', memoryReadHandle(randomBytes(10)));
    proxy.inject({ op: 'DeleteObject', action: { kind: 'status', status: 403, code: 'AccessDenied', message: 'Access Denied because object protected by object lock.' } });
    expect(await store.remove('l.zip')).toBe('locked');
    proxy.inject({ op: 'DeleteObject', action: { kind: 'status', status: 400, code: 'InvalidRequest', message: 'Object is WORM protected and cannot be overwritten or deleted: retention' } });
    expect(await store.remove('l.zip')).toBe('locked');
    proxy.inject({ op: 'DeleteObject', action: { kind: 'status', status: 403, code: 'AccessDenied', message: 'Access Denied' } });
    expect(await codeOf(store.remove('l.zip'))).toBe('DEST_ACCESS_DENIED');
    expect(await store.remove('l.zip')).toBe('removed');
  });
});

describe('src/infra/s3 without a server', () => {
  it('imports and builds a store without touching the network', async () => {
    const listener = createServer();
    let connections = 0;
    listener.on('connection', (socket) => (connections++, socket.destroy()));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    const module = await import('../../../src/infra/s3/s3Destination.ts');
    // With credentials, so that a request made too early would really go out.
    const store = module.createS3Destination(
      { kind: 's3', endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', bucket: 'b', prefix: '', pathStyle: true, checksum: 'when-required' },
      { credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' } },
    );
    expect(store.description).toBe(`s3://b/ at http://127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(connections).toBe(0);
    await new Promise((resolve) => listener.close(resolve));
  });
});
