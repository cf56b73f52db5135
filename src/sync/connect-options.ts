import * as z from 'zod/mini';
import { ValidationError } from '../core/errors.js';
import type { ConnectOptions, ConnectTarget } from './connect.js';
import { fnOption, heartbeatOption, isThenable, objectWith, parseOptions, type CoversKeys } from '../wire/parse-options.js';

const positive = z.number().check(z.positive());
const nonNegative = z.number().check(z.nonnegative());

const shape = {
  space: objectWith('Space', ['intern', 'resolve', 'match']),
  attributes: z.record(z.string(), z.string()),
  reconnect: z.union([
    z.boolean(),
    z.strictObject({
      initialDelayMs: z.optional(nonNegative),
      maxDelayMs: z.optional(nonNegative),
      factor: z.optional(positive),
      maxAttempts: z.optional(z.number().check(z.int(), z.nonnegative())),
      random: z.optional(fnOption),
      onRetry: z.optional(fnOption),
    }),
  ]),
  welcomeTimeoutMs: positive,
  connectTimeoutMs: positive,
  heartbeat: heartbeatOption,
  takeover: z.boolean(),
  now: fnOption,
  token: z.string(),
  WebSocket: fnOption,
  persist: objectWith('Persister', ['load', 'save', 'close']),
  offline: z.boolean(),
  maxBufferedEvents: z.number().check(z.int(), z.nonnegative()),
};
const connectOptionsSchema = z.partial(z.strictObject(shape));
// Fails to compile when ConnectOptions gains a key this schema lacks.
type _Covered = CoversKeys<ConnectOptions, typeof shape>;

const URL_PROTOCOLS = new Set(['ws:', 'wss:', 'http:', 'https:']);

/**
 * Checks a hub URL: `ws://`, `wss://`, `http://` or `https://` (a page may name its hub relative to
 * itself; elsewhere the URL must be absolute).
 * @throws {ValidationError} (`VS_INVALID_VALUE`) for anything else.
 * @example checkHubUrl('ws://127.0.0.1:7070') // 'ws://127.0.0.1:7070'
 */
export function checkHubUrl(target: string): string {
  let url: URL | undefined;
  try {
    // Not a string (an element of a URL list): refused below, not turned into a relative URL.
    url = typeof target === 'string' ? new URL(target, (globalThis as { location?: { href?: string } }).location?.href) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !URL_PROTOCOLS.has(url.protocol))
    throw new ValidationError(`${JSON.stringify(target)} is not a hub URL (ws://, wss://, http:// or https://, e.g. ws://127.0.0.1:7070)`, {
      url: target,
    });
  return target;
}

/**
 * Checks `connect`'s target and options before anything opens: a hub URL (see {@link checkHubUrl}),
 * a non-empty list of them, a transport or a function; strict, typed options.
 * @throws {ValidationError} (`VS_INVALID_VALUE`) for a bad URL (alone or in a list), an empty list,
 *   unknown key, wrong type, or a Promise where a value belongs ("did you forget await?").
 * @example checkConnect('ws://127.0.0.1:7070', { space })
 */
export function checkConnect(target: ConnectTarget, options: ConnectOptions): void {
  if (isThenable(target)) throw new ValidationError('connect target refused: a Promise where a value belongs (did you forget await?)');
  if (typeof target === 'string') checkHubUrl(target);
  else if (Array.isArray(target)) {
    if (target.length === 0) throw new ValidationError('connect needs at least one hub URL (got an empty list)');
    for (const url of target) checkHubUrl(url);
  } else if (typeof target !== 'function') parseOptions(objectWith('Transport', ['send', 'listen', 'close']), target, 'connect target');
  parseOptions(connectOptionsSchema, options, 'connect options');
}
