import * as z from 'zod/mini';
import { evGapSchema, evOkSchema, evPubSchema, evSubErrSchema, evSubSchema, evsSchema, evUnsubSchema } from './event-messages.js';
import {
  rpErrSchema,
  rpSchema,
  rqInSchema,
  rqSchema,
  rqxSchema,
  svAddSchema,
  svDelSchema,
  svNoSchema,
  svOkSchema,
} from './service-messages.js';

/** The protocol versions this build speaks (the newest last). */
export const PROTOCOL_VERSIONS: readonly number[] = [1];

const STAMP = /^[0-9a-f]{16}$/;
/** A hybrid-logical-clock stamp: 12 hex digits of wall ms then 4 of counter; compares as a string. */
const stamp = z.string().check(z.regex(STAMP, 'a stamp is 16 lowercase hex digits'));
/**
 * An instance id: the hub's UUIDs, or any id a client resumes with, limited to name-token
 * characters, so that it is a valid `$sys.instances/<id>` name and needs no escaping in JSON.
 */
const INSTANCE_ID = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
const instanceId = z.string().check(z.regex(INSTANCE_ID, 'an instance id is 1–64 letters, digits, "_" or "-"'));
const MAX_NAME = 1024;
const name = z.string().check(z.minLength(1), z.maxLength(MAX_NAME));
const count = z.number().check(z.int(), z.nonnegative());
const ref = count;
const subId = count;
const revision = count;
/**
 * Values are JSON by construction (frames are JSON). `undefined` has no JSON form: a message
 * without its `value` field carries it (zod checks nothing inside a value: a hub checks its
 * nesting without recursion, see `checkValueLimits`).
 */
const value = z.optional(z.unknown());
const token = z.string().check(z.minLength(1), z.maxLength(256));
const epoch = z.string().check(z.maxLength(64));
const attributes = z
  .record(z.string().check(z.maxLength(64)), z.string().check(z.maxLength(256)))
  .check(z.refine((record) => Object.keys(record).length <= 16, 'at most 16 attributes'));

// The batch entries' checks, the same as the zod schemas above (a spec holds them to it).
const isName = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= MAX_NAME;
/** True when `x` is a well-formed stamp (16 lowercase hex digits). @example isStamp('0190a3c2b5e10000') // true */
export const isStamp = (x: unknown): x is string => typeof x === 'string' && STAMP.test(x);
const isRevision = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

// ---- client → hub ----

/** First message of a client: versions it speaks, its attributes, and (on reconnect) its id and resume token. */
export const helloSchema = z.object({
  t: z.literal('hello'),
  versions: z.array(z.number().check(z.int())).check(z.minLength(1), z.maxLength(16)),
  attributes: z.optional(attributes),
  resume: z.optional(z.object({ id: instanceId, token })),
  /** Replace a live instance that carries the same `attributes.identity`. */
  takeover: z.optional(z.boolean()),
});

/** Follow a pattern: the hub sends matching state (newer than `since`, a hub revision), then `subok`, then live updates. */
export const subSchema = z.object({
  t: z.literal('sub'),
  sid: subId,
  pattern: name,
  since: z.optional(revision),
  epoch: z.optional(epoch),
});

/** Stop a follow. */
export const unsubSchema = z.object({ t: z.literal('unsub'), sid: subId });

/** A write of a shared var. With `ref`, the hub answers `ack` or `err`. */
export const pubSchema = z.object({ t: z.literal('pub'), fqn: name, value, stamp, ref: z.optional(ref), owned: z.optional(z.boolean()) });

/**
 * One write in a `pubs` batch: `[fqn, stamp]` or `[fqn, stamp, value]` (no value: `undefined`,
 * which has no JSON form). Checked by a plain predicate inside the zod schema: a zod tuple per
 * entry costs more than parsing the entry, and batches are the hot path.
 */
export type PubEntry = [fqn: string, stamp: string, value?: unknown];

/** True when `entry` is a well-formed {@link PubEntry}. */
export function isPubEntry(entry: unknown): entry is PubEntry {
  return Array.isArray(entry) && (entry.length === 2 || entry.length === 3) && isName(entry[0]) && isStamp(entry[1]);
}

/** Plain writes of shared vars, batched (the same as a `pub` each, without `ref` or `owned`). */
export const pubsSchema = z.object({
  t: z.literal('pubs'),
  w: z.array(z.custom<PubEntry>(isPubEntry, 'a pubs entry is [fqn, stamp] or [fqn, stamp, value]')).check(z.minLength(1)),
});

/**
 * The `pubs` message `message` is, checked without zod: what a hub decodes most. Accepts exactly
 * what {@link pubsSchema} accepts (a spec holds it to that), and returns the same.
 *
 * @returns the message, or undefined when it is not a well-formed `pubs` (zod then says why).
 */
export function quickPubs(message: unknown): PubsMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { t, w } = message as { t?: unknown; w?: unknown };
  if (t !== 'pubs' || !Array.isArray(w) || w.length === 0) return undefined;
  for (let i = 0; i < w.length; i++) if (!isPubEntry(w[i])) return undefined;
  return { t, w };
}

/** Compare-and-set: applies only if the var's hub revision is still `rev` (0: the var must not exist). */
export const casSchema = z.object({ t: z.literal('cas'), fqn: name, value, stamp, rev: revision, ref });

/** Unmap a var (a stamped tombstone). */
export const delSchema = z.object({ t: z.literal('del'), fqn: name, stamp, ref: z.optional(ref) });

/** Asks the hub to confirm (with `marked`) that it processed every message before this one. */
export const markSchema = z.object({ t: z.literal('mark'), n: count });

/** Keep-alive. */
export const pingSchema = z.object({ t: z.literal('ping'), n: count });
/** Answer to `ping`. */
export const pongSchema = z.object({ t: z.literal('pong'), n: count });

/** A clean goodbye before closing. */
export const byeSchema = z.object({ t: z.literal('bye') });

/** Any message a client may send. */
export const clientMessageSchema = z.discriminatedUnion('t', [
  helloSchema,
  subSchema,
  unsubSchema,
  pubSchema,
  pubsSchema,
  casSchema,
  delSchema,
  markSchema,
  pingSchema,
  pongSchema,
  byeSchema,
  evPubSchema,
  evSubSchema,
  evUnsubSchema,
  ...[svAddSchema, svDelSchema, rqSchema, rqxSchema, rpSchema, rpErrSchema],
]);

// ---- hub → client ----

/** Answer to `hello`: the instance id the hub assigned (or resumed), its resume token, the hub's own id and store epoch. */
export const welcomeSchema = z.object({
  t: z.literal('welcome'),
  version: z.number().check(z.int()),
  id: instanceId,
  token: token,
  hub: instanceId,
  epoch: epoch,
  /** The store's revision when this hub process started: what an earlier process issued after it may have been lost. */
  startRev: z.optional(revision),
  time: z.number(),
});

/**
 * One var's state in an `upds` batch: `[fqn, stamp, rev]` or `[fqn, stamp, rev, value]` (no
 * value: `undefined`). Checked by a plain predicate, as {@link PubEntry}.
 */
export type UpdEntry = [fqn: string, stamp: string, rev: number, value?: unknown];

/** True when `entry` is a well-formed {@link UpdEntry}. */
export function isUpdEntry(entry: unknown): entry is UpdEntry {
  return (
    Array.isArray(entry) && (entry.length === 3 || entry.length === 4) && isName(entry[0]) && isStamp(entry[1]) && isRevision(entry[2])
  );
}

/** The state of vars last written by one instance (`from`, stamped by the hub): values, stamps and hub revisions. */
export const updsSchema = z.object({
  t: z.literal('upds'),
  from: instanceId,
  u: z.array(z.custom<UpdEntry>(isUpdEntry, 'an upds entry is [fqn, stamp, rev] or [fqn, stamp, rev, value]')).check(z.minLength(1)),
});

/** The last instance id {@link quickUpds} found well-formed. */
let lastCheckedFrom: string | undefined;

/**
 * The `upds` message `message` is, checked without zod: what a link decodes most. Accepts exactly
 * what {@link updsSchema} accepts (a spec holds it to that), and returns the same.
 *
 * @returns the message, or undefined when it is not a well-formed `upds` (zod then says why).
 */
export function quickUpds(message: unknown): UpdsMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { t, from, u } = message as { t?: unknown; from?: unknown; u?: unknown };
  if (t !== 'upds' || typeof from !== 'string' || !Array.isArray(u) || u.length === 0) return undefined;
  // A link hears from a few writers: the id checked last is most often the one to check again.
  if (from !== lastCheckedFrom) {
    if (!INSTANCE_ID.test(from)) return undefined;
    lastCheckedFrom = from;
  }
  for (let i = 0; i < u.length; i++) if (!isUpdEntry(u[i])) return undefined;
  return { t, from, u };
}

/** A var was unmapped. */
export const goneSchema = z.object({ t: z.literal('gone'), fqn: name, stamp, from: instanceId, rev: revision });

/** The snapshot of follow `sid` is complete; `rev` is the hub revision it reflects. */
export const subokSchema = z.object({ t: z.literal('subok'), sid: subId, rev: revision });

/** A write with `ref` was accepted. */
export const ackSchema = z.object({ t: z.literal('ack'), ref, stamp, rev: revision });

/** The current state of a var, sent with errors that correct the writer. */
export const currentSchema = z.object({ value, stamp, from: instanceId, rev: revision });

/** A refusal: `ref` names the request; `current` holds the hub's value where the writer should be corrected. */
export const errSchema = z.object({
  t: z.literal('err'),
  code: z.string().check(z.regex(/^VS_[A-Z_]+$/)),
  message: z.string().check(z.maxLength(2048)),
  ref: z.optional(ref),
  sid: z.optional(subId),
  fqn: z.optional(name),
  current: z.optional(currentSchema),
  /** The stamp of the refused write, so its writer knows which of its writes the correction answers. */
  refused: z.optional(stamp),
});

/** Confirms every client message before `mark n` was processed. */
export const markedSchema = z.object({ t: z.literal('marked'), n: count });

/** Any message a hub may send. */
export const hubMessageSchema = z.discriminatedUnion('t', [
  welcomeSchema,
  updsSchema,
  goneSchema,
  subokSchema,
  ackSchema,
  errSchema,
  markedSchema,
  pingSchema,
  pongSchema,
  evOkSchema,
  evsSchema,
  evGapSchema,
  evSubErrSchema,
  ...[svOkSchema, svNoSchema, rqInSchema, rqxSchema, rpSchema, rpErrSchema],
]);

export type HelloMessage = z.infer<typeof helloSchema>;
export type SubMessage = z.infer<typeof subSchema>;
export type UnsubMessage = z.infer<typeof unsubSchema>;
export type PubMessage = z.infer<typeof pubSchema>;
export type PubsMessage = z.infer<typeof pubsSchema>;
export type CasMessage = z.infer<typeof casSchema>;
export type DelMessage = z.infer<typeof delSchema>;
export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type WelcomeMessage = z.infer<typeof welcomeSchema>;
export type UpdsMessage = z.infer<typeof updsSchema>;
export type GoneMessage = z.infer<typeof goneSchema>;
export type ErrMessage = z.infer<typeof errSchema>;
export type HubMessage = z.infer<typeof hubMessageSchema>;
