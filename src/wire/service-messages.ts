// The messages of services (request/reply): every type begins with `sv` (registrations), `rq`
// (requests) or `rp` (replies). See docs/PROTOCOL.md, "Services".
import * as z from 'zod/mini';

const MAX_NAME = 1024;
const name = z.string().check(z.minLength(1), z.maxLength(MAX_NAME));
const count = z.number().check(z.int(), z.nonnegative());
const instanceId = z.string().check(z.regex(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/));
const stamp = z.string().check(z.regex(/^[0-9a-f]{16}$/));
/** A request's or reply's payload: any JSON value; absent is `undefined`. */
const value = z.optional(z.unknown());
/** A queue group's name. */
const queue = z.string().check(z.minLength(1), z.maxLength(256));
/** A handler's error code crosses as it was thrown (not only `VS_…`), bounded. */
const remoteCode = z.string().check(z.minLength(1), z.maxLength(64));
const message = z.string().check(z.maxLength(2048));

// ---- client → hub ----

/** Serve the FQN or pattern `name` as registration `sv` (the client's own number), in queue group `queue`. The hub answers `svok` or `svno`. */
export const svAddSchema = z.object({ t: z.literal('svadd'), sv: count, name, queue: z.optional(queue) });

/** Withdraw registration `sv` (requests already delivered are still answered). */
export const svDelSchema = z.object({ t: z.literal('svdel'), sv: count });

/** A request `id` (the requester's own number) to the service `fqn`. */
export const rqSchema = z.object({ t: z.literal('rq'), id: count, fqn: name, value });

/** Cancel request `id`: from a requester, its own request (aborted, timed out); from the hub, a request delivered to the server. */
export const rqxSchema = z.object({ t: z.literal('rqx'), id: count });

/** The reply to request `id` (from a server: the hub's number of the delivered request; to a requester: its own). */
export const rpSchema = z.object({ t: z.literal('rp'), id: count, value });

/**
 * Request `id` failed. From a server: its handler threw (`code`, `message`). To a requester:
 * `remote` when a handler threw (a `RemoteError`), else the hub's refusal (`VS_NO_RESPONDERS`,
 * `VS_FORBIDDEN`, `VS_CLOSED`, `VS_INVALID_VALUE`, …).
 */
export const rpErrSchema = z.object({ t: z.literal('rperr'), id: count, code: remoteCode, message, remote: z.optional(z.boolean()) });

// ---- hub → client ----

/** Registration `sv` is in place. */
export const svOkSchema = z.object({ t: z.literal('svok'), sv: count });

/** Registration `sv` was refused (`code`: `VS_FORBIDDEN`, `VS_BAD_NAME`, …); nothing changed. */
export const svNoSchema = z.object({ t: z.literal('svno'), sv: count, code: remoteCode, message });

/** A request delivered to a server: `id` is the hub's number for it, `sv` the registration it matched, `from` the requester (stamped by the hub). */
export const rqInSchema = z.object({ t: z.literal('rqin'), id: count, sv: count, fqn: name, from: instanceId, stamp, value });

export type SvAddMessage = z.infer<typeof svAddSchema>;
export type SvDelMessage = z.infer<typeof svDelSchema>;
export type RqMessage = z.infer<typeof rqSchema>;
export type RqxMessage = z.infer<typeof rqxSchema>;
export type RpMessage = z.infer<typeof rpSchema>;
export type RpErrMessage = z.infer<typeof rpErrSchema>;
export type SvOkMessage = z.infer<typeof svOkSchema>;
export type SvNoMessage = z.infer<typeof svNoSchema>;
export type RqInMessage = z.infer<typeof rqInSchema>;

// ---- quick checks of the hot messages (a spec holds them to the schemas above) ----

const STAMP = /^[0-9a-f]{16}$/;
const INSTANCE_ID = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isName = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= MAX_NAME;

/**
 * The `rq` or `rp` message `message` is, checked without zod (a hub decodes them most, after
 * `pubs`). Accepts exactly what {@link rqSchema} and {@link rpSchema} accept, and returns the same.
 * @returns the message, or undefined when it is neither (zod then decides).
 * @example quickServiceIn({ t: 'rp', id: 1, value: 3 }) // { t: 'rp', id: 1, value: 3 }
 */
export function quickServiceIn(message: unknown): RqMessage | RpMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { t, id, fqn, value } = message as Record<string, unknown>;
  if (!isCount(id)) return undefined;
  if (t === 'rp') return value === undefined ? { t, id } : { t, id, value };
  if (t !== 'rq' || !isName(fqn)) return undefined;
  return value === undefined ? { t, id, fqn } : { t, id, fqn, value };
}

/**
 * The `rqin` or `rp` message `message` is, checked without zod (what a serving or requesting link
 * decodes most). Accepts exactly what {@link rqInSchema} and {@link rpSchema} accept, and returns the same.
 * @returns the message, or undefined when it is neither (zod then decides).
 */
export function quickServiceOut(message: unknown): RqInMessage | RpMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { t, id, sv, fqn, from, stamp, value } = message as Record<string, unknown>;
  if (!isCount(id)) return undefined;
  if (t === 'rp') return value === undefined ? { t, id } : { t, id, value };
  if (t !== 'rqin' || !isCount(sv) || !isName(fqn) || typeof from !== 'string' || !INSTANCE_ID.test(from)) return undefined;
  if (typeof stamp !== 'string' || !STAMP.test(stamp)) return undefined;
  return value === undefined ? { t, id, sv, fqn, from, stamp } : { t, id, sv, fqn, from, stamp, value };
}
