/**
 * Interop with Debian's `age` (Go age 1.1.1), which must be installed (CI installs it; a
 * missing one fails here, it is not skipped): what we encrypt, `age -d -i KEY` decrypts to
 * the exact bytes; what `age -e -r age1…` encrypts, our seekable reader decrypts, read
 * front to back and at random. Then the real use: our ZIP writer writing through the
 * encrypting WriteHandle; `age -d` gives a ZIP that `unzip -t` accepts; our ZIP reader
 * reads its entries through the decrypting ReadHandle; and a ZIP that `age` encrypted.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncryptingWriteHandle } from '../../../src/infra/age/encryptingWriteHandle.ts';
import { openDecryptingReadHandle } from '../../../src/infra/age/decryptingReadHandle.ts';
import { generateIdentity, type X25519Identity } from '../../../src/infra/age/keys.ts';
import { createNodeFileSystem } from '../../../src/infra/nodefs/nodeFileSystem.ts';
import { createZipArchive } from '../../../src/infra/zip/zipArchive.ts';
import type { FileSystem } from '../../../src/ports/fileSystem.ts';
import { propertyRuns } from '../../support/arbitraries.ts';
import { AGE, age, bytesOf, requireAgeCli, sha256 } from './ageHelpers.ts';
import { encryptBytes, openBytes, readAll } from './streamHelpers.ts';

const scratch = mkdtempSync(join(tmpdir(), 'casevault-age-interop-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const SIZES = [0, 1, 65535, 65536, 65537, 3 * (1 << 20) + 17];

function keyFileFor(identity: X25519Identity): string {
  const path = join(scratch, `${identity.recipient.encode().slice(4, 16)}.key`);
  writeFileSync(path, `# test key\n${identity.encode()}\n`, { mode: 0o600 });
  return path;
}

/** A FileSystem whose `openRead` of `.age` files gives their plaintext: how the wiring may plug the reader under the ZIP reader. */
function decryptingView(fs: FileSystem, identities: readonly X25519Identity[]): FileSystem {
  return {
    ...fs,
    openRead: async (path) => {
      const inner = await fs.openRead(path);
      return path.endsWith('.age') ? openDecryptingReadHandle(inner, { identities, label: path }) : inner;
    },
  };
}

describe('age interop with the age CLI', () => {
  let version: string;
  beforeAll(() => {
    version = requireAgeCli();
  });

  it('runs against a real age', () => {
    expect(version).toMatch(/^v?1\./);
  });

  it.each(SIZES)('age -d decrypts what we encrypt (%i bytes) to the exact bytes', async (size) => {
    const identity = generateIdentity();
    const plain = bytesOf(size, size + 3);
    const path = join(scratch, `ours-${size}.age`);
    writeFileSync(path, await encryptBytes(plain, { recipients: [identity.recipient] }));
    expect(sha256(age(['-d', '-i', keyFileFor(identity), path]))).toBe(sha256(plain));
  });

  it('age -d decrypts a file encrypted to three recipients with each key', async () => {
    const identities = [generateIdentity(), generateIdentity(), generateIdentity()];
    const plain = bytesOf(150_000, 4);
    const path = join(scratch, 'three.age');
    writeFileSync(path, await encryptBytes(plain, { recipients: identities.map((i) => i.recipient) }));
    for (const identity of identities) expect(sha256(age(['-d', '-i', keyFileFor(identity), path]))).toBe(sha256(plain));
    expect(() => execFileSync(AGE, ['-d', '-i', keyFileFor(generateIdentity()), path], { stdio: 'pipe' })).toThrow(/no identity matched/);
  });

  it.each(SIZES)('we decrypt what age -e -r encrypts (%i bytes)', async (size) => {
    const identity = generateIdentity();
    const plain = bytesOf(size, size + 5);
    const file = new Uint8Array(age(['-e', '-r', identity.recipient.encode()], plain));
    expect(sha256(await readAll(file, [identity]))).toBe(sha256(plain));
  });

  it('reads a file age encrypted to several recipients (one of them ours), at random offsets and in parallel', async () => {
    const ours = generateIdentity();
    const plain = bytesOf(2 * (1 << 20) + 999, 6);
    const args = ['-e', '-r', generateIdentity().recipient.encode(), '-r', ours.recipient.encode(), '-r', generateIdentity().recipient.encode()];
    const file = new Uint8Array(age(args, plain));
    const handle = await openBytes(file, [generateIdentity(), ours], undefined, 4);
    try {
      expect(handle.size).toBe(plain.length);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.nat(plain.length), fc.nat(200_000)), { minLength: 1, maxLength: 6 }), async (ranges) => {
          const got = await Promise.all(ranges.map(([p, l]) => handle.read(p, l)));
          got.forEach((bytes, i) => {
            const [p, l] = ranges[i]!;
            expect(Buffer.from(bytes).equals(Buffer.from(plain.subarray(p, p + l)))).toBe(true);
          });
        }),
        { numRuns: propertyRuns(), seed: 5 },
      );
    } finally {
      await handle.close();
    }
  });
});

describe('an encrypted ZIP backup, end to end', () => {
  beforeAll(() => {
    requireAgeCli();
  });

  const files: [string, Uint8Array][] = [
    ['files/ab/one', bytesOf(300_000, 1)], // incompressible: stored
    ['files/cd/two', new TextEncoder().encode('a hearing on the 3rd, '.repeat(20_000))], // deflated
    ['settings.json', new TextEncoder().encode('{"theme":"dark"}')],
    ['database.sqlite', bytesOf(1_500_000, 2)],
  ];

  async function* once(bytes: Uint8Array) {
    yield bytes;
  }

  it('is written by our ZIP writer through the encrypting handle; age -d gives a ZIP unzip -t accepts; our reader reads it through the decrypting handle', async () => {
    const fs = createNodeFileSystem();
    const identity = generateIdentity();
    const path = join(scratch, 'casevault-backup-20261128T000000000Z.zip.age');
    const output = await createEncryptingWriteHandle(await fs.openWrite(path), { recipients: [identity.recipient, generateIdentity().recipient] });
    const writer = createZipArchive(fs).createWriter(output, { level: 6, modified: new Date('2026-11-28T00:00:00Z') });
    for (const [name, bytes] of files) await writer.add(name, once(bytes));
    await writer.finish();

    const zipPath = join(scratch, 'decrypted.zip');
    execFileSync(AGE, ['-d', '-i', keyFileFor(identity), '-o', zipPath, path]);
    expect(execFileSync('unzip', ['-t', zipPath], { encoding: 'utf8' })).toMatch(/No errors detected/);

    const reader = await createZipArchive(decryptingView(fs, [identity])).open(path);
    try {
      expect(reader.entries.map((e) => e.name)).toEqual(files.map(([n]) => n));
      for (const [name, bytes] of files) {
        const entry = reader.entries.find((e) => e.name === name)!;
        const parts: Uint8Array[] = [];
        for await (const chunk of reader.openEntry(entry)) parts.push(chunk.slice());
        expect(sha256(Buffer.concat(parts)), name).toBe(sha256(bytes));
      }
    } finally {
      await reader.close();
    }
    // The decrypted view is the ZIP age -d wrote, byte for byte.
    const handle = await decryptingView(fs, [identity]).openRead(path);
    expect(sha256(await handle.read(0, handle.size))).toBe(sha256(readFileSync(zipPath)));
    await handle.close();
  });

  it('reads a ZIP that age encrypted to our key', async () => {
    const fs = createNodeFileSystem();
    const identity = generateIdentity();
    const zipPath = join(scratch, 'plain.zip');
    const writer = createZipArchive(fs).createWriter(await fs.openWrite(zipPath), { level: 6, modified: new Date('2026-11-28T00:00:00Z') });
    for (const [name, bytes] of files) await writer.add(name, once(bytes));
    await writer.finish();
    const path = join(scratch, 'by-age.zip.age');
    execFileSync(AGE, ['-e', '-r', identity.recipient.encode(), '-o', path, zipPath]);
    const reader = await createZipArchive(decryptingView(fs, [identity])).open(path);
    try {
      for (const [name, bytes] of files) {
        const parts: Uint8Array[] = [];
        for await (const chunk of reader.openEntry(reader.entries.find((e) => e.name === name)!)) parts.push(chunk.slice());
        expect(sha256(Buffer.concat(parts)), name).toBe(sha256(bytes));
      }
    } finally {
      await reader.close();
    }
  });
});
