import fc from 'fast-check';
import { z } from 'zod';
import { isPubEntry, isUpdEntry } from '../../src/wire/messages.js';

// The batch entries are checked by plain predicates (a zod tuple per entry costs more than
// parsing it); they must accept exactly what these zod tuples accept.
const name = z.string().min(1).max(1024);
const stamp = z.string().regex(/^[0-9a-f]{16}$/);
const revision = z.number().int().nonnegative();
const pubEntry = z.union([z.tuple([name, stamp]), z.tuple([name, stamp, z.unknown()])]);
const updEntry = z.union([z.tuple([name, stamp, revision]), z.tuple([name, stamp, revision, z.unknown()])]);

const part = fc.oneof(
  fc.constantFrom('a/b', '', 'x'.repeat(1024), 'x'.repeat(1025), '0190a3c2b5e10000', '0190A3C2B5E10000', '0190a3c2b5e1000', '0190a3c2b5e100000'),
  fc.string({ maxLength: 20 }),
  fc.stringMatching(/^[0-9a-f]{16}$/),
  fc.constantFrom(0, 1, -1, 1.5, 2 ** 53, 2 ** 53 - 1, Number.NaN, Number.POSITIVE_INFINITY, -0),
  fc.integer(),
  fc.constantFrom(null, undefined, true, {}, [], { fqn: 'a/b' }),
);
const candidate = fc.oneof(fc.array(part, { maxLength: 5 }), part);

test('isPubEntry accepts exactly what the zod tuple [fqn, stamp, value?] accepts', () => {
  fc.assert(fc.property(candidate, (entry) => isPubEntry(entry) === pubEntry.safeParse(entry).success), { numRuns: 5000 });
});

test('isUpdEntry accepts exactly what the zod tuple [fqn, stamp, rev, value?] accepts', () => {
  fc.assert(fc.property(candidate, (entry) => isUpdEntry(entry) === updEntry.safeParse(entry).success), { numRuns: 5000 });
});

test('the predicates on typical entries', () => {
  expect(isPubEntry(['a/b', '0190a3c2b5e10000', { n: 1 }])).toBe(true);
  expect(isPubEntry(['a/b', '0190a3c2b5e10000'])).toBe(true);
  expect(isPubEntry(['a/b', '0190a3c2b5e10000', 1, 2])).toBe(false);
  expect(isUpdEntry(['a/b', '0190a3c2b5e10000', 7, 'v'])).toBe(true);
  expect(isUpdEntry(['a/b', '0190a3c2b5e10000', -1, 'v'])).toBe(false);
  expect(isUpdEntry(['a/b', '0190a3c2b5e10000', 1.5])).toBe(false);
});
