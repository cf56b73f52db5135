import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import type { ConnectOptions, ConnectTarget } from './connect.js';
import { fnOption, heartbeatOption, isThenable, objectWith, parseOptions, type CoversKeys } from '../wire/parse-options.js';

const positiveMs = z.number().positive();

const shape = {
  space: objectWith('Space', ['intern', 'resolve', 'match']),
  attributes: z.record(z.string(), z.string()),
  reconnect: z.union([
    z.boolean(),
    z.strictObject({
      initialDelayMs: z.number().nonnegative().optional(),
      maxDelayMs: z.number().nonnegative().optional(),
      factor: z.number().positive().optional(),
      maxAttempts: z.number().int().nonnegative().optional(),
      random: fnOption.optional(),
      onRetry: fnOption.optional(),
    }),
  ]),
  welcomeTimeoutMs: positiveMs,
  connectTimeoutMs: positiveMs,
  heartbeat: heartbeatOption,
  takeover: z.boolean(),
  now: fnOption,
  token: z.string(),
  WebSocket: fnOption,
};
const connectOptionsSchema = z.strictObject(shape).partial();
// Fails to compile when ConnectOptions gains a key this schema lacks.
type Covered = CoversKeys<ConnectOptions, typeof shape>;

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
    url = new URL(target, (globalThis as { location?: { href?: string } }).location?.href);
  } catch {
    url = undefined;
  }
  if (!url || !URL_PROTOCOLS.has(url.protocol)) throw new ValidationError(`${JSON.stringify(target)} is not a hub URL (ws://, wss://, http:// or https://, e.g. ws://127.0.0.1:7070)`, { url: target });
  return target;
}

/**
 * Checks `connect`'s target and options before anything opens: a hub URL (see {@link checkHubUrl}),
 * a transport or a function; strict, typed options.
 * @throws {ValidationError} (`VS_INVALID_VALUE`) for a bad URL, unknown key, wrong type, or a
 *   Promise where a value belongs ("did you forget await?").
 * @example checkConnect('ws://127.0.0.1:7070', { space })
 */
export function checkConnect(target: ConnectTarget, options: ConnectOptions): void {
  if (isThenable(target)) throw new ValidationError('connect target refused: a Promise where a value belongs (did you forget await?)');
  if (typeof target === 'string') checkHubUrl(target);
  else if (typeof target !== 'function') parseOptions(objectWith('Transport', ['send', 'listen', 'close']), target, 'connect target');
  parseOptions(connectOptionsSchema, options, 'connect options');
}
