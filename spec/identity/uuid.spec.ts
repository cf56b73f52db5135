import { validate, version } from 'uuid';
import { isUuid, randomUuid } from '../../src/identity/uuid.js';

// Checked against the `uuid` package (a dev dependency) as an independent oracle.
test('randomUuid makes distinct version-4 UUIDs that the uuid package validates', () => {
  const made = Array.from({ length: 200 }, () => randomUuid());
  for (const id of made) {
    expect(validate(id)).toBe(true);
    expect(version(id)).toBe(4);
  }
  expect(new Set(made).size).toBe(made.length);
});

test('without crypto.randomUUID (a page served over plain http), randomUuid still makes version-4 UUIDs', () => {
  const original = crypto.randomUUID;
  Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true, writable: true });
  try {
    const made = Array.from({ length: 200 }, () => randomUuid());
    for (const id of made) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(4);
    }
    expect(new Set(made).size).toBe(made.length);
  } finally {
    Object.defineProperty(crypto, 'randomUUID', { value: original, configurable: true, writable: true });
  }
});

test('isUuid agrees with the uuid package on canonical UUIDs of every version and on malformed ones', () => {
  const samples = [
    randomUuid(),
    '6ba7b810-9dad-11d1-80b4-00c04fd430c8', // v1
    '017f22e2-79b0-7cc3-98c4-dc0c0c07398f', // v7
    '00000000-0000-0000-0000-000000000000',
    'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
    '6BA7B810-9DAD-11D1-80B4-00C04FD430C8',
    '6ba7b810-9dad-01d1-80b4-00c04fd430c8', // version 0
    '6ba7b810-9dad-11d1-c0b4-00c04fd430c8', // bad variant
    '6ba7b8109dad11d180b400c04fd430c8',
    'not-a-uuid',
    '',
    ' 6ba7b810-9dad-11d1-80b4-00c04fd430c8',
  ];
  for (const sample of samples) expect([sample, isUuid(sample)]).toEqual([sample, validate(sample)]);
});
