import { z } from 'zod';
import { fnOption, heartbeatOption, isThenable, objectWith, parseOptions, type CoversKeys } from '../wire/parse-options.js';
import { checkAccessRules } from './access.js';
import { checkAllowedHosts } from './host-guard.js';
import { resolveLimits } from './limits.js';
import type { StartHubOptions } from './start-hub.js';

const positiveMs = z.number().positive();
const anObject = (name: string) =>
  z.custom<object>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), `expected ${name}`);

// Limits and access rules are only checked to be objects here: their own schemas (`resolveLimits`,
// `checkAccessRules`) judge them, with messages that name the bad limit or pattern.
const shape = {
  space: objectWith('Space', ['intern', 'resolve', 'match']),
  store: objectWith('Store', ['get', 'put', 'records', 'close']),
  helloTimeoutMs: positiveMs,
  resumeTtlMs: z.number().nonnegative(),
  now: fnOption,
  authorize: anObject('access rules (an object)'),
  limits: anObject('limits (an object)'),
  heartbeat: heartbeatOption,
  appTypes: z.array(objectWith('AppType (from defineAppType)', [])),
  ownership: z.strictObject({ graceMs: z.number().nonnegative().optional(), onLeave: z.enum(['unmap', 'stale']).optional() }),
  logger: objectWith('Logger', ['log']),
  secret: z.string(),
  maxClockDriftMs: z.number().nonnegative(),
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1),
  authenticate: fnOption,
  allowedOrigins: z.array(z.string()),
  allowedHosts: z.array(z.string()),
  backlog: z.number().int().positive(),
  serve: fnOption,
};
const startHubOptionsSchema = z.strictObject(shape).partial();
// Fails to compile when StartHubOptions gains a key this schema lacks.
type _Covered = CoversKeys<StartHubOptions, typeof shape>;

/**
 * Checks `startHub`'s options before anything starts (no port bound, no store read). A store
 * passed as a Promise (`store: fileStore(dir)` without `await`) is closed once it opens, so that
 * the corrected call can open the same directory.
 * @throws {ValidationError} (`VS_INVALID_VALUE`) for an unknown key, a wrong type, a Promise where a
 *   value belongs ("did you forget await?"), an `allowedHosts` entry with a port, a bad limit or
 *   rule; {@link NameError} for a bad pattern in a rule.
 * @example await checkStartHubOptions({ port: 0, store: await fileStore(dir) })
 */
export async function checkStartHubOptions(options: StartHubOptions): Promise<void> {
  const store: unknown = (options as { store?: unknown } | undefined)?.store;
  if (isThenable(store)) {
    try {
      await ((await store) as { close?: () => unknown } | undefined)?.close?.();
    } catch {
      // The store failed to open or close: the error below is the one the caller can act on.
    }
  }
  parseOptions(startHubOptionsSchema, options, 'startHub options');
  if (options.allowedHosts) checkAllowedHosts(options.allowedHosts);
  if (options.authorize) checkAccessRules(options.authorize);
  resolveLimits(options.limits);
}
