/**
 * A real S3-compatible server for a spec file: OpenStack Swift 2.30.1 (Debian's packages) with
 * its s3api middleware, started by scripts/s3server/start.sh on 127.0.0.1 and free ports, with
 * its own temp dir, and stopped (dir removed) by stop.sh. It checks SigV4 signatures,
 * Content-MD5, multipart part sizes (5 MiB but the last) and pages listings at 1,000 keys.
 * It does not check x-amz-checksum-* headers (it ignores them) and has no Object Lock; it
 * refuses DeleteObjects without Content-MD5, which the SDK no longer sends by itself.
 *
 *   let server: S3Server;
 *   beforeAll(async () => { server = await startS3Server(); }, 180_000);
 *   afterAll(() => server?.stop());
 *   it('…', async () => { const bucket = await createBucket(server, 'label'); … });
 *
 * One server per spec file (it takes ~5-30 s to start, by the machine's load); each test
 * creates its own bucket. If the test process dies, the server stops itself (start.sh's
 * --parent watchdog).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

const SCRIPTS = join(new URL('../../', import.meta.url).pathname, 'scripts', 's3server');

export type S3Server = {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Stops the servers and removes their temp dir; a second call does nothing. */
  stop(): Promise<void>;
};

type Started = { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; dir: string };

function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(SCRIPTS, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Starts a server; rejects with start.sh's message and log tails if it does not come up. */
export async function startS3Server(): Promise<S3Server> {
  const { code, stdout, stderr } = await run('start.sh', ['--parent', String(process.pid)]);
  if (code !== 0) throw new Error(`startS3Server: start.sh exited with ${code}\n${stderr}`);
  const started = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Started;
  let stopping: Promise<void> | undefined;
  return {
    endpoint: started.endpoint,
    region: started.region,
    accessKeyId: started.accessKeyId,
    secretAccessKey: started.secretAccessKey,
    stop: () =>
      (stopping ??= run('stop.sh', [started.dir]).then(({ code: stopCode, stderr: stopErr }) => {
        if (stopCode !== 0) throw new Error(`S3Server.stop: stop.sh exited with ${stopCode}\n${stopErr}`);
      })),
  };
}

/** An SDK client for the server: path-style, its credentials, no retries (a test sees the first error). */
export function s3Client(server: S3Server, config: S3ClientConfig = {}): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    ...config,
  });
}

/** A new, empty bucket with a unique DNS-compliant name (`label` in it, for the server's logs). */
export async function createBucket(server: S3Server, label: string): Promise<string> {
  const bucket = `${label.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40)}-${randomBytes(6).toString('hex')}`;
  const client = s3Client(server);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return bucket;
}
