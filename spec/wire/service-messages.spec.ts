import fc from 'fast-check';
import * as z from 'zod/mini';
import { quickServiceIn, quickServiceOut, rpSchema, rqInSchema, rqSchema } from '../../src/wire/service-messages.js';

// The hot service messages are checked without zod (its per-call cost dominates a small
// frame); the quick checks must accept exactly what the zod schemas accept, and return the same.
const part = fc.oneof(
  fc.constantFrom('calc/add', '', 'x'.repeat(1024), 'x'.repeat(1025), '0190a3c2b5e10000', '0190A3C2B5E10000', 'id-1', 'bad id', '-x'),
  fc.constantFrom(0, 1, -1, 1.5, 2 ** 53, 2 ** 53 - 1, Number.NaN, Number.POSITIVE_INFINITY, -0),
  fc.constantFrom(null, true, {}, [], 'rq', 'rp', 'rqin', 'rqx'),
  fc.jsonValue(),
);
const KEYS = ['t', 'id', 'sv', 'fqn', 'from', 'stamp', 'value'] as const;
const good = fc.record({
  t: fc.constantFrom('rq', 'rp', 'rqin'),
  id: fc.nat(),
  sv: fc.nat(),
  fqn: fc.constantFrom('calc/add', 'a.b/c'),
  from: fc.constantFrom('550e8400-e29b-41d4-a716-446655440000', 'x'),
  stamp: fc.stringMatching(/^[0-9a-f]{16}$/),
  value: fc.jsonValue(),
});
/** A good message with one field changed or dropped: messages near the line. */
const nearly = fc.tuple(good, fc.constantFrom(...KEYS), part, fc.boolean()).map(([message, key, replacement, drop]) => {
  const copy: Record<string, unknown> = { ...message };
  if (drop) delete copy[key];
  else copy[key] = replacement;
  return copy;
});
const inSchema = z.union([rqSchema, rpSchema]);
const outSchema = z.union([rqInSchema, rpSchema]);

function agrees(quick: (m: unknown) => unknown, schema: z.ZodMiniType, message: unknown): void {
  const parsed = schema.safeParse(message);
  const checked = quick(message);
  if (parsed.success) expect(checked).toEqual(parsed.data);
  else expect(checked).toBeUndefined();
}

test('quickServiceIn accepts exactly what the rq and rp schemas accept, and returns the same', () => {
  fc.assert(
    fc.property(fc.oneof(good, nearly, part), (message) => agrees(quickServiceIn, inSchema, message)),
    { numRuns: 3000 },
  );
});

test('quickServiceOut accepts exactly what the rqin and rp schemas accept, and returns the same', () => {
  fc.assert(
    fc.property(fc.oneof(good, nearly, part), (message) => agrees(quickServiceOut, outSchema, message)),
    { numRuns: 3000 },
  );
});
