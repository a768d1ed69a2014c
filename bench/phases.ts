/**
 * Where a casevault command's time goes, without changing src/: the bench's command process
 * wraps the ports the service is given (file system, database, archive, hashing) so that
 * each call is timed, listens to the service's progress events, and samples the process's
 * CPU time (all threads: main, workers, libuv's pool) and the main thread's busy share
 * every 50 ms. `summarise` turns that into the phases of export, verify and restore.
 *
 * The file system is wrapped through the composition's own `wrapFs` option; the database,
 * archive and hashing ports are swapped into the composition's `deps` object, which the
 * service reads at each call (src/infra/node/compose.ts). Should that ever change, the
 * phases lose their database and archive rows, and `summarise` says so.
 *
 * The wrappers cost two `performance.now()` per call (per chunk for SHA-256 and writes):
 * they run in a separate, instrumented run, never in the measured rounds.
 */
import { performance } from 'node:perf_hooks';
import type { ArchiveFormat, ArchiveReader, ArchiveWriter } from '../src/ports/archive.ts';
import type { Database } from '../src/ports/database.ts';
import type { FileSystem, WriteHandle } from '../src/ports/fileSystem.ts';
import type { Hashing } from '../src/ports/hashing.ts';
import type { Progress } from '../src/domain/progress.ts';

/** One kind of call: how many, their summed time, the wall time when at least one ran, first start, last end. */
export interface Aggregate {
  count: number;
  sumMs: number;
  unionMs: number;
  first: number;
  last: number;
  bytes: number;
}

interface Sample {
  readonly t: number;
  /** Process CPU time (user + system, every thread), ms. */
  readonly cpuMs: number;
  /** Main thread's event loop: active ms so far. */
  readonly activeMs: number;
}

export interface PhaseRow {
  readonly phase: string;
  readonly startMs: number;
  readonly ms: number;
  /** CPU cores busy on average over the phase (the whole process). */
  readonly cores: number | null;
  /** Share of the phase the main thread was busy (event loop utilisation). */
  readonly main: number | null;
  readonly note?: string;
}

export interface PhaseReport {
  readonly op: string;
  readonly totalMs: number;
  readonly cores: number;
  readonly main: number;
  readonly rows: PhaseRow[];
  readonly aggregates: Record<string, Aggregate>;
  readonly marks: Record<string, number>;
  readonly warnings: string[];
}

export class Recorder {
  readonly t0 = performance.now();
  readonly aggregates = new Map<string, Aggregate & { active: number; since: number }>();
  readonly marks = new Map<string, number>();
  readonly samples: Sample[] = [];
  private readonly cpu0 = process.cpuUsage();
  private readonly elu0 = performance.eventLoopUtilization();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    this.sample();
    this.timer = setInterval(() => this.sample(), 50);
    this.timer.unref();
  }

  now(): number {
    return performance.now() - this.t0;
  }

  private sample(): void {
    const cpu = process.cpuUsage(this.cpu0);
    const elu = performance.eventLoopUtilization(this.elu0);
    this.samples.push({ t: this.now(), cpuMs: (cpu.user + cpu.system) / 1000, activeMs: elu.active });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  /** The first time `name` happened (later calls keep the first), or with `last`, the latest. */
  mark(name: string, last = false): void {
    if (last || !this.marks.has(name)) this.marks.set(name, this.now());
  }

  begin(name: string): () => void {
    let a = this.aggregates.get(name);
    const t = this.now();
    if (!a) {
      a = { count: 0, sumMs: 0, unionMs: 0, first: t, last: t, bytes: 0, active: 0, since: t };
      this.aggregates.set(name, a);
    }
    const agg = a;
    agg.count += 1;
    if (agg.active++ === 0) agg.since = t;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const e = this.now();
      agg.sumMs += e - t;
      agg.last = Math.max(agg.last, e);
      if (--agg.active === 0) agg.unionMs += e - agg.since;
    };
  }

  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const end = this.begin(name);
    try {
      return await fn();
    } finally {
      end();
    }
  }

  /** Synchronous work: summed, with bytes. */
  sync<T>(name: string, bytes: number, fn: () => T): T {
    const t = performance.now();
    try {
      return fn();
    } finally {
      const ms = performance.now() - t;
      let a = this.aggregates.get(name);
      const at = this.now();
      if (!a) {
        a = { count: 0, sumMs: 0, unionMs: 0, first: at - ms, last: at, bytes: 0, active: 0, since: at };
        this.aggregates.set(name, a);
      }
      a.count += 1;
      a.sumMs += ms;
      a.unionMs += ms;
      a.bytes += bytes;
      a.last = at;
    }
  }

  onProgress = (p: Progress): void => {
    this.mark(`progress:${p.phase}`);
    if (p.done >= p.total) this.mark(`progress:${p.phase}:done`, true);
  };

  /** CPU cores and main-thread share over [from, to] (ms since t0), from the nearest samples. */
  usage(from: number, to: number): { cores: number | null; main: number | null } {
    const before = [...this.samples].reverse().find((s) => s.t <= from + 1) ?? this.samples[0];
    const after = this.samples.find((s) => s.t >= to - 1) ?? this.samples[this.samples.length - 1];
    if (!before || !after || to - from < 100) return { cores: null, main: null };
    const wall = after.t - before.t;
    return { cores: (after.cpuMs - before.cpuMs) / wall, main: Math.min(1, (after.activeMs - before.activeMs) / wall) };
  }
}

/** Wraps an async iterable so that the time from its first `next` to its end counts under `name`. */
function timedIterable(rec: Recorder, name: string, source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      const end = rec.begin(name);
      try {
        yield* source;
      } finally {
        end();
      }
    },
  };
}

function timedWriteHandle(rec: Recorder, path: string, inner: WriteHandle): WriteHandle {
  const backup = path.endsWith('.zip.partial');
  return {
    write: (chunk) => rec.time(backup ? 'fs: write (backup file)' : 'fs: write', () => inner.write(chunk)),
    close: () => rec.time(backup ? 'fs: close + fsync (backup file)' : 'fs: close + fsync', () => inner.close()),
    abort: () => inner.abort(),
  };
}

const FS_TIMED = ['stat', 'exists', 'readdir', 'mkdir', 'readFile', 'writeFile', 'openRead', 'rename', 'link', 'copyFile', 'remove', 'syncDir', 'freeSpace', 'hashFile'] as const;

export function timedFileSystem(rec: Recorder, fs: FileSystem): FileSystem {
  return new Proxy(fs, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const name = String(key);
      const fn = value as (...args: unknown[]) => unknown;
      if ((FS_TIMED as readonly string[]).includes(name)) return (...args: unknown[]) => rec.time(`fs: ${name}`, () => fn.apply(target, args) as Promise<unknown>);
      if (name === 'openWrite') {
        return async (path: string, options?: unknown) => timedWriteHandle(rec, path, await rec.time('fs: openWrite', () => fn.call(target, path, options) as Promise<WriteHandle>));
      }
      if (name === 'readStream') {
        return (...args: unknown[]) => {
          rec.sync('fs: readStream (opened)', 0, () => undefined);
          return fn.apply(target, args);
        };
      }
      return fn.bind(target);
    },
  });
}

export function timedDatabase(rec: Recorder, db: Database): Database {
  return new Proxy(db, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const name = String(key);
      if (!['snapshotTo', 'inspectFile', 'open', 'close', 'counts'].includes(name)) return value.bind(target);
      return (...args: unknown[]) => rec.time(`db: ${name}`, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

/** Which entry an `add` is, for the archive rows. */
function entryKind(name: string): string {
  if (name.startsWith('files/')) return 'documents';
  if (name === 'database.sqlite') return 'database.sqlite';
  if (name === 'settings.json') return 'documents'; // streamed with the documents
  return 'manifest + metadata';
}

export function timedArchive(rec: Recorder, archive: ArchiveFormat): ArchiveFormat {
  return {
    open: async (path) => {
      const reader = await rec.time('archive: open (central directory, structural check)', () => archive.open(path));
      const wrapped: ArchiveReader = {
        get entries() {
          return reader.entries;
        },
        openEntry: (entry) => timedIterable(rec, 'archive: entry streamed', reader.openEntry(entry)),
        close: () => rec.time('archive: reader close', () => reader.close()),
      };
      return wrapped;
    },
    openHandle: (handle, label) => rec.time('archive: open (central directory, structural check)', () => archive.openHandle(handle, label)),
    createWriter: (output, options) => {
      const writer = archive.createWriter(output, options);
      const wrapped: ArchiveWriter = {
        add: (name, source) => rec.time(`archive: add ${entryKind(name)}`, () => writer.add(name, source)),
        finish: () => rec.time('archive: finish', () => writer.finish()),
        abort: () => writer.abort(),
      };
      return wrapped;
    },
  };
}

export function timedHashing(rec: Recorder, hashing: Hashing): Hashing {
  return {
    sha256: () => {
      const hash = hashing.sha256();
      return {
        update: (chunk) => rec.sync('hashing: SHA-256 update (main thread)', chunk.byteLength, () => hash.update(chunk)),
        digest: () => hash.digest(),
      };
    },
  };
}

/** The phases of a command, from what the recorder saw. `end` is when the service call returned; `total` when the process was done. */
export function summarise(rec: Recorder, op: string, serviceStart: number, serviceEnd: number, total: number): PhaseReport {
  const a = (name: string) => rec.aggregates.get(name);
  const m = (name: string) => rec.marks.get(name);
  const rows: PhaseRow[] = [];
  const warnings: string[] = [];
  const row = (phase: string, from: number | undefined, to: number | undefined, note?: string) => {
    if (from === undefined || to === undefined || !(to >= from)) return;
    rows.push({ phase, startMs: from, ms: to - from, ...rec.usage(from, to), ...(note ? { note } : {}) });
  };
  const agg = (name: string) => {
    const x = a(name);
    return x ? `${name.replace(/^\w+: /, '')}: ${x.count} calls, ${x.sumMs.toFixed(0)} ms summed, ${x.unionMs.toFixed(0)} ms with at least one running` : undefined;
  };
  row('compose (locks, recovery, open database)', 0, serviceStart);
  if (op === 'export') {
    const docs = a('archive: add documents');
    const dbAdd = a('archive: add database.sqlite');
    const meta = a('archive: add manifest + metadata');
    const finish = a('archive: finish');
    if (!docs && !dbAdd) warnings.push('no archive calls were seen: the wrappers did not reach the service (compose.ts changed?)');
    const firstAdd = Math.min(docs?.first ?? Infinity, dbAdd?.first ?? Infinity);
    row('clean up, list documents (readdir + stat each)', serviceStart, Number.isFinite(firstAdd) ? firstAdd : undefined, [agg('fs: readdir'), agg('fs: stat')].filter(Boolean).join('; '));
    row('documents → ZIP (read, SHA-256, deflate or store, write)', docs?.first, docs?.last, agg('archive: add documents'));
    const snap = a('db: snapshotTo');
    row('  snapshot: VACUUM INTO (worker), beside the documents', snap?.first, snap?.last);
    const inspect = a('db: inspectFile');
    row('  snapshot: integrity check + counts', inspect?.first, inspect?.last);
    if (docs && dbAdd && dbAdd.first - docs.last > 1) row('waiting for the snapshot', docs.last, dbAdd.first);
    row('database.sqlite → ZIP', dbAdd?.first, dbAdd?.last);
    row('manifest + metadata → ZIP', meta?.first, meta?.last);
    const fsync = a('fs: close + fsync (backup file)');
    row('finish: deflate tail, central directory, fsync', finish?.first, finish?.last);
    row('  of which the backup file\'s close + fsync', fsync?.first, fsync?.last);
    row('sidecar, rename, folder fsync', finish?.last, serviceEnd);
  } else {
    const open = a('archive: open (central directory, structural check)');
    const phase = op === 'verify' ? 'verify' : 'extract';
    const entries = a('archive: entry streamed');
    row('open: central directory, structural check', open?.first, open?.last);
    row('read manifest + metadata, check them; free space', open?.last, m(`progress:${phase}`));
    const extractEnd = Math.max(m(`progress:${phase}:done`) ?? 0, entries?.last ?? 0, a('fs: close + fsync')?.last ?? 0);
    row(op === 'verify' ? 'extract: inflate, CRC-32, SHA-256 every entry (database to scratch)' : 'extract: inflate, CRC-32, SHA-256, write + fsync every entry into staging', m(`progress:${phase}`), extractEnd || undefined, agg('archive: entry streamed'));
    if (op === 'restore') {
      const closes = a('fs: close + fsync');
      if (closes) row('  files closed + fsynced', closes.first, closes.last, agg('fs: close + fsync'));
    }
    const whole = a('fs: hashFile');
    row('  whole-file SHA-256 for the sidecar (worker), beside', whole?.first, whole?.last);
    const inspect = a('db: inspectFile');
    row('database: integrity check, schema version, counts', inspect?.first, inspect?.last);
    if (op === 'restore') {
      const swapEnd = m('progress:swap:done');
      row('swap: stop jobs, close, carry over, journal, renames, reopen, counts', inspect?.last, swapEnd);
      row('remove staging, old safety copies', swapEnd, serviceEnd);
    } else {
      row('clean up (close, remove scratch)', inspect?.last ?? extractEnd, serviceEnd);
    }
    if (!open) warnings.push('no archive calls were seen: the wrappers did not reach the service (compose.ts changed?)');
  }
  row('dispose (stop jobs, close database), exit', serviceEnd, total);
  const sha = a('hashing: SHA-256 update (main thread)');
  if (sha) rows.push({ phase: `SHA-256 on the main thread (summed): ${(sha.bytes / 1e6).toFixed(0)} MB`, startMs: sha.first, ms: sha.sumMs, cores: null, main: null, note: `${(sha.bytes / 1e6 / (sha.sumMs / 1000)).toFixed(0)} MB/s` });
  const all = rec.usage(0, total);
  const aggregates: Record<string, Aggregate> = {};
  for (const [k, v] of rec.aggregates) aggregates[k] = { count: v.count, sumMs: v.sumMs, unionMs: v.unionMs, first: v.first, last: v.last, bytes: v.bytes };
  return { op, totalMs: total, cores: all.cores ?? 0, main: all.main ?? 0, rows, aggregates, marks: Object.fromEntries(rec.marks), warnings };
}
