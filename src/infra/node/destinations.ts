/**
 * The real machine's destinations (issue 14): a folder through node:fs, S3-compatible storage
 * through the AWS SDK. The SDK is loaded on first use, not at start-up: every command that
 * never copies (export, verify, list…) would otherwise pay for loading it. Credentials: the
 * SDK's default chain (environment, shared config and profile) unless the host gives some
 * (the desktop app, from the OS keychain): `credentialsFor` is asked per destination.
 */
import type { DestinationStore, DestinationTarget, Destinations } from '../../ports/destination.ts';
import { createFolderDestination } from '../nodefs/folderDestination.ts';
import type { S3DestinationOptions } from '../s3/s3Destination.ts';
import { endpointText } from '../s3/s3Errors.ts';

export interface NodeDestinationsOptions {
  /** Credentials for an S3 target, or undefined for the SDK's default chain. */
  readonly credentialsFor?: (target: Extract<DestinationTarget, { kind: 's3' }>) => Promise<S3DestinationOptions['credentials'] | undefined> | S3DestinationOptions['credentials'] | undefined;
  /** Options for every S3 destination (part size, retries, timeouts): tests make them small. */
  readonly s3?: Omit<S3DestinationOptions, 'credentials'>;
}

export function createNodeDestinations(options: NodeDestinationsOptions = {}): Destinations {
  return {
    open(target: DestinationTarget): DestinationStore {
      if (target.kind === 'folder') return createFolderDestination(target.path);
      return lazyStore(target, async () => {
        const { createS3Destination } = await import('../s3/s3Destination.ts');
        const credentials = await options.credentialsFor?.(target);
        return createS3Destination(target, { ...options.s3, ...(credentials ? { credentials } : {}) });
      });
    },
  };
}

/** As the S3 adapter says it (s3Requests.ts), without loading the SDK. */
function s3Description(target: Extract<DestinationTarget, { kind: 's3' }>): string {
  return `s3://${target.bucket}/${target.prefix} at ${endpointText(target.endpoint, target.region)}`;
}

/** A store that is made on its first use (the SDK's import), then used as it is. */
function lazyStore(target: Extract<DestinationTarget, { kind: 's3' }>, make: () => Promise<DestinationStore>): DestinationStore {
  let made: Promise<DestinationStore> | null = null;
  const store = () => (made ??= make());
  return {
    description: s3Description(target),
    probe: async (o) => (await store()).probe(o),
    async *list(o) {
      yield* (await store()).list(o);
    },
    put: async (name, source, o) => (await store()).put(name, source, o),
    get: async (name, into, o) => (await store()).get(name, into, o),
    remove: async (name) => (await store()).remove(name),
    cleanUp: async (o) => (await store()).cleanUp(o),
  };
}
