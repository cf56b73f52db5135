import type { $ZodType } from 'zod/v4/core';
import { ProtocolError } from '../core/errors.js';
import { safeParse } from '../identity/safe-parse.js';

/**
 * Parses and validates a whole frame before anything acts on it: one bad message refuses the
 * whole frame, so a bad frame changes nothing.
 *
 * @param schema - what each message must be.
 * @param quick - a check of the hottest message type that accepts exactly what `schema` accepts
 *   of it, without zod's per-call cost (it returns the message, or undefined to let zod decide).
 * @param first - the type the first message must have, checked before any message is validated
 *   (a hub's first frame must begin with `hello`: anything else costs it one `JSON.parse`).
 * @throws {ProtocolError} (`VS_BAD_FRAME`) naming the first problem.
 * @example decodeFrame('[{"t":"ping","n":1}]', clientMessageSchema)
 */
export function decodeFrame<T>(
  data: unknown,
  schema: $ZodType<T>,
  quick?: (message: unknown) => T | undefined,
  maxMessages = 100_000,
  first?: string,
): T[] {
  if (typeof data !== 'string') throw new ProtocolError('a frame must be text (JSON)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new ProtocolError('a frame must be valid JSON');
  }
  if (!Array.isArray(parsed)) throw new ProtocolError('a frame must be a JSON array of messages');
  if (first !== undefined && (parsed[0] as { t?: unknown } | null | undefined)?.t !== first)
    throw new ProtocolError(`the first message must be ${first}`);
  if (parsed.length > maxMessages) throw new ProtocolError(`a frame may hold at most ${maxMessages} messages`, { count: parsed.length });
  const messages = new Array<T>(parsed.length);
  for (let i = 0; i < parsed.length; i++) {
    const checked = quick?.(parsed[i]);
    if (checked !== undefined) {
      messages[i] = checked;
      continue;
    }
    const result = safeParse(schema, parsed[i]);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
      const kind = typeof parsed[i] === 'object' && parsed[i] !== null ? (parsed[i] as { t?: unknown }).t : undefined;
      throw new ProtocolError(
        `message ${i}${typeof kind === 'string' ? ` (${kind.slice(0, 32)})` : ''} is invalid${where}: ${issue?.message ?? 'unknown'}`,
        { index: i },
      );
    }
    messages[i] = result.data;
  }
  return messages;
}
