/**
 * S3 credentials typed into the page (issue 14), per destination name: the hosts' port.
 * - Electron keeps them in the OS keychain through safeStorage (src/electron/main/credentialStore.ts):
 *   encrypted blobs in a file in userData, never plain text; where the keychain cannot
 *   encrypt, it refuses to save and says to use the environment or a profile instead.
 * - The browser shell keeps them in memory for the process only (createMemoryCredentialStore).
 * A secret goes in and never comes back out to the page: what the page sees is
 * `credentialSummary` (whether a key is stored, the key id's last 4 characters).
 *
 * The composition asks `credentialsFor(target)` per S3 destination it opens: the store's keys
 * of the stored destination with that target, else undefined (the SDK's default chain:
 * environment, shared config, profile). While a destination is tested or added, the keys
 * typed for it are lent for that target only (`lend`), before anything is saved.
 */
import type { DestinationTarget } from '../ports/destination.ts';

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface CredentialStore {
  /** Where keys are kept, in the page's words ("the OS keychain", "not saved: …"). */
  readonly where: string;
  /** Why keys typed into the page cannot be saved here, or null when they can. */
  unavailable(): string | null;
  get(name: string): Promise<S3Credentials | null>;
  /** Rejects (with the reason) when `unavailable()` says so; never writes a secret in plain text. */
  set(name: string, credentials: S3Credentials): Promise<void>;
  delete(name: string): Promise<void>;
}

/** What the page may see of stored credentials: never the secret, never the whole key id. */
export interface CredentialSummary {
  readonly stored: boolean;
  readonly keyIdEnd: string | null;
}

export function credentialSummary(credentials: S3Credentials | null): CredentialSummary {
  return credentials ? { stored: true, keyIdEnd: credentials.accessKeyId.slice(-4) } : { stored: false, keyIdEnd: null };
}

export const MEMORY_STORE_WHERE = 'not saved: this shell keeps keys until it stops';

/** The browser shell's: in this process's memory only, gone when it stops. */
export function createMemoryCredentialStore(): CredentialStore {
  const kept = new Map<string, S3Credentials>();
  return {
    where: MEMORY_STORE_WHERE,
    unavailable: () => null,
    get: async (name) => kept.get(name.toLowerCase()) ?? null,
    set: async (name, credentials) => void kept.set(name.toLowerCase(), { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey }),
    delete: async (name) => void kept.delete(name.toLowerCase()),
  };
}

type S3Target = Extract<DestinationTarget, { kind: 's3' }>;

/** One key per target, whatever the order of its fields. */
const targetKey = (t: S3Target) => JSON.stringify([t.endpoint, t.region, t.bucket, t.prefix, t.pathStyle, t.checksum]);

export interface CredentialResolver {
  /** For the composition: the lent keys of this target, else those stored for the destination with it, else undefined. */
  credentialsFor(target: S3Target): Promise<S3Credentials | undefined>;
  /** Runs `fn` with `credentials` used for `target` (a test or an add before anything is saved). */
  lend<T>(target: DestinationTarget, credentials: S3Credentials | null, fn: () => Promise<T>): Promise<T>;
}

/**
 * `destinations()` lists the stored destinations (read at each call: the list may change).
 * A destination whose list cannot be read gets the default chain.
 */
export function createCredentialResolver(
  store: CredentialStore,
  destinations: () => Promise<readonly { readonly name: string; readonly target: DestinationTarget }[]>,
): CredentialResolver {
  const lent = new Map<string, S3Credentials[]>();
  return {
    async credentialsFor(target) {
      const key = targetKey(target);
      const borrowed = lent.get(key);
      if (borrowed && borrowed.length > 0) return borrowed[borrowed.length - 1];
      const entries = await destinations().catch(() => []);
      const entry = entries.find((d) => d.target.kind === 's3' && targetKey(d.target) === key);
      return (entry ? await store.get(entry.name) : null) ?? undefined;
    },
    async lend(target, credentials, fn) {
      if (credentials === null || target.kind !== 's3') return fn();
      const key = targetKey(target);
      const stack = lent.get(key) ?? [];
      stack.push(credentials);
      lent.set(key, stack);
      try {
        return await fn();
      } finally {
        stack.splice(stack.lastIndexOf(credentials), 1);
        if (stack.length === 0) lent.delete(key);
      }
    },
  };
}
