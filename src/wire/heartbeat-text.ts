/**
 * The keep-alive messages, as text: the ping a quiet side sends (`n` 0) and its answer. A frame
 * that is exactly one of them (what an outbox makes of a lone heartbeat) is recognised by
 * comparison, without `JSON.parse` and zod: on an idle connection it is the only traffic there
 * is. Any other form (another `n`, other spacing, in a frame with other messages) is decoded as
 * usual. Internal.
 */

/** A heartbeat ping, one message. */
export const PING_TEXT = '{"t":"ping","n":0}';
/** The answer to {@link PING_TEXT}. */
export const PONG_TEXT = '{"t":"pong","n":0}';

/** A frame holding only a heartbeat ping (what an outbox makes of a lone {@link PING_TEXT}). */
export const PING_FRAME = `[${PING_TEXT}]`;
/** A frame holding only a heartbeat pong. */
export const PONG_FRAME = `[${PONG_TEXT}]`;
const PING: { readonly t: 'ping'; readonly n: number } = Object.freeze({ t: 'ping', n: 0 });
const PONG: { readonly t: 'pong'; readonly n: number } = Object.freeze({ t: 'pong', n: 0 });

/**
 * The messages of a frame that is exactly a lone heartbeat ping or pong, else undefined (decode
 * it as usual). The message objects are shared: never change them.
 *
 * @param frame - a frame as received.
 * @returns `[ping]`, `[pong]` or undefined.
 * @throws never.
 * @example
 * const messages = heartbeatFrame(data) ?? decodeFrame(data, clientMessageSchema);
 */
export function heartbeatFrame(frame: string): Array<{ readonly t: 'ping' | 'pong'; readonly n: number }> | undefined {
  if (frame.length !== PING_FRAME.length) return undefined;
  if (frame === PONG_FRAME) return [PONG];
  if (frame === PING_FRAME) return [PING];
  return undefined;
}

/**
 * The text of the answer to a ping: the constant for a heartbeat's `n` 0, else built.
 *
 * @param n - the ping's `n`.
 * @returns the `pong` message's text.
 * @throws never.
 * @example outbox.push(pongText(message.n));
 */
export function pongText(n: number): string {
  return n === 0 ? PONG_TEXT : `{"t":"pong","n":${n}}`;
}
