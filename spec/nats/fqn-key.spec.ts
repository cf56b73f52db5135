import fc from 'fast-check';
import { MissingPackageError, ValidationError } from '../../src/core/errors.js';
import { parseFqn } from '../../src/core/names.js';
import { fqnToKey, keyToFqn } from '../../src/nats/fqn-key.js';
import { loadNats, NATS_PACKAGES } from '../../src/nats/load-nats.js';

/** What NATS accepts as a KV key (nats.js's own check). */
const VALID_KEY = /^[-/=.\w]+$/;

const tokenChar = fc.constantFrom(..."abcXYZ019_-+!?'".split(''));
const token = fc
  .tuple(fc.constantFrom(...'aZ0_'.split('')), fc.array(tokenChar, { maxLength: 6 }))
  .map(([first, rest]) => first + rest.join(''));
const fqn = fc
  .tuple(fc.boolean(), fc.array(token, { minLength: 0, maxLength: 3 }), token)
  .map(([system, path, name]) => `${system ? '$' : ''}${[...path, 'ns'].join('.')}/${name}`)
  .filter((name) => {
    try {
      parseFqn(name);
      return true;
    } catch {
      return false;
    }
  });

test('examples', () => {
  expect(fqnToKey('ui.buttons/button-423')).toBe('ui.buttons/button-423');
  expect(fqnToKey('$sys.instances/a_b')).toBe('_24sys.instances/a_5Fb');
  expect(fqnToKey("a.b/it's+ok!?")).toBe('a.b/it_27s_2Bok_21_3F');
  expect(fqnToKey('é/ü')).toBe('_C3_A9/_C3_BC');
  expect(keyToFqn('_24sys.hubs/h1')).toBe('$sys.hubs/h1');
});

test('every FQN maps to a valid NATS key, and back', () => {
  fc.assert(
    fc.property(fqn, (name) => {
      const key = fqnToKey(name);
      expect(key).toMatch(VALID_KEY);
      expect(key.startsWith('.') || key.endsWith('.')).toBe(false);
      expect(keyToFqn(key)).toBe(name);
    }),
  );
});

test('the mapping is one-to-one on any string: decode(encode(s)) = s, and only canonical keys decode', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), (text) => {
      expect(keyToFqn(fqnToKey(text))).toBe(text);
    }),
  );
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'a/._-2F3'.split('')) }), (key) => {
      let decoded: string | undefined;
      try {
        decoded = keyToFqn(key);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return;
      }
      expect(fqnToKey(decoded)).toBe(key);
    }),
  );
});

test('keys fqnToKey does not make are refused', () => {
  for (const key of ['_2F', '_5f', '_', '_4', 'a_ZZ', 'a b', '_C3']) expect(() => keyToFqn(key)).toThrow(ValidationError);
});

test('a missing @nats-io package gives VS_MISSING_PACKAGE naming what to install', async () => {
  const failing = (name: string) => (name === '@nats-io/kv' ? Promise.reject(new Error(`Cannot find package '${name}'`)) : import(name));
  const refused = loadNats(failing);
  await expect(refused).rejects.toBeInstanceOf(MissingPackageError);
  await expect(refused).rejects.toThrow(`npm install ${NATS_PACKAGES.join(' ')}`);
  const [, kv] = (await loadNats()) as [unknown, { Kvm: unknown }];
  expect(typeof kv.Kvm).toBe('function');
});
