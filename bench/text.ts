/**
 * Text that compresses like a firm's letters and notes: words from a fixed vocabulary of
 * legal-sounding syllable words, Zipf-distributed, in sentences with names, dates, numbers
 * and paragraph breaks. Level-6 deflate shrinks it to roughly a third, like real prose.
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
