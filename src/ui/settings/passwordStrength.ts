/**
 * How strong a new encryption password is, for the meter beside the field, and what is
 * wrong with the two fields of a new password. Deliberately simple (length, kinds of
 * character, a list of the passwords guessed first): the password protects only the key file
 * beside the backups (scrypt makes each guess cost about a second), and the recovery key is
 * the way in when it is forgotten. Shorter than the minimum is refused; a common one is
 * allowed but called weak.
 */
import { COMMON_PASSWORDS } from './commonPasswords.ts';

export type StrengthScore = 0 | 1 | 2 | 3 | 4;

export interface Strength {
  readonly score: StrengthScore;
  readonly label: 'Too short' | 'Weak' | 'Fair' | 'Good' | 'Strong';
  /** Long enough to be accepted. */
  readonly acceptable: boolean;
  /** What would make it stronger, or why it is weak. */
  readonly hint: string;
}

const LABELS = ['Too short', 'Weak', 'Fair', 'Good', 'Strong'] as const;
const strength = (score: StrengthScore, hint: string): Strength => ({ score, label: LABELS[score], acceptable: score > 0, hint });

/** Letters that people write as digits or symbols ("p@ssw0rd"). */
const LOOKALIKES: Readonly<Record<string, string>> = { a: '@4', e: '3', i: '1!', l: '1|', o: '0', s: '$5', t: '7+', b: '8', g: '9' };
const isLetter = (c: string) => /\p{L}/u.test(c);

/** `chars[start…]` spells `word` (any case, look-alikes allowed). */
function spells(chars: readonly string[], start: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = chars[start + i];
    const w = word[i]!;
    if (c === undefined) return false;
    if (c.toLowerCase() !== w && !(LOOKALIKES[w] ?? '').includes(c)) return false;
  }
  return true;
}

/**
 * One of the passwords guessed first, in any case, with look-alikes, and with digits or
 * symbols before or after it ("Password123!", "p@ssw0rd", "2024sunshine").
 */
export function isCommonPassword(password: string): boolean {
  const chars = [...password];
  for (const word of COMMON_PASSWORDS) {
    for (let start = 0; start + word.length <= chars.length; start++) {
      if (start > 0 && isLetter(chars[start - 1]!)) break;
      const end = start + word.length;
      if (spells(chars, start, word) && chars.slice(end).every((c) => !isLetter(c))) return true;
    }
  }
  return false;
}

/** Lower case, upper case, digits, anything else (symbols, spaces, other scripts). */
function kindsOf(chars: readonly string[]): number {
  const kinds = new Set<string>();
  for (const c of chars) kinds.add(/\p{Ll}/u.test(c) ? 'lower' : /\p{Lu}/u.test(c) ? 'upper' : /\p{Nd}/u.test(c) ? 'digit' : 'other');
  return kinds.size;
}

export function passwordStrength(password: string, minLength: number): Strength {
  const chars = [...password];
  if (chars.length < minLength) return strength(0, `Use at least ${minLength} characters (${chars.length} so far).`);
  if (isCommonPassword(password)) return strength(1, 'This is one of the passwords guessed first. Choose another: a few unrelated words work well.');
  if (new Set(chars).size < 4) return strength(1, 'It repeats the same few characters. Choose another: a few unrelated words work well.');
  let score = 1;
  if (chars.length >= 12) score++;
  if (chars.length >= 16) score++;
  if (kindsOf(chars) >= 3 || chars.length >= 20) score++;
  return score >= 4
    ? strength(4, 'A strong password.')
    : strength(score as StrengthScore, 'Longer is stronger: add a word or two, or mix in capitals, digits and symbols.');
}

export interface PasswordErrors {
  readonly password?: string;
  readonly repeat?: string;
}

/** What is wrong with a new password and its repetition; nothing when it may be used. */
export function newPasswordErrors(password: string, repeat: string, minLength: number): PasswordErrors {
  const length = [...password].length;
  return {
    ...(length === 0
      ? { password: 'Enter a password.' }
      : length < minLength
        ? { password: `Too short: at least ${minLength} characters (this one has ${length}).` }
        : {}),
    ...(repeat !== password ? { repeat: 'The two passwords are not the same: type the same password twice.' } : {}),
  };
}

/** The recovery key in groups of four after its prefix, for reading and writing down (spaces are ignored when it is typed back). */
export function groupRecoveryKey(key: string): string {
  const prefix = 'AGE-SECRET-KEY-1';
  if (!key.startsWith(prefix)) return key;
  return [prefix, ...(key.slice(prefix.length).match(/.{1,4}/g) ?? [])].join(' ');
}
