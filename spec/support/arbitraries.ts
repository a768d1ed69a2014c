/**
 * Generated data dirs for the round-trip properties: rows with unicode, NULLs and blobs
 * (empty tables included), 0–200 documents of 0 bytes to 1 MiB with duplicates by content,
 * and random settings. Document bytes are derived from a small seed, so a 1 MiB document
 * costs fast-check nothing to generate or shrink.
 */
import fc from 'fast-check';
import type { ExportOptions } from '../../src/domain/options.ts';

export interface GeneratedDocument {
  readonly seed: number;
  readonly size: number;
  /** Text-like documents compress; the others look like PDFs and scans. */
  readonly compressible: boolean;
}

export interface GeneratedData {
  readonly users: { name: string; email: string | null }[];
  readonly cases: { title: string; notes: string | null }[];
  readonly tasks: { title: string; dueAt: string | null; done: boolean }[];
  readonly hearings: { court: string | null; at: string | null }[];
  readonly orders: { text: string | null; attachment: Uint8Array | null }[];
  readonly documents: GeneratedDocument[];
  readonly settings: unknown | undefined;
}

const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const optionalText = fc.option(text, { nil: null });

const documentSize = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: 4096 }) },
  { weight: 3, arbitrary: fc.nat({ max: 64 * 1024 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 1024 * 1024 }) },
);

const arbDocument: fc.Arbitrary<GeneratedDocument> = fc.record({
  seed: fc.nat({ max: 40 }), // a small seed space: equal (seed, size, kind) means equal content
  size: documentSize,
  compressible: fc.boolean(),
});

export const arbData: fc.Arbitrary<GeneratedData> = fc.record({
  users: fc.array(fc.record({ name: text, email: optionalText }), { maxLength: 8 }),
  cases: fc.array(fc.record({ title: text, notes: optionalText }), { maxLength: 10 }),
  tasks: fc.array(fc.record({ title: text, dueAt: fc.option(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), { nil: null }), done: fc.boolean() }), { maxLength: 10 }),
  hearings: fc.array(fc.record({ court: optionalText, at: optionalText }), { maxLength: 6 }),
  orders: fc.array(fc.record({ text: optionalText, attachment: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }) }), { maxLength: 6 }),
  documents: fc.oneof(
    { weight: 4, arbitrary: fc.array(arbDocument, { maxLength: 20 }) },
    { weight: 1, arbitrary: fc.array(arbDocument, { maxLength: 200 }) },
  ),
  settings: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
});

export const arbExportOptions: fc.Arbitrary<ExportOptions> = fc
  .record({
    includeDatabase: fc.boolean(),
    includeFiles: fc.boolean(),
    includeMetadata: fc.boolean(),
    compressionLevel: fc.integer({ min: 0, max: 9 }),
  })
  .filter((o) => o.includeDatabase || o.includeFiles || o.includeMetadata);

/** Deterministic bytes for a generated document (xorshift; text-like ones from a small alphabet). */
export function documentBytes(doc: GeneratedDocument): Uint8Array {
  const out = new Uint8Array(doc.size);
  let x = (doc.seed * 2654435761 + 1) >>> 0 || 1;
  const alphabet = 'the court orders that the parties appear on monday ';
  for (let i = 0; i < out.length; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = doc.compressible ? alphabet.charCodeAt(x % alphabet.length) : x & 0xff;
  }
  return out;
}

/** What the property changes between export and restore. */
export type Mutation = 'wipe' | 'change' | 'nothing';
export const arbMutation: fc.Arbitrary<Mutation> = fc.constantFrom('wipe', 'change', 'nothing');

/** fast-check's run count: ≥ 100 in CI, overridable for a quick local run or a long one. */
export function propertyRuns(ciDefault = 100): number {
  const fromEnv = Number(process.env.CASEVAULT_PROPERTY_RUNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : ciDefault;
}
