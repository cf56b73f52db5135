/** A UUID of any version, in its canonical text form (as the `uuid` package's `validate` accepts it), or the nil and max UUIDs. */
const UUID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/i;

const HEX = Array.from({ length: 256 }, (_, byte) => (byte + 0x100).toString(16).slice(1));

/**
 * A random (version 4) UUID. `crypto.randomUUID` where the runtime has it (Node, browsers in a
 * secure context); otherwise made from `crypto.getRandomValues`, which plain-http pages have too.
 * @example const instanceId = randomUuid(); // '6f1c…-…'
 */
export function randomUuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const h = Array.from(bytes, (byte) => HEX[byte]);
  return `${h[0]}${h[1]}${h[2]}${h[3]}-${h[4]}${h[5]}-${h[6]}${h[7]}-${h[8]}${h[9]}-${h.slice(10).join('')}`;
}

/**
 * Whether `value` is a UUID in canonical form (any version).
 * @example isUuid(randomUuid()) // true
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
