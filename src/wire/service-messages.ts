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
