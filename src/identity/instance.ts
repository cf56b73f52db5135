import { isUuid, randomUuid } from './uuid.js';
import * as z from 'zod/mini';
import { ValidationError } from '../core/errors.js';
import { safeParse } from './safe-parse.js';
import { isToken, refused } from './token.js';

/** The kind of runtime: `node`, `browser`, `worker`, or another token (`deno`, `bun`, …). */
export type ProcessType = 'node' | 'browser' | 'worker' | (string & {});

/**
 * Small descriptive data about a process. Attributes describe; only the instance id identifies
 * (two processes may share every attribute).
 */
export interface InstanceAttributes {
  /** Runtime kind: `node` | `browser` | `worker` | another token. */
  readonly processType?: ProcessType;
  /** Human-readable application name (free text, 1–200 characters). */
  readonly appName?: string;
  /** Role in the deployment, e.g. `server`, `client` (free text, 1–200 characters). */
  readonly role?: string;
  /** Name of the app type it implements (one token), see `defineAppType`. */
  readonly appType?: string;
  /** Stable logical name it carries, e.g. `dashboard-prod` (one token). */
  readonly identity?: string;
}

/** One running process: a UUID, when it started, and what it says about itself. */
export interface Instance {
  /** UUID (v4 when created here; a hub may assign it). */
  readonly instanceId: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly attributes: Readonly<InstanceAttributes>;
}

/** Options of {@link createInstance}. */
export interface CreateInstanceOptions {
  /** Use this id (a UUID, e.g. one assigned by a hub) instead of a new v4 UUID. */
  readonly instanceId?: string;
  /** Epoch ms; default `Date.now()`. */
  readonly startedAt?: number;
}

const tokenText = (what: string) =>
  z.optional(
    z.string().check(z.refine(isToken, { message: `${what} must be one token ([A-Za-z0-9_] then [A-Za-z0-9_-+!?'], no "." or "$")` })),
  );
const freeText = z.optional(z.string().check(z.minLength(1), z.maxLength(200)));

const ATTRIBUTE_KEYS = ['processType', 'appName', 'role', 'appType', 'identity'] as const;

/**
 * The zod schema of {@link InstanceAttributes} (a `zod/mini` schema: `safeParse`, `parse`, `shape`):
 * a strict object (unknown keys are refused), every attribute optional. `processType`, `appType` and `identity` are tokens; `appName` and
 * `role` are strings of 1–200 characters.
 */
export const instanceAttributesSchema = z.strictObject({
  processType: tokenText('processType'),
  appName: freeText,
  role: freeText,
  appType: tokenText('appType'),
  identity: tokenText('identity'),
});

/**
 * Validates instance attributes and returns a frozen copy (keys holding `undefined` dropped).
 * @throws {ValidationError} (`VS_INVALID_VALUE`) listing every problem, e.g. `unknown key "colour" (allowed: …)`.
 * @example parseInstanceAttributes({ processType: 'node', appName: 'dashboard' })
 */
export function parseInstanceAttributes(attributes: unknown): Readonly<InstanceAttributes> {
  const result = safeParse(instanceAttributesSchema, attributes);
  if (!result.success) throw refused('instance attributes', result.error, ATTRIBUTE_KEYS);
  const clean: Record<string, string> = {};
  for (const key of ATTRIBUTE_KEYS) {
    const value = result.data[key];
    if (value !== undefined) clean[key] = value;
  }
  return Object.freeze(clean) as Readonly<InstanceAttributes>;
}

/**
 * Creates the description of this running process: a new v4 UUID, the start time and
 * validated attributes. The result is frozen.
 *
 * @param attributes `processType`, `appName`, `role`, `appType`, `identity` — all optional.
 * @param options a given `instanceId` (must be a UUID) or `startedAt`.
 * @throws {ValidationError} (`VS_INVALID_VALUE`) for unknown keys, wrong types, or an id that is not a UUID.
 * @example
 * const me = createInstance({ processType: 'node', appName: 'dashboard', appType: 'dashboard-server' });
 * me.instanceId; // '1b4e28ba-2fa1-4d2e-883f-0016d3cca427'
 */
export function createInstance(attributes: InstanceAttributes = {}, options: CreateInstanceOptions = {}): Instance {
  const parsed = parseInstanceAttributes(attributes);
  const instanceId = options.instanceId ?? randomUuid();
  if (typeof instanceId !== 'string' || !isUuid(instanceId)) {
    throw new ValidationError(`instance id ${JSON.stringify(instanceId)} is not a UUID`, { instanceId });
  }
  const startedAt = options.startedAt ?? Date.now();
  if (!Number.isFinite(startedAt)) throw new ValidationError(`startedAt must be a finite number (epoch ms)`, { startedAt });
  return Object.freeze({ instanceId, startedAt, attributes: parsed });
}
