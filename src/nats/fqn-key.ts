import { ValidationError } from '../core/errors.js';

/** Characters a NATS KV key holds as they are: letters, digits, `-`, `/` and the token separator `.`. */
const PLAIN = /^[A-Za-z0-9\-/.]*$/;
const HEX = '0123456789ABCDEF';
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The NATS KV key of a var's FQN. A bijection: letters, digits, `-`, `/` and `.` stay as they
 * are (an FQN's dots are the key's token separators, so a pattern maps to a KV watch filter);
 * every other character — `_`, `$`, `+`, `!`, `?`, `'`, anything beyond ASCII — becomes `_XX` per
 * UTF-8 byte (upper-case hex). `_` is the escape character, so it is escaped itself.
 * `ui.buttons/button-423` ↔ `ui.buttons/button-423`; `$sys.instances/a_b` ↔ `_24sys.instances/a_5Fb`.
 * @example fqnToKey('$sys.hubs/h1') // '_24sys.hubs/h1'
 */
export function fqnToKey(fqn: string): string {
  if (PLAIN.test(fqn)) return fqn;
  let key = '';
  for (const char of fqn) {
    if (PLAIN.test(char)) {
      key += char;
      continue;
    }
    for (const byte of encoder.encode(char)) key += `_${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return key;
}

/**
 * The FQN of a NATS KV key made by {@link fqnToKey}.
 * @throws {ValidationError} for a key {@link fqnToKey} does not make (a stray or lower-case escape,
 *   an escaped plain character, bytes that are not UTF-8): the mapping stays one-to-one.
 * @example keyToFqn('_24sys.hubs/h1') // '$sys.hubs/h1'
 */
export function keyToFqn(key: string): string {
  if (!key.includes('_')) {
    if (PLAIN.test(key)) return key;
    throw new ValidationError(`not a varspace KV key: ${key}`);
  }
  const bytes: number[] = [];
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code !== 95 /* _ */) {
      bytes.push(code);
      continue;
    }
    const high = HEX.indexOf(key[i + 1]);
    const low = HEX.indexOf(key[i + 2]);
    if (high < 0 || low < 0 || i + 2 >= key.length) throw new ValidationError(`not a varspace KV key (bad escape): ${key}`);
    bytes.push(high * 16 + low);
    i += 2;
  }
  let fqn: string;
  try {
    fqn = decoder.decode(new Uint8Array(bytes));
  } catch {
    throw new ValidationError(`not a varspace KV key (not UTF-8): ${key}`);
  }
  // Only the canonical key of an FQN decodes: `_2F` for `/`, or a raw character outside the plain set, do not.
  if (fqnToKey(fqn) !== key) throw new ValidationError(`not a varspace KV key (not canonical): ${key}`);
  return fqn;
}
