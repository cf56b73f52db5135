import * as z from 'zod/mini';

// Events on named channels (see docs/PROTOCOL.md, "Events"). Standalone (messages.ts imports this
// file for its unions): the few primitives below are the same as messages.ts's.
const MAX_NAME = 1024;
const INSTANCE_ID = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
const STAMP = /^[0-9a-f]{16}$/;
const name = z.string().check(z.minLength(1), z.maxLength(MAX_NAME));
const count = z.number().check(z.int(), z.nonnegative());
const isName = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= MAX_NAME;
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

// ---- client → hub ----

/** One event of an `evpub` batch: `[channel]` or `[channel, value]` (no value: `undefined`). */
export type EvPubEntry = [channel: string, value?: unknown];

/** True when `entry` is a well-formed {@link EvPubEntry}. */
export function isEvPubEntry(entry: unknown): entry is EvPubEntry {
  return Array.isArray(entry) && (entry.length === 1 || entry.length === 2) && isName(entry[0]);
}

/**
 * Events published to channels, in publish order; `n` numbers the first of them (the publisher's
 * own count, kept across reconnects). The hub answers each with one `evok` of the same `n`.
 */
export const evPubSchema = z.object({
  t: z.literal('evpub'),
  n: count,
  e: z.array(z.custom<EvPubEntry>(isEvPubEntry, 'an evpub entry is [channel] or [channel, value]')).check(z.minLength(1)),
});

/**
 * The `evpub` message `message` is, checked without zod (a hub decodes one per publisher frame).
 * Accepts exactly what {@link evPubSchema} accepts.
 * @returns the message, or undefined when it is not a well-formed `evpub` (zod then says why).
 * @example quickEvPub({ t: 'evpub', n: 1, e: [['logs.a/info', 'up']] })
 */
export function quickEvPub(message: unknown): EvPubMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { t, n, e } = message as { t?: unknown; n?: unknown; e?: unknown };
  if (t !== 'evpub' || !isCount(n) || !Array.isArray(e) || e.length === 0) return undefined;
  for (let i = 0; i < e.length; i++) if (!isEvPubEntry(e[i])) return undefined;
  return { t, n, e };
}

/** Subscribes to the events of the channels matching `pattern` (own events too with `self`). */
export const evSubSchema = z.object({ t: z.literal('evsub'), sid: count, pattern: name, self: z.optional(z.boolean()) });

/** Ends an event subscription. */
export const evUnsubSchema = z.object({ t: z.literal('evunsub'), sid: count });

// ---- hub → client ----

/**
 * Answers the `evpub` numbered `n`: the per-channel seq given to each of its events, in order (0: refused);
 * `x` lists the refusals as `[index, code, message]`.
 */
export const evOkSchema = z.object({
  t: z.literal('evok'),
  n: count,
  s: z.array(count),
  x: z.optional(z.array(z.tuple([count, z.string().check(z.regex(/^VS_[A-Z_]+$/)), z.string().check(z.maxLength(2048))]))),
});

/** One delivered event of an `evs` batch: `[channel, seq, stamp]` or `[channel, seq, stamp, value]`. */
export type EvEntry = [channel: string, seq: number, stamp: string, value?: unknown];

/** The last stamp {@link isEvEntry} found well-formed (a batch's events share the stamp of the `evpub` they came in). */
let lastStamp = '';

/** True when `entry` is a well-formed {@link EvEntry}. */
export function isEvEntry(entry: unknown): entry is EvEntry {
  if (!Array.isArray(entry) || (entry.length !== 3 && entry.length !== 4) || !isName(entry[0]) || !isCount(entry[1])) return false;
  const stamp: unknown = entry[2];
  if (stamp === lastStamp) return true;
  if (typeof stamp !== 'string' || !STAMP.test(stamp)) return false;
  lastStamp = stamp;
  return true;
}

/** Events published by one instance (`from`, stamped by the hub), in its publish order. */
export const evsSchema = z.object({
  t: z.literal('evs'),
  from: z.string().check(z.regex(INSTANCE_ID)),
  e: z.array(z.custom<EvEntry>(isEvEntry, 'an evs entry is [channel, seq, stamp] or [channel, seq, stamp, value]')).check(z.minLength(1)),
});

/**
 * The `evs` message `message` is, checked without zod (what a subscriber decodes most). Accepts
 * exactly what {@link evsSchema} accepts.
 * @returns the message, or undefined when it is not a well-formed `evs`.
 */
export function quickEvs(message: unknown): EvsMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { t, from, e } = message as { t?: unknown; from?: unknown; e?: unknown };
  if (t !== 'evs' || typeof from !== 'string' || !INSTANCE_ID.test(from) || !Array.isArray(e) || e.length === 0) return undefined;
  for (let i = 0; i < e.length; i++) if (!isEvEntry(e[i])) return undefined;
  return { t, from, e };
}

/** The hub dropped `missed` events for this subscriber, the oldest first: it did not read fast enough. */
export const evGapSchema = z.object({ t: z.literal('evgap'), missed: count });

/** An event subscription was refused (bad pattern, not allowed to read it); nothing is routed to it. */
export const evSubErrSchema = z.object({
  t: z.literal('evsuberr'),
  sid: count,
  code: z.string().check(z.regex(/^VS_[A-Z_]+$/)),
  message: z.string().check(z.maxLength(2048)),
});

/** The messages above, as the schemas read them. */
export type EvPubMessage = z.infer<typeof evPubSchema>;
export type EvSubMessage = z.infer<typeof evSubSchema>;
export type EvOkMessage = z.infer<typeof evOkSchema>;
export type EvsMessage = z.infer<typeof evsSchema>;
export type EvSubErrMessage = z.infer<typeof evSubErrSchema>;
