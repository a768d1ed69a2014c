/**
 * The new-password fields of the encryption set-up: the strength meter (length, kinds of
 * character, the passwords guessed first), the refusals said next to the field (too short,
 * not the same twice), and the recovery key as it is shown for writing down.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMON_PASSWORDS } from '../../src/ui/settings/commonPasswords.ts';
import { groupRecoveryKey, isCommonPassword, newPasswordErrors, passwordStrength } from '../../src/ui/settings/passwordStrength.ts';
import { MIN_PASSWORD_LENGTH } from '../../src/domain/keys.ts';
import { propertyRuns } from '../support/arbitraries.ts';

const RUNS = { numRuns: propertyRuns(300) };
const anyPassword = fc.string({ maxLength: 40, unit: fc.constantFrom(...'abcXYZ019 !§é€😀'.split(/(?:)/u)) });
const minLength = fc.integer({ min: 1, max: 24 });
const LOOKALIKE: Record<string, string[]> = { a: ['@', '4'], e: ['3'], i: ['1', '!'], l: ['1', '|'], o: ['0'], s: ['$', '5'], t: ['7', '+'], b: ['8'], g: ['9'] };
const notLetters = fc.string({ maxLength: 6, unit: fc.constantFrom(...'0123456789!?#$%&*-_. '.split('')) });

/** A common password as people dress it up: any case, look-alikes, digits and symbols around it. */
const dressedUp = fc
  .tuple(fc.constantFrom(...COMMON_PASSWORDS), fc.infiniteStream(fc.nat(3)), notLetters, notLetters)
  .map(([word, choices, before, after]) => {
    const it = choices[Symbol.iterator]();
    const core = [...word]
      .map((c) => {
        const pick = it.next().value as number;
        const alike = LOOKALIKE[c];
        return pick === 0 ? c.toUpperCase() : pick === 1 && alike ? alike[pick % alike.length]! : c;
      })
      .join('');
    return `${before}${core}${after}`;
  });

describe('the password strength meter', () => {
  it('refuses exactly the passwords shorter than the minimum (counted in characters, not UTF-16 units)', () => {
    fc.assert(
      fc.property(anyPassword, minLength, (password, min) => {
        const s = passwordStrength(password, min);
        const short = [...password].length < min;
        expect(s.acceptable).toBe(!short);
        expect(s.score === 0).toBe(short);
        expect(s.label).toBe(['Too short', 'Weak', 'Fair', 'Good', 'Strong'][s.score]);
      }),
      RUNS,
    );
  });

  it('calls a common password weak however it is dressed up (case, look-alikes, digits and symbols around it)', () => {
    fc.assert(
      fc.property(dressedUp, (password) => {
        expect(isCommonPassword(password)).toBe(true);
        expect(passwordStrength(password, MIN_PASSWORD_LENGTH).score).toBeLessThanOrEqual(1);
      }),
      RUNS,
    );
    expect(passwordStrength('P@ssw0rd2024!', 8)).toMatchObject({ score: 1, label: 'Weak' });
  });

  it('never rates a password lower for being made longer, unless the longer one is a common password', () => {
    fc.assert(
      fc.property(anyPassword, anyPassword, minLength, (password, more, min) => {
        const longer = password + more;
        if (!isCommonPassword(longer)) expect(passwordStrength(longer, min).score).toBeGreaterThanOrEqual(passwordStrength(password, min).score);
      }),
      RUNS,
    );
  });

  it('rates 16 or more varied characters of three kinds as good or strong', () => {
    const varied = fc
      .tuple(
        fc.string({ minLength: 6, maxLength: 10, unit: fc.constantFrom(...'bcdfghjkmnpqrvwxz'.split('')) }),
        fc.string({ minLength: 5, maxLength: 8, unit: fc.constantFrom(...'BCDFGHJKMNPQRVWXZ'.split('')) }),
        fc.string({ minLength: 5, maxLength: 8, unit: fc.constantFrom(...'0123456789'.split('')) }),
      )
      .chain(([a, b, c]) => fc.shuffledSubarray([...a, ...b, ...c], { minLength: a.length + b.length + c.length }).map((cs) => cs.join('')));
    fc.assert(
      fc.property(varied, (password) => {
        fc.pre(!isCommonPassword(password) && new Set(password).size >= 4);
        expect(passwordStrength(password, MIN_PASSWORD_LENGTH).score).toBeGreaterThanOrEqual(3);
      }),
      RUNS,
    );
  });
});

describe('the new-password fields', () => {
  it('find nothing wrong exactly when the password is long enough and typed the same twice, and say which field is wrong', () => {
    fc.assert(
      fc.property(anyPassword, fc.oneof(anyPassword, fc.constant(null)), minLength, (password, other, min) => {
        const repeat = other ?? password;
        const errors = newPasswordErrors(password, repeat, min);
        const fine = [...password].length >= min && repeat === password;
        expect(Object.keys(errors).length === 0).toBe(fine);
        expect(errors.repeat !== undefined).toBe(repeat !== password);
        if ([...password].length > 0 && [...password].length < min) expect(errors.password).toContain(`at least ${min} characters`);
      }),
      RUNS,
    );
  });
});

describe('the recovery key as shown', () => {
  it('is the key itself once its spaces are taken out, in groups of at most four after AGE-SECRET-KEY-1', () => {
    const bech32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'.toUpperCase();
    fc.assert(
      fc.property(fc.string({ minLength: 58, maxLength: 58, unit: fc.constantFrom(...bech32.split('')) }), (body) => {
        const key = `AGE-SECRET-KEY-1${body}`;
        const shown = groupRecoveryKey(key);
        expect(shown.replace(/ /g, '')).toBe(key);
        const [prefix, ...groups] = shown.split(' ');
        expect(prefix).toBe('AGE-SECRET-KEY-1');
        for (const g of groups) expect([1, 2, 3, 4]).toContain(g.length);
      }),
      RUNS,
    );
  });
});
