/**
 * Bech32 (BIP 173) as age uses it for keys: `age1…` recipients and `AGE-SECRET-KEY-1…`
 * identities. As the age spec says, without BIP 173's 90-character limit, all lowercase or
 * all uppercase (never mixed), and the checksum always computed over the lowercase string.
 * Plain Bech32, not Bech32m (checksum constant 1).
 */

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
const VALUE = new Map([...CHARSET].map((c, i) => [c, i]));

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i += 1) if ((top >>> i) & 1) chk = (chk ^ GENERATOR[i]!) >>> 0;
  }
  return chk;
}

function hrpExpand(hrp: string): number[] {
  const codes = [...hrp].map((c) => c.charCodeAt(0));
  return [...codes.map((c) => c >>> 5), 0, ...codes.map((c) => c & 31)];
}

/** Regroups bits; `pad` adds zero bits to complete the last group (encoding), else they must be zero and fewer than `from`. */
function convertBits(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] | undefined {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const max = (1 << to) - 1;
  for (let i = 0; i < data.length; i += 1) {
    acc = (acc << from) | data[i]!;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >>> bits) & max);
    }
    acc &= (1 << bits) - 1;
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & max);
  } else if (bits >= from || acc !== 0) {
    return undefined;
  }
  return out;
}

/** Encodes `data` under `hrp`, in lowercase (an uppercase hrp gives an uppercase string). */
export function bech32Encode(hrp: string, data: Uint8Array): string {
  const lower = hrp.toLowerCase();
  const words = convertBits(data, 8, 5, true)!;
  const mod = polymod([...hrpExpand(lower), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  const text = `${lower}1${[...words, ...checksum].map((w) => CHARSET[w]).join('')}`;
  return hrp === lower ? text : text.toUpperCase();
}

/**
 * Decodes a Bech32 string. `hrp` is returned as written (its case tells the two apart:
 * `age` vs `AGE-SECRET-KEY-`). Returns a reason instead of throwing, so a caller can say
 * what was wrong with the key a person typed.
 */
export function bech32Decode(text: string): { hrp: string; data: Uint8Array } | { error: string } {
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) return { error: 'it mixes upper and lower case' };
  for (const c of text) {
    const code = c.charCodeAt(0);
    if (code < 33 || code > 126) return { error: 'it contains a space or a character that is not ASCII' };
  }
  const lower = text.toLowerCase();
  const separator = lower.lastIndexOf('1');
  if (separator < 1) return { error: 'it has no "1" separator after its prefix' };
  if (lower.length - separator - 1 < 6) return { error: 'it is too short' };
  const words: number[] = [];
  for (const c of lower.slice(separator + 1)) {
    const v = VALUE.get(c);
    if (v === undefined) return { error: `it contains "${c}", which is not a Bech32 character` };
    words.push(v);
  }
  if (polymod([...hrpExpand(lower.slice(0, separator)), ...words]) !== 1) return { error: 'its checksum does not match (a character is mistyped or missing)' };
  const bytes = convertBits(words.slice(0, -6), 5, 8, false);
  if (!bytes) return { error: 'its data has invalid padding' };
  return { hrp: text.slice(0, separator), data: Uint8Array.from(bytes) };
}
