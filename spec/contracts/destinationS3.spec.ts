/**
 * The DestinationStore contract against S3 on a real server (spec/support/s3Server.ts): every
 * fixture its own bucket, made with the SDK; the sibling is the bucket's root (whose listing holds
 * the store's `office/…` keys, which it must not show as its own); the
 * missing one a bucket never made. 5 MiB parts (S3's minimum) so that the round trips cross
 * part boundaries, and 1,001 objects so that listing takes two pages.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll } from 'vitest';
import { createS3Destination } from '../../src/infra/s3/s3Destination.ts';
import type { DestinationTarget } from '../../src/ports/destination.ts';
import { startS3Server } from '../support/s3Server.ts';
import { destinationContract } from './destination.contract.ts';

const PART = 5 * 2 ** 20;
let server: ReturnType<typeof startS3Server> | null = null;
const started = () => (server ??= startS3Server());

afterAll(async () => {
  if (server) await (await server).stop();
}, 60_000);

destinationContract(
  'S3 on a real server',
  async () => {
    const s3 = await started();
    const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    const bucket = `casevault-${randomBytes(6).toString('hex')}`;
    const admin = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials });
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    admin.destroy();
    const target: Extract<DestinationTarget, { kind: 's3' }> = { kind: 's3', endpoint: s3.endpoint, region: s3.region, bucket, prefix: 'office/', pathStyle: true, checksum: 'when-supported' };
    const options = { credentials, partSize: PART, retries: 2, retryDelayMs: 50 };
    return {
      store: createS3Destination(target, options),
      sibling: createS3Destination({ ...target, prefix: '' }, options), // the bucket's root: sees office/… keys and must skip them
      missing: createS3Destination({ ...target, bucket: `${bucket}-missing` }, options),
      partSize: PART,
      manyObjects: 1001,
      cleanup: async () => {},
    };
  },
  { timeout: 300_000 },
);
