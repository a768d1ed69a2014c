/**
 * A property: valid backups, mutated at random (byte flips, truncations, splices of two
 * backups, entries duplicated, reordered or dropped, bytes inserted), are verified and
 * restored over a populated data dir. Never an uncaught exception, never an error without
 * a code (every rejection is a BackupError with a code of ERROR_CODES, not INTERNAL),
 * never a changed data dir (unless the restore succeeded, and then with the content of a
 * backup), never a write outside staging, scratch space or the swap, nothing left behind,
 * jobs running. 500 runs in `npm test`; `npm run test:fuzz` runs CASEVAULT_FUZZ_RUNS
 * (10,000 there); CASEVAULT_FUZZ_SEED replays a failure.
 *
 * Then the same for an incremental backup's pool packs (issue 12): a pack of the incremental
 * fixtures, mutated the same ways, either left under its name and listed size (a pack
 * damaged on disk) or renamed to its new SHA-256 with the backup sealed again over it (a
 * crafted pack: name, manifest, metadata and sidecar all agree). Every refusal is
 * POOL_OBJECT_DAMAGED or _MISSING (only the pool changed), restore refuses nothing verify
 * accepts, a restore that succeeds leaves the data it was taken from, and a crafted pack is
 * refused by both or by neither (a pack under its old name may restore where only verify's
 * whole-pack hash finds the change: an unused byte). Half the runs of the first property.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode } from '../../src/domain/errors.ts';
import { createMemoryHarness, DATA_DIR } from '../support/memoryHarness.ts';
import { populateSmall, replay, writesOutsideStaging, type Replay } from '../support/hostileReplay.ts';
import { buildZip, nameOf, parseZip, type CraftEntry } from '../support/zipCraft.ts';
import { sealIncremental } from '../../fixtures/poolFixtures.ts';
import { readFolder, replayFolder, type Folder } from './poolReplay.ts';

const RUNS = Number(process.env.CASEVAULT_FUZZ_RUNS ?? 500);
const SEED = process.env.CASEVAULT_FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.CASEVAULT_FUZZ_SEED);
const FIXTURES = join(import.meta.dirname, '../../fixtures');

type Mutation =
  | { kind: 'flip'; base: number; flips: { at: number; bit: number; near: 'anywhere' | 'header' | 'end' }[] }
  | { kind: 'truncate'; base: number; at: number }
  | { kind: 'splice'; base: number; other: number; at: number; from: number }
  | { kind: 'duplicate'; base: number; index: number; to: number }
  | { kind: 'reorder'; base: number; keys: number[] }
  | { kind: 'drop'; base: number; index: number }
  | { kind: 'insert'; base: number; at: number; bytes: Uint8Array };

interface Base {
  readonly name: string;
  readonly zip: Uint8Array;
  /** Offsets of every ZIP signature (local, central, end records, descriptors): where headers are. */
  readonly headers: readonly number[];
}

const inflate = (data: Uint8Array) => new Uint8Array(inflateRawSync(data));
const content = (state: Record<string, string>) => JSON.stringify(Object.entries(state).map(([p, v]) => [p, v.replace(/^(\w+) \d+/, '$1')]));

function signatures(zip: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 <= zip.byteLength; i += 1) {
    if (zip[i] === 0x50 && zip[i + 1] === 0x4b && [1, 3, 5, 6, 7].includes(zip[i + 2]!)) out.push(i);
  }
  return out;
}

function mutate(bases: readonly Base[], m: Mutation): Uint8Array {
  const base = bases[m.base % bases.length]!;
  const zip = base.zip;
  const entries = (): CraftEntry[] => parseZip(zip);
  switch (m.kind) {
    case 'flip': {
      const out = zip.slice();
      for (const f of m.flips) {
        const at =
          f.near === 'header' && base.headers.length > 0
            ? base.headers[f.at % base.headers.length]! + (Math.floor(f.at / base.headers.length) % 46)
            : f.near === 'end'
              ? zip.byteLength - 1 - (f.at % Math.min(zip.byteLength, 600))
              : f.at % zip.byteLength;
        if (at >= 0 && at < out.byteLength) out[at]! ^= 1 << f.bit;
      }
      return out;
    }
    case 'truncate':
      return zip.slice(0, m.at % zip.byteLength);
    case 'splice': {
      const other = bases[m.other % bases.length]!.zip;
      const out = new Uint8Array((m.at % zip.byteLength) + other.byteLength - (m.from % other.byteLength));
      out.set(zip.subarray(0, m.at % zip.byteLength));
      out.set(other.subarray(m.from % other.byteLength), m.at % zip.byteLength);
      return out;
    }
    case 'duplicate': {
      const list = entries();
      list.splice(m.to % (list.length + 1), 0, list[m.index % list.length]!);
      return buildZip(list);
    }
    case 'reorder': {
      const list = entries();
      const keyed = list.map((e, i) => [m.keys[i % m.keys.length]! + i / 1000, e] as const);
      return buildZip(keyed.sort((a, b) => a[0] - b[0]).map(([, e]) => e));
    }
    case 'drop': {
      const list = entries();
      list.splice(m.index % list.length, 1);
      return buildZip(list);
    }
    case 'insert': {
      const at = m.at % (zip.byteLength + 1);
      const out = new Uint8Array(zip.byteLength + m.bytes.byteLength);
      out.set(zip.subarray(0, at));
      out.set(m.bytes, at);
      out.set(zip.subarray(at), at + m.bytes.byteLength);
      return out;
    }
  }
}

const base = fc.nat(2);
const flip = fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }), near: fc.constantFrom('anywhere', 'header', 'end') });
const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip'), base, flips: fc.array(flip, { minLength: 1, maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate'), base, at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('splice'), base, other: base, at: fc.nat(), from: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate'), base, index: fc.nat(), to: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reorder'), base, keys: fc.array(fc.nat(20), { minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop'), base, index: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert'), base, at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
) as fc.Arbitrary<Mutation>;

describe('a mutated backup', () => {
  let bases: Base[] = [];
  let acceptable: Set<string>;
  const outcomes = new Map<string, number>();

  beforeAll(async () => {
    const fixture = readdirSync(join(FIXTURES, 'valid')).find((f) => f.endsWith('.zip'))!;
    const canonical = new Uint8Array(readFileSync(join(FIXTURES, 'valid', fixture)));
    // The export's own writer, on the same data and on other data (no settings, stored).
    const same = await createMemoryHarness({ jobs: () => [] });
    await populateSmall(same);
    const written = await same.memfs.readFile((await same.service.exportNow({})).filePath);
    const other = await createMemoryHarness({ jobs: () => [] });
    await other.db.write(`INSERT INTO users (name, email) VALUES ('Bo Chen', NULL)`);
    await other.memfs.mkdir(`${DATA_DIR}/files/2c`);
    await other.memfs.writeFile(`${DATA_DIR}/files/2c/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824`, new TextEncoder().encode('hello'));
    const stored = await other.memfs.readFile((await other.service.exportNow({ compressionLevel: 0, includeMetadata: false })).filePath);
    bases = [canonical, written, stored].map((zip, i) => ({ name: ['canonical', 'written', 'stored'][i]!, zip, headers: signatures(zip) }));
    // A successful restore must leave the content of one of the backups (or of the data dir).
    const restoredOther = await replay(stored);
    expect(restoredOther.restore).toEqual({ ok: true });
    acceptable = new Set([content(restoredOther.dataBefore), content(restoredOther.dataAfter)]);
  }, 120_000);

  afterAll(() => {
    const summary = [...outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
    console.log(`mutated backups, ${RUNS} runs, seed ${SEED}: ${summary.join(', ')}`);
  });

  function check(result: Replay): void {
    for (const o of [result.verify, result.restore]) {
      if (o.ok) continue;
      if (o.code === 'INTERNAL') throw new Error(`INTERNAL: ${o.message}`, { cause: o.error });
      expect(isErrorCode(o.code) && ERROR_CODES.includes(o.code)).toBe(true);
      expect(o.message.length).toBeGreaterThan(10);
    }
    outcomes.set(result.restore.ok ? 'restored' : result.restore.code, (outcomes.get(result.restore.ok ? 'restored' : result.restore.code) ?? 0) + 1);
    expect(result.verify.ok).toBe(result.restore.ok);
    if (result.restore.ok) expect(acceptable.has(content(result.dataAfter))).toBe(true);
    else expect(result.dataAfter).toEqual(result.dataBefore);
    expect(writesOutsideStaging(result.writes)).toEqual([]);
    expect(result.leftovers).toEqual([]);
    expect(result.jobsRunning).toBe(true);
  }

  it(`is refused with a coded error and changes nothing, or restores a backup's content (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(arbMutation, async (m) => {
        check(await replay(mutate(bases, m)));
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, Math.max(120_000, RUNS * 1_000));
});

/** A pack of an incremental fixture, to mutate: the folder it is in and where it is listed. */
interface PoolBase extends Base {
  readonly folder: Folder;
  readonly fileName: string;
  readonly own: CraftEntry[];
  /** The manifest's packs, in order, with their bytes. */
  readonly packs: readonly { readonly name: string; readonly bytes: Uint8Array }[];
  /** This pack's index in `packs`. */
  readonly index: number;
}

const POOL_RUNS = Math.max(1, Math.ceil(RUNS / 2));
const POOL_FOLDERS = ['valid-incremental', 'accepted-pool/documents-in-two-packs', 'accepted-pool/pack-stored-with-folder-entries'];

function poolBases(): PoolBase[] {
  return POOL_FOLDERS.flatMap((dir) => {
    const folder = readFolder(join(FIXTURES, dir));
    const [fileName, zip] = folder.find(([path]) => !path.includes('/') && path.endsWith('.zip'))!;
    const own = parseZip(zip);
    const manifestEntry = own.find((e) => nameOf(e) === 'manifest.json')!;
    const text = new TextDecoder().decode(manifestEntry.method === 8 ? inflate(manifestEntry.data) : manifestEntry.data);
    const names = (JSON.parse(text) as { packs: { name: string }[] }).packs.map((p) => p.name);
    const packs = names.map((name) => ({ name, bytes: folder.find(([path]) => path === `pool/${name}`)![1] }));
    return packs.map((pack, index) => ({ name: `${dir}#${index}`, zip: pack.bytes, headers: signatures(pack.bytes), folder, fileName, own, packs, index }));
  });
}

const arbPoolMutation = fc.record({ mutation: arbMutation, resealed: fc.boolean() });

describe('a mutated pool pack', () => {
  let bases: PoolBase[] = [];
  const outcomes = new Map<string, number>();

  beforeAll(() => {
    bases = poolBases();
    expect(bases.length).toBe(4);
  });

  afterAll(() => {
    const summary = [...outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
    console.log(`mutated pool packs, ${POOL_RUNS} runs, seed ${SEED}: ${summary.join(', ')}`);
  });

  /** The folder with its pack mutated: in place (listed as before), or renamed to its hash with the backup sealed again. */
  function mutatedFolder(m: Mutation, resealed: boolean): { folder: Folder; unchanged: boolean } {
    const base = bases[m.base % bases.length]!;
    const bytes = mutate(bases, m);
    const unchanged = Buffer.compare(bytes, base.zip) === 0;
    if (!resealed) return { folder: base.folder.map(([path, b]) => [path, path === `pool/${base.packs[base.index]!.name}` ? bytes : b] as const), unchanged };
    return { folder: sealIncremental(base.fileName, base.own, base.packs.map((p, i) => (i === base.index ? { bytes } : { bytes: p.bytes, name: p.name }))), unchanged };
  }

  it(`is refused as a damaged or missing pool object and changes nothing, or restores the data (${POOL_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(arbPoolMutation, async ({ mutation, resealed }) => {
        const { folder, unchanged } = mutatedFolder(mutation, resealed);
        const result = await replayFolder(folder);
        for (const o of [result.verify, result.restore]) {
          if (o.ok) continue;
          if (o.code === 'INTERNAL') throw new Error(`INTERNAL: ${o.message}`, { cause: o.error });
          expect(['POOL_OBJECT_DAMAGED', 'POOL_OBJECT_MISSING'], o.message).toContain(o.code);
        }
        const key = `${resealed ? 'resealed' : 'listed'}${unchanged ? ' unchanged' : ''} ${result.restore.ok ? 'restored' : result.restore.code}${result.verify.ok || !result.restore.ok ? '' : ' (verify refused)'}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        if (result.verify.ok) expect(result.restore.ok).toBe(true);
        // Under its old name, a pack verify accepts is the pack (verify hashes it whole).
        if (!resealed && result.verify.ok) expect(unchanged).toBe(true);
        if (resealed) expect(result.verify.ok).toBe(result.restore.ok);
        else if (result.restore.ok && !result.verify.ok) expect(result.verify.message).toMatch(/has SHA-256 [0-9a-f]{64}, not the one its name says/);
        if (result.restore.ok) expect(content(result.dataAfter)).toBe(content(result.dataBefore));
        else expect(result.dataAfter).toEqual(result.dataBefore);
        expect(writesOutsideStaging(result.writes)).toEqual([]);
        expect(result.leftovers).toEqual([]);
        expect(result.jobsRunning).toBe(true);
      }),
      { numRuns: POOL_RUNS, seed: SEED, endOnFailure: true },
    );
  }, Math.max(120_000, POOL_RUNS * 1_000));
});
