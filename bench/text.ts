/**
 * The bench's texts, each seeded and deterministic:
 * - legal (createTextSource, the original): words from a vocabulary of 4,000 legal-sounding
 *   syllable words, Zipf-like, in sentences with names, dates, numbers and paragraph breaks;
 *   level-6 deflate shrinks it to ~40 %.
 * - repetitive: form letters from a 200-word vocabulary; ~13 %.
 * - natural: prose from a 50,000-word lexicon, Zipf–Mandelbrot; ~40 %, with fewer and
 *   shorter matches for deflate to find.
 */
import type { Prng } from './prng.ts';

const SYLLABLES = ['ab', 'ac', 'ad', 'al', 'an', 'ap', 'ar', 'as', 'at', 'be', 'ca', 'ci', 'co', 'con', 'cu', 'de', 'di', 'do', 'en', 'ent', 'er', 'es', 'ex', 'fa', 'fi', 'ge', 'in', 'ion', 'is', 'it', 'ju', 'la', 'le', 'li', 'lo', 'ma', 'me', 'mi', 'mo', 'na', 'ne', 'no', 'ob', 'or', 'pa', 'pe', 'per', 'pl', 'po', 'pre', 'pro', 're', 'ri', 'ro', 'sa', 'se', 'si', 'so', 'st', 'su', 'ta', 'te', 'ti', 'tion', 'to', 'tr', 'tu', 'un', 'ur', 'va', 've', 'vi'];
const COMMON = ['the', 'of', 'and', 'to', 'in', 'a', 'that', 'is', 'for', 'on', 'by', 'court', 'party', 'shall', 'be', 'with', 'as', 'this', 'order', 'case', 'hearing', 'plaintiff', 'defendant', 'counsel', 'motion', 'agreement', 'pursuant', 'section', 'hereby', 'filed'];
const NAMES = ['Müller', 'Schmidt', 'Doe', 'Roe', 'García', 'Nowak', 'Rossi', 'Dubois', 'Jensen', 'Kowalski', 'Smith', 'Tanaka', 'Okafor', 'Silva', 'Novák', 'Horvat'];
const COURTS = ['District Court', 'Regional Court', 'Court of Appeal', 'Labour Court', 'Family Court', 'Administrative Court'];

export interface TextSource {
  /** About `length` characters of text (UTF-8, may be a few bytes longer). */
  text(length: number): string;
  sentence(): string;
  name(): string;
  court(): string;
  date(): string;
}

export function createTextSource(prng: Prng): TextSource {
  const vocabulary: string[] = [...COMMON];
  for (let i = 0; vocabulary.length < 4000; i += 1) {
    const n = prng.int(2, 4);
    let word = '';
    for (let s = 0; s < n; s += 1) word += prng.pick(SYLLABLES);
    vocabulary.push(word);
  }
  // Zipf-like: the index is the square of a uniform, so the first words are the most common.
  const word = () => vocabulary[Math.floor(prng.next() ** 2.2 * vocabulary.length)]!;
  const name = () => prng.pick(NAMES);
  const court = () => prng.pick(COURTS);
  const date = () => `20${prng.int(10, 26)}-${String(prng.int(1, 12)).padStart(2, '0')}-${String(prng.int(1, 28)).padStart(2, '0')}`;
  const sentence = () => {
    const n = prng.int(6, 22);
    const parts: string[] = [];
    for (let i = 0; i < n; i += 1) {
      const r = prng.next();
      if (r < 0.03) parts.push(name());
      else if (r < 0.045) parts.push(date());
      else if (r < 0.06) parts.push(String(prng.int(1, 99999)));
      else parts.push(word());
    }
    const s = parts.join(' ');
    return `${s[0]!.toUpperCase()}${s.slice(1)}${prng.next() < 0.1 ? ';' : '.'}`;
  };
  const text = (length: number) => {
    const out: string[] = [];
    let size = 0;
    while (size < length) {
      const s = prng.next() < 0.08 ? `\n\n${sentence()}` : ` ${sentence()}`;
      out.push(s);
      size += s.length;
    }
    return out.join('').trimStart();
  };
  return { text, sentence, name, court, date };
}

/** A profile's text: what its documents and the database's notes are cut from. */
export type TextKind = 'legal' | 'repetitive' | 'natural';

export function createText(kind: TextKind, prng: Prng): TextSource {
  if (kind === 'repetitive') return createRepetitiveTextSource(prng);
  if (kind === 'natural') return createNaturalTextSource(prng);
  return createTextSource(prng);
}

const REPETITIVE_SYLLABLES = ['ab', 'ac', 'ad', 'al', 'an', 'ar', 'be', 'ca', 'co', 'con', 'de', 'di', 'en', 'er', 'ex', 'in', 'la', 'le', 'ma', 'me', 'mo', 'ne', 'no', 'or', 'pa', 'pe', 'per', 'pre', 'pro', 're', 'sa', 'se', 'ta', 'te', 'ti', 'tion', 'to', 'un', 'va', 've'];

/**
 * Form letters and standard clauses: 200 sentences made once from a vocabulary of 200 words,
 * then repeated in random order with 5 % of their words replaced (a number, another word).
 * Level-6 deflate shrinks it to ~13 %, and fast: most of it is long matches.
 */
export function createRepetitiveTextSource(prng: Prng): TextSource {
  const words = COMMON.slice(0, 20);
  while (words.length < 200) {
    let word = '';
    for (let s = prng.int(2, 3); s > 0; s -= 1) word += prng.pick(REPETITIVE_SYLLABLES);
    words.push(word);
  }
  const catalogue: string[][] = [];
  for (let k = 0; k < 200; k += 1) {
    const parts: string[] = [];
    for (let i = prng.int(8, 20); i > 0; i -= 1) parts.push(prng.pick(words));
    catalogue.push(parts);
  }
  const sentence = () => {
    const parts = [...prng.pick(catalogue)];
    for (let i = 0; i < parts.length; i += 1) {
      if (prng.next() < 0.05) parts[i] = prng.next() < 0.5 ? String(prng.int(1, 99999)) : prng.pick(words);
    }
    const s = parts.join(' ');
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  };
  return withSentences(prng, sentence, 0.1);
}

const FUNCTION_WORDS = 'the of and to a in is that for it as was with be by on not he this are or his from at which but have an had they you were their one all we can her has there been if more when will would who so no shall its may any such under than other into upon these them only then also after before each our'.split(' ');
const ONSETS = ['', 'b', 'c', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'br', 'cr', 'dr', 'fr', 'gr', 'pr', 'tr', 'bl', 'cl', 'fl', 'pl', 'sl', 'st', 'sp', 'sc', 'sh', 'ch', 'th', 'wh', 'qu', 'str'];
const NUCLEI = ['a', 'e', 'i', 'o', 'u', 'ea', 'ee', 'ai', 'ou', 'oo', 'ie', 'y'];
const CODAS = ['', '', '', 'n', 'r', 's', 't', 'l', 'm', 'd', 'nd', 'nt', 'st', 'rt', 'ck', 'ng', 'll', 'ss', 'ct', 'rn'];
const PREFIXES = ['', '', '', '', '', '', 'un', 're', 'in', 'pre', 'dis', 'con', 'de', 'com', 'ex'];
const SUFFIXES = ['', '', '', '', 's', 'ed', 'ing', 'er', 'ly', 'ion', 'ment', 'ness', 'able', 'al', 'ity', 'ive', 'ous', 'es', 'ence', 'ant'];
const PREPOSITIONS = new Set(['of', 'in', 'to', 'on', 'by', 'for', 'from', 'with', 'at', 'upon', 'under', 'into']);

/** Picks ranks 0..n-1 with P(r) ∝ 1 / (r + q)^s (Zipf–Mandelbrot), by binary search of the CDF. */
function zipf(prng: Prng, n: number, s: number, q: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r += 1) cdf[r] = sum += 1 / (r + q) ** s;
  return () => {
    const u = prng.next() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/**
 * Natural-language-like text with a large vocabulary: a generated lexicon of 50,000 words
 * (English function words first, then prefix + stem + suffix, stems of 1–3 syllables drawn
 * Zipf-wise from 600 syllables, so words share parts as real ones do; shorter words are
 * more frequent), words drawn Zipf–Mandelbrot (s = 1, q = 2.7), "the" after a preposition
 * often, commas, names, numbers, paragraphs. Level-6 deflate shrinks it to ~40 %, with
 * fewer and shorter matches than the other texts (slower to deflate, like real prose).
 */
export function createNaturalTextSource(prng: Prng): TextSource {
  const syllables: string[] = [];
  const seenSyllables = new Set<string>();
  while (syllables.length < 600) {
    const s = prng.pick(ONSETS) + prng.pick(NUCLEI) + prng.pick(CODAS);
    if (!seenSyllables.has(s)) {
      seenSyllables.add(s);
      syllables.push(s);
    }
  }
  const syllable = zipf(prng, syllables.length, 1.0, 2);
  const stems: string[] = [];
  const seenStems = new Set<string>();
  while (stems.length < 12_000) {
    const n = prng.next() < 0.6 ? 1 : prng.next() < 0.8 ? 2 : 3;
    let stem = '';
    for (let i = 0; i < n; i += 1) stem += syllables[syllable()];
    if (!seenStems.has(stem)) {
      seenStems.add(stem);
      stems.push(stem);
    }
  }
  const stem = zipf(prng, stems.length, 0.9, 5);
  const seen = new Set<string>(FUNCTION_WORDS);
  const lexicon: string[] = [];
  while (lexicon.length + FUNCTION_WORDS.length < 50_000) {
    const word = prng.pick(PREFIXES) + stems[stem()] + prng.pick(SUFFIXES);
    if (!seen.has(word)) {
      seen.add(word);
      lexicon.push(word);
    }
  }
  const ranked = [...FUNCTION_WORDS, ...lexicon.map((w) => ({ w, key: w.length + prng.next() * 4 })).sort((a, b) => a.key - b.key).map((x) => x.w)];
  const rank = zipf(prng, ranked.length, 1.0, 2.7);
  const names = Array.from({ length: 2000 }, () => {
    const n = syllables[syllable()]! + syllables[syllable()]!;
    return `${n[0]!.toUpperCase()}${n.slice(1)}`;
  });
  const nameRank = zipf(prng, names.length, 1.0, 1);
  const sentence = () => {
    const n = prng.int(5, 32);
    const parts: string[] = [];
    for (let i = 0; i < n; i += 1) {
      const r = prng.next();
      let w: string;
      if (i > 0 && PREPOSITIONS.has(parts[i - 1]!) && prng.next() < 0.45) w = 'the';
      else if (r < 0.025) w = names[nameRank()]!;
      else if (r < 0.035) w = String(prng.int(1, 2030));
      else w = ranked[rank()]!;
      parts.push(i < n - 1 && prng.next() < 0.07 ? `${w},` : w);
    }
    const s = parts.join(' ');
    const end = prng.next() < 0.9 ? '.' : prng.next() < 0.5 ? '?' : ';';
    return `${s[0]!.toUpperCase()}${s.slice(1)}${end}`;
  };
  return withSentences(prng, sentence, 0.12);
}

/** The rest of a TextSource around a sentence maker (names, courts and dates as the legal text has them). */
function withSentences(prng: Prng, sentence: () => string, paragraphs: number): TextSource {
  const name = () => prng.pick(NAMES);
  const court = () => prng.pick(COURTS);
  const date = () => `20${prng.int(10, 26)}-${String(prng.int(1, 12)).padStart(2, '0')}-${String(prng.int(1, 28)).padStart(2, '0')}`;
  const text = (length: number) => {
    const out: string[] = [];
    let size = 0;
    while (size < length) {
      const s = prng.next() < paragraphs ? `\n\n${sentence()}` : ` ${sentence()}`;
      out.push(s);
      size += s.length;
    }
    return out.join('').trimStart();
  };
  return { text, sentence, name, court, date };
}
