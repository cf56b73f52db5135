import { jest } from '@jest/globals';
import fc from 'fast-check';
import { z } from 'zod';
import { isPubEntry, isUpdEntry, pubsSchema, quickPubs, quickUpds, updsSchema } from '../../src/wire/messages.js';

// The batch entries are checked by plain predicates (a zod tuple per entry costs more than
// parsing it), and the batch messages by quick checks (zod's per-call cost dominates a small
// frame); they must accept exactly what the zod schemas accept, and return the same.
const name = z.string().min(1).max(1024);
const stamp = z.string().regex(/^[0-9a-f]{16}$/);
const revision = z.number().int().nonnegative();
const pubEntry = z.union([z.tuple([name, stamp]), z.tuple([name, stamp, z.unknown()])]);
const updEntry = z.union([z.tuple([name, stamp, revision]), z.tuple([name, stamp, revision, z.unknown()])]);

const part = fc.oneof(
  fc.constantFrom(
    'a/b',
    '',
    'x'.repeat(1024),
    'x'.repeat(1025),
    '0190a3c2b5e10000',
    '0190A3C2B5E10000',
    '0190a3c2b5e1000',
    '0190a3c2b5e100000',
  ),
  fc.string({ maxLength: 20 }),
  fc.stringMatching(/^[0-9a-f]{16}$/),
  fc.constantFrom(0, 1, -1, 1.5, 2 ** 53, 2 ** 53 - 1, Number.NaN, Number.POSITIVE_INFINITY, -0),
  fc.integer(),
  fc.constantFrom(null, undefined, true, {}, [], { fqn: 'a/b' }),
);
const goodPub = fc
  .tuple(fc.constantFrom('a/b', 'ui.buttons/b1'), fc.stringMatching(/^[0-9a-f]{16}$/), fc.jsonValue())
  .map(([f, st, v]) => [f, st, v]);
const goodUpd = fc
  .tuple(fc.constantFrom('a/b', 'ui.buttons/b1'), fc.stringMatching(/^[0-9a-f]{16}$/), fc.nat(), fc.jsonValue())
  .map(([f, st, r, v]) => [f, st, r, v]);
/** A good entry with one place changed, or cut short, or made longer: entries near the line. */
const nearly = (good: fc.Arbitrary<unknown[]>) =>
  fc.tuple(good, fc.nat(4), part, fc.constantFrom('set', 'cut', 'grow', 'keep')).map(([entry, at, replacement, how]) => {
    const copy = [...entry];
    if (how === 'set') copy[at % copy.length] = replacement;
    else if (how === 'cut') copy.length = at % copy.length;
    else if (how === 'grow') copy.push(replacement);
    return copy;
  });
const candidate = fc.oneof(fc.array(part, { maxLength: 5 }), part, nearly(goodPub), nearly(goodUpd));

/** A check, and the zod schema that says what it must accept. */
type Checked = [name: string, check: (x: unknown) => unknown, schema: { safeParse(x: unknown): { success: boolean; data?: unknown } }];

test.each<Checked>([
  ['isPubEntry', isPubEntry, pubEntry],
  ['isUpdEntry', isUpdEntry, updEntry],
])('%s accepts exactly what its zod tuple accepts', (_name, predicate, schema) => {
  let accepted = 0;
  fc.assert(
    fc.property(candidate, (entry) => {
      const ok = schema.safeParse(entry).success;
      if (ok) accepted++;
      return predicate(entry) === ok;
    }),
    { numRuns: 5000 },
  );
  expect(accepted).toBeGreaterThan(50);
});

test('the predicates on typical entries', () => {
  expect(isPubEntry(['a/b', '0190a3c2b5e10000', { n: 1 }])).toBe(true);
  expect(isPubEntry(['a/b', '0190a3c2b5e10000'])).toBe(true);
  expect(isPubEntry(['a/b', '0190a3c2b5e10000', 1, 2])).toBe(false);
  expect(isUpdEntry(['a/b', '0190a3c2b5e10000', 7, 'v'])).toBe(true);
  expect(isUpdEntry(['a/b', '0190a3c2b5e10000', -1, 'v'])).toBe(false);
  expect(isUpdEntry(['a/b', '0190a3c2b5e10000', 1.5])).toBe(false);
});

const entries = (good: fc.Arbitrary<unknown[]>) =>
  fc.array(fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: candidate }), { maxLength: 4 });
const from = fc.oneof(
  fc.uuid(),
  fc.constantFrom('_x', '-x', 'a'.repeat(64), 'a'.repeat(65), 'a b', ''),
  fc.string({ maxLength: 8 }),
  fc.integer(),
);
const pubsLike = fc.oneof(
  fc.record(
    { t: fc.constantFrom('pubs', 'pub', 'upds'), w: fc.oneof({ weight: 5, arbitrary: entries(goodPub) }, { weight: 1, arbitrary: part }) },
    { requiredKeys: ['t'] },
  ),
  fc.record({ t: fc.constant('pubs'), w: entries(goodPub), extra: fc.anything() }),
  part,
);
const updsLike = fc.oneof(
  fc.record(
    {
      t: fc.constantFrom('upds', 'pubs', 'upd'),
      from,
      u: fc.oneof({ weight: 5, arbitrary: entries(goodUpd) }, { weight: 1, arbitrary: part }),
    },
    { requiredKeys: ['t'] },
  ),
  fc.record({ t: fc.constant('upds'), from: fc.uuid(), u: entries(goodUpd), extra: fc.anything() }),
  part,
);

test.each<[...Checked, fc.Arbitrary<unknown>]>([
  ['quickPubs', quickPubs, pubsSchema, pubsLike],
  ['quickUpds', quickUpds, updsSchema, updsLike],
])('%s accepts exactly what its zod schema accepts, and returns what it returns', (_name, quick, schema, arbitrary) => {
  const seen = { accepted: 0, refused: 0 };
  fc.assert(
    fc.property(arbitrary, (message) => {
      const zod = schema.safeParse(message);
      const checked = quick(message);
      expect(checked !== undefined).toBe(zod.success);
      if (zod.success) expect(checked).toEqual(zod.data);
      seen[zod.success ? 'accepted' : 'refused']++;
    }),
    { numRuns: 3000 },
  );
  // both sides of the line are well explored
  expect(seen.accepted).toBeGreaterThan(300);
  expect(seen.refused).toBeGreaterThan(300);
});

test('quickUpds checks every new writer id, also the ones after an id it has just accepted', () => {
  const entry = ['a/b', '0190a3c2b5e10000', 3, 1];
  expect(quickUpds({ t: 'upds', from: '', u: [entry] })).toBeUndefined();
  expect(quickUpds({ t: 'upds', from: 'w-1', u: [entry] })).toEqual({ t: 'upds', from: 'w-1', u: [entry] });
  expect(quickUpds({ t: 'upds', from: 'w-1', u: [entry] })).toEqual({ t: 'upds', from: 'w-1', u: [entry] });
  for (const bad of ['', '-w', 'w 1', 'w"1', 'a'.repeat(65)]) expect(quickUpds({ t: 'upds', from: bad, u: [entry] })).toBeUndefined();
  expect(quickUpds({ t: 'upds', from: 'w-1', u: [entry] })).toBeDefined();
  // a sequence of writers, each judged as zod judges it
  fc.assert(
    fc.property(fc.array(from, { maxLength: 8 }), (ids) => {
      for (const id of ids)
        expect(quickUpds({ t: 'upds', from: id, u: [entry] }) !== undefined).toBe(
          updsSchema.safeParse({ t: 'upds', from: id, u: [entry] }).success,
        );
    }),
    { numRuns: 500 },
  );
});

test('quickUpds refuses an empty writer id as its very first check (nothing accepted before)', async () => {
  await jest.isolateModulesAsync(async () => {
    const fresh = (await import('../../src/wire/messages.js')) as typeof import('../../src/wire/messages.js');
    expect(fresh.quickUpds({ t: 'upds', from: '', u: [['a/b', '0190a3c2b5e10000', 3, 1]] })).toBeUndefined();
  });
});
