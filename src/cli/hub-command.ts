import { readFile } from 'node:fs/promises';
import { ValidationError } from '../core/errors.js';
import { checkAccessRules } from '../hub/access.js';
import { fileStore } from '../hub/file-store/file-store.js';
import { jsonLogger, type LogLevel } from '../hub/logger.js';
import { startHub, type HubHandle, type StartHubOptions } from '../hub/start-hub.js';
import { checkStartHubOptions } from '../hub/start-hub-options.js';
import { natsStore } from '../nats/nats-store.js';

/** Options of `varspace hub`. */
export interface HubCommandOptions extends StartHubOptions {
  readonly port: number;
  readonly host: string;
  /** Keep the state in this directory (`fileStore`); default: in memory. */
  readonly data?: string;
  /** Share the space with other hubs through NATS JetStream at these URL(s) (`natsStore`); not with `data`. */
  readonly nats?: string[];
  /** The NATS KV bucket (default `varspace`). */
  readonly bucket?: string;
  /** Only connections presenting this token get in (as principal `token`). */
  readonly token?: string;
  /** A JSON file of access rules (see `AccessRules`). */
  readonly rules?: string;
  /** Browser origins allowed to connect. */
  readonly allowOrigin?: string[];
  /** Host names requests may carry besides the loopback ones (`allowedHosts`). */
  readonly allowHost?: string[];
  /** Log level (default `info`). */
  readonly logLevel?: LogLevel;
  /** Heartbeat interval in ms (the timeout is three times it). */
  readonly heartbeatMs?: number;
  /** Grace period of owner instances, in ms. */
  readonly ownerGraceMs?: number;
  /** What happens to owned vars when their owner does not come back. */
  readonly onOwnerLeave?: 'unmap' | 'stale';
}

async function readRules(file: string): Promise<StartHubOptions['authorize']> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ValidationError(`cannot read the rules file ${file}: ${(error as Error).message}`);
  }
  return checkAccessRules(json);
}

/**
 * `varspace hub`: runs a hub and logs one JSON line per connection, departure and error. With
 * `data`, the state lives in that directory (`fileStore(data)`, fsync on every write) and survives
 * restarts and `kill -9`; with `nats`, in a NATS JetStream KV bucket shared with other hubs
 * (`natsStore`); without either, in memory.
 * @throws rejects with {@link ValidationError} for bad options (before the data directory is
 *   opened), {@link PortInUseError} when the port is taken (the data directory is released again),
 *   or {@link StoreError} when the data directory is held by another process or cannot be used,
 *   {@link StoreUnavailableError} when NATS cannot be reached.
 * @example await hubCommand({ port: 7070, host: '127.0.0.1', data: './hub-data' }, console.log)
 */
export async function hubCommand(options: HubCommandOptions, log: (line: string) => void): Promise<HubHandle> {
  const { data, nats, bucket, token, rules, allowOrigin, allowHost, logLevel, heartbeatMs, ownerGraceMs, onOwnerLeave, ...rest } = options;
  const logger = options.logger ?? jsonLogger(logLevel ?? 'info', log);
  const hubOptions: StartHubOptions = {
    ...rest,
    logger,
    ...(token !== undefined ? { authenticate: ({ token: given }) => (given === token ? { name: 'token' } : undefined) } : {}),
    ...(rules !== undefined ? { authorize: await readRules(rules) } : {}),
    ...(allowOrigin ? { allowedOrigins: allowOrigin } : {}),
    ...(allowHost ? { allowedHosts: allowHost } : {}),
    ...(heartbeatMs !== undefined ? { heartbeat: { intervalMs: heartbeatMs, timeoutMs: heartbeatMs * 3 } } : {}),
    ...(ownerGraceMs !== undefined || onOwnerLeave !== undefined
      ? {
          ownership: {
            ...(ownerGraceMs !== undefined ? { graceMs: ownerGraceMs } : {}),
            ...(onOwnerLeave ? { onLeave: onOwnerLeave } : {}),
          },
        }
      : {}),
  };
  // Bad options are refused before the data directory is opened (and locked).
  await checkStartHubOptions(hubOptions);
  if (data !== undefined && nats !== undefined)
    throw new ValidationError('--data and --nats exclude each other: a hub keeps its state in one store');
  if (bucket !== undefined && nats === undefined) throw new ValidationError('--bucket needs --nats');
  const ownStore = data !== undefined || nats !== undefined;
  const store =
    data !== undefined
      ? await fileStore(data)
      : nats !== undefined
        ? await natsStore({ servers: nats, ...(bucket !== undefined ? { bucket } : {}) })
        : options.store;
  let hub: HubHandle;
  try {
    hub = await startHub({ ...hubOptions, ...(store ? { store } : {}) });
  } catch (error) {
    if (ownStore) await store?.close();
    throw error;
  }
  logger.log('info', 'listening', {
    url: hub.url,
    inspector: `${hub.httpUrl}/`,
    ...(data !== undefined ? { data, epoch: hub.hub.store.epoch, rev: hub.hub.store.rev } : {}),
    ...(nats !== undefined ? { nats, bucket: bucket ?? 'varspace', epoch: hub.hub.store.epoch, rev: hub.hub.store.rev } : {}),
  });
  hub.space.errors$.subscribe((error) => {
    const typed = error as { code?: string; message?: string };
    logger.log('error', 'error', { code: typed.code ?? 'VS_INTERNAL', message: typed.message ?? String(error) });
  });
  return hub;
}
