import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { parseOptions, type CoversKeys } from '../wire/parse-options.js';

/** Options of {@link natsStore}. */
export interface NatsStoreOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222` (several: the client fails over between them). */
  readonly servers: string | readonly string[];
  /** The KV bucket holding the space (default `varspace`); created with `history` and `replicas` when missing. */
  readonly bucket?: string;
  /** Token authentication. */
  readonly token?: string;
  /** User and password authentication. */
  readonly user?: string;
  readonly pass?: string;
  /** A NATS `.creds` file (JWT + NKey seed): decentralized authentication. */
  readonly credsFile?: string;
  /** JetStream replicas of the bucket when it is created (default 1; 3 or 5 on a NATS cluster). */
  readonly replicas?: number;
  /** Values kept per key when the bucket is created (default 1: only the latest). */
  readonly history?: number;
  /** A key prefix (one KV token, e.g. `app1`): several spaces share one bucket, each under its prefix. */
  readonly prefix?: string;
  /** How long connecting, and each JetStream request, may take before the store gives up (default 5,000 ms). */
  readonly timeoutMs?: number;
  /** How often each hub writes its liveness record `$sys.hubs/<hub id>` (default 2,000 ms). */
  readonly hubIntervalMs?: number;
  /** After how long without a liveness record a hub is dead and the others remove its instances (default 10,000 ms). */
  readonly hubTimeoutMs?: number;
}

const positive = z.number().positive();
const shape = {
  servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  bucket: z.string().regex(/^[A-Za-z0-9_-]+$/, 'a bucket name holds letters, digits, _ and -'),
  token: z.string(),
  user: z.string(),
  pass: z.string(),
  credsFile: z.string(),
  replicas: z.number().int().min(1).max(5),
  history: z.number().int().min(1).max(64),
  prefix: z.string().regex(/^[A-Za-z0-9-]+$/, 'a prefix is one KV token of letters, digits and -'),
  timeoutMs: positive,
  hubIntervalMs: positive,
  hubTimeoutMs: positive,
};
const schema = z.strictObject(shape).partial().required({ servers: true });
// Fails to compile when NatsStoreOptions gains a key this schema lacks.
type _Covered = CoversKeys<NatsStoreOptions, typeof shape>;

/**
 * Checks `natsStore`'s options before anything connects.
 * @throws {ValidationError} (`VS_INVALID_VALUE`) for an unknown key, a wrong type, or a liveness timeout not above its interval.
 * @example checkNatsStoreOptions({ servers: 'nats://127.0.0.1:4222' })
 */
export function checkNatsStoreOptions(options: NatsStoreOptions): NatsStoreOptions {
  const parsed = parseOptions(schema, options, 'natsStore options') as NatsStoreOptions;
  if ((parsed.hubTimeoutMs ?? 10_000) <= (parsed.hubIntervalMs ?? 2_000))
    throw new ValidationError('natsStore options refused: hubTimeoutMs must be above hubIntervalMs');
  return parsed;
}
