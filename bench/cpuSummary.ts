/**
 * The top self-time functions of V8 CPU profiles (`node --cpu-prof`), per thread:
 *
 *   node --import tsx bench/cpuSummary.ts <dir or .cpuprofile files…> [--top=15]
 *
 * `npm run bench -- --cpu-prof` writes one directory of profiles per profile and command
 * and prints this summary. Node writes a profile for the main thread and one for each
 * worker thread that exits by itself (the whole-file hash, the VACUUM INTO snapshot): the
 * file name's fourth field is the thread id, 0 the main thread. Work on libuv's threadpool
 * (zlib's deflate and inflate of `zlib.deflateRaw`, fs calls) is in no profile; a
 * synchronous native call (`hash.update`, `inflateRawSync`) is in the self time of the
 * JavaScript function that made it, or shows as "(program)".
 *
 * The bench's commands are one bundled file (esbuild); a bundle line is named by the source
 * module esbuild's `// src/…` comment puts above it, so a function reads as
 * `name (src/infra/zip/zipReader.ts)`.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface FunctionTime {
  readonly name: string;
  readonly where: string;
  readonly selfMs: number;
  /** Of the thread's time that was not idle. */
  readonly share: number;
}

export interface ThreadSummary {
  readonly file: string;
  readonly thread: string;
  readonly totalMs: number;
  readonly idleMs: number;
  readonly gcMs: number;
  readonly top: FunctionTime[];
  readonly modules: FunctionTime[];
}

/** Finds a bundle's module for a line: esbuild writes `// src/x/y.ts` above each module. */
const moduleMaps = new Map<string, { line: number; module: string }[] | null>();
function moduleOf(url: string, line: number, searchDirs: readonly string[]): string | undefined {
  if (!url.startsWith('file://')) return undefined;
  let path = fileURLToPath(url);
  if (!moduleMaps.has(path)) {
    let file = existsSync(path) ? path : undefined;
    for (const dir of searchDirs) {
      if (file) break;
      const candidate = join(dir, basename(path));
      if (existsSync(candidate)) file = candidate;
    }
    let map: { line: number; module: string }[] | null = null;
    if (file && /bench-command-[^/]*\.mjs$/.test(file)) {
      map = [];
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          const m = /^\/\/ ((?:src|bench|node_modules)\/\S+)$/.exec(text);
          if (m) map!.push({ line: i, module: m[1]! });
        });
    }
    moduleMaps.set(path, map);
  }
  const map = moduleMaps.get(path);
  if (!map) {
    path = path.replace(/^.*\/node_modules\//, 'node_modules/').replace(/^.*\/(src|bench)\//, '$1/');
    return path;
  }
  let found: string | undefined;
  for (const entry of map) {
    if (entry.line > line) break;
    found = entry.module;
  }
  return found;
}

function where(frame: CallFrame, searchDirs: readonly string[]): string {
  if (frame.url === '') return frame.functionName.startsWith('(') ? '' : '(native)';
  if (frame.url.startsWith('node:')) return frame.url;
  return moduleOf(frame.url, frame.lineNumber, searchDirs) ?? frame.url;
}

export function summariseProfile(file: string, top = 15): ThreadSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const searchDirs = [dirname(file), dirname(dirname(file)), dirname(dirname(dirname(file)))];
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // A sample lasts until the next one (the last until the profile's end); microseconds.
  let t = profile.startTime;
  const stamps = profile.timeDeltas.map((d) => (t += d));
  profile.samples.forEach((id, i) => {
    const next = i + 1 < stamps.length ? stamps[i + 1]! : profile.endTime;
    self.set(id, (self.get(id) ?? 0) + Math.max(0, next - stamps[i]!));
  });
  const fns = new Map<string, { name: string; where: string; us: number }>();
  const modules = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  let total = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    total += us;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    if (frame.functionName === '(garbage collector)') gc += us;
    const w = where(frame, searchDirs);
    const name = frame.functionName || '(anonymous)';
    const key = `${name}\u0000${w}\u0000${w.startsWith('src/') || w.startsWith('bench/') ? '' : frame.lineNumber}`;
    const entry = fns.get(key) ?? { name, where: w, us: 0 };
    entry.us += us;
    fns.set(key, entry);
    const module = w === '' ? name : w === '(native)' ? '(native code)' : w;
    modules.set(module, (modules.get(module) ?? 0) + us);
  }
  const busy = Math.max(1, total - idle);
  const tid = /^CPU\.\d+\.\d+\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(basename(file))?.[1];
  const rank = (xs: Iterable<{ name: string; where: string; us: number }>) =>
    [...xs]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((x) => ({ name: x.name, where: x.where, selfMs: x.us / 1000, share: x.us / busy }));
  return {
    file,
    thread: tid === undefined ? 'unknown' : tid === '0' ? 'main' : `worker ${tid}`,
    totalMs: total / 1000,
    idleMs: idle / 1000,
    gcMs: gc / 1000,
    top: rank(fns.values()),
    modules: rank([...modules].map(([name, us]) => ({ name, where: '', us }))),
  };
}

/** Every .cpuprofile under the given paths (directories searched recursively), summarised, main thread first. */
export function summariseCpuProfiles(paths: readonly string[], top = 15): ThreadSummary[] {
  const files: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name));
    else if (p.endsWith('.cpuprofile')) files.push(p);
  };
  for (const p of paths) walk(resolve(p));
  return files.map((f) => summariseProfile(f, top)).sort((a, b) => (a.thread === 'main' ? -1 : b.thread === 'main' ? 1 : b.totalMs - a.totalMs));
}

export function formatCpuSummary(threads: readonly ThreadSummary[], top = 15): string {
  const lines: string[] = [];
  for (const t of threads) {
    const busy = t.totalMs - t.idleMs;
    lines.push(
      `${t.thread} thread (${basename(t.file)}): ${(t.totalMs / 1000).toFixed(2)} s profiled, ${(busy / 1000).toFixed(2)} s busy (${((100 * busy) / Math.max(1, t.totalMs)).toFixed(0)} %), GC ${(t.gcMs / 1000).toFixed(2)} s`,
    );
    if (busy < 1) continue;
    lines.push('', '| self time | % of busy | function | where |', '|---|---|---|---|');
    for (const f of t.top.slice(0, top)) lines.push(`| ${f.selfMs.toFixed(0)} ms | ${(100 * f.share).toFixed(1)} | ${f.name} | ${f.where} |`);
    lines.push('', `By module: ${t.modules.slice(0, 8).map((m) => `${m.name} ${(100 * m.share).toFixed(0)} %`).join(', ')}`, '');
  }
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 15);
  const paths = args.filter((a) => !a.startsWith('--'));
  if (paths.length === 0) {
    console.error('usage: node --import tsx bench/cpuSummary.ts <dir or .cpuprofile files…> [--top=15]');
    process.exit(2);
  }
  console.log(formatCpuSummary(summariseCpuProfiles(paths, top), top));
}
