// How the inspector writes values, times and attributes as text.

/**
 * A value as one line of JSON, cut to `limit` characters (with `…`); `unbound` for a var that has
 * no value yet. Values JSON cannot write (a cycle, a BigInt) fall back to `String(value)`.
 *
 * @example shortJson({ a: 1 }, true) // '{"a":1}'
 */
export function shortJson(value: unknown, bound: boolean, limit = 160): string {
  if (!bound) return 'unbound';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/**
 * The wall time in a hybrid-clock stamp (its first 12 hex digits are epoch ms).
 *
 * @returns epoch ms, or undefined for no stamp or one that does not start with hex digits.
 */
export function stampTime(stamp: string | undefined): number | undefined {
  if (!stamp) return undefined;
  const ms = parseInt(stamp.slice(0, 12), 16);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A local time of day to the millisecond (`14:03:07.042`); '' for undefined.
 *
 * @example clockText(stampTime(entry.stamp))
 */
export function clockText(ms: number | undefined): string {
  if (ms === undefined) return '';
  const date = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/**
 * An instance's attributes as `key=value` pairs joined by spaces; '' when it has none.
 *
 * @example attributesText({ appName: 'dash', role: 'ui' }) // 'appName=dash role=ui'
 */
export function attributesText(attributes: Readonly<Record<string, string>>): string {
  return Object.entries(attributes)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
}
