import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../core/errors.js';

/** The shortest hub `secret` accepted (characters): 32, e.g. 24 random bytes in base64. */
export const MIN_SECRET_LENGTH = 32;

/**
 * A new random hub secret: 32 random bytes, base64url (43 characters).
 * @example const secret = newSecret();
 */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Checks a hub `secret` option.
 * @throws {ValidationError} (`VS_INVALID_VALUE`) for a non-string or one shorter than {@link MIN_SECRET_LENGTH}.
 * @example checkSecret(process.env.HUB_SECRET)
 */
export function checkSecret(secret: unknown): string {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new ValidationError(`secret must be a string of at least ${MIN_SECRET_LENGTH} characters (e.g. 32 random bytes in base64url)`);
  }
  return secret;
}

/**
 * The resume token of an instance: HMAC-SHA256 over its id and its principal's name, keyed with
 * the hub secret, in base64url. Any hub with the same secret verifies it (a restart on a durable
 * store, a cluster); another principal's connection does not.
 * @param principal - the principal's name (undefined for an anonymous connection).
 * @example resumeToken(secret, welcome.id, 'ops')
 */
export function resumeToken(secret: string, instanceId: string, principal: string | undefined): string {
  // A JSON array: (id, principal) maps to one message and back, and anonymous is not the name ''.
  return createHmac('sha256', secret)
    .update(JSON.stringify([instanceId, principal ?? null]))
    .digest('base64url');
}

/**
 * Whether `token` is the resume token of `instanceId` for `principal` (constant time).
 * @example if (!verifyResumeToken(secret, id, undefined, presented)) id = randomUuid();
 */
export function verifyResumeToken(secret: string, instanceId: string, principal: string | undefined, token: string): boolean {
  const expected = Buffer.from(resumeToken(secret, instanceId, principal));
  const presented = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
