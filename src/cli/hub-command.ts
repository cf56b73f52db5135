import { readFile } from 'node:fs/promises';
import { ValidationError } from '../core/errors.js';
import { checkAccessRules } from '../hub/access.js';
import { fileStore } from '../hub/file-store/file-store.js';
import { jsonLogger, type LogLevel } from '../hub/logger.js';
import { startHub, type HubHandle, type StartHubOptions } from '../hub/start-hub.js';

/** Options of `varspace hub`. */
export interface HubCommandOptions extends StartHubOptions {
  readonly port: number;
  readonly host: string;
  /** Keep the state in this directory (`fileStore`); default: in memory. */
  readonly data?: string;
  /** Only connections presenting this token get in (as principal `token`). */
  readonly token?: string;
  /** A JSON file of access rules (see `AccessRules`). */
  readonly rules?: string;
  /** Browser origins allowed to connect. */
  readonly allowOrigin?: string[];
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
 * restarts and `kill -9`; without it, in memory.
 * @throws rejects when the port cannot be bound (the data directory is released again), or with
 *   {@link StoreError} when the data directory is held by another process or cannot be used.
 * @example await hubCommand({ port: 7070, host: '127.0.0.1', data: './hub-data' }, console.log)
 */
export async function hubCommand(options: HubCommandOptions, log: (line: string) => void): Promise<HubHandle> {
  const store = options.data !== undefined ? await fileStore(options.data) : options.store;
  const logger = options.logger ?? jsonLogger(options.logLevel ?? 'info', log);
  let hub: HubHandle;
  try {
    const secret = options.token;
    hub = await startHub({
      ...options,
      logger,
      ...(store ? { store } : {}),
      ...(secret !== undefined ? { authenticate: ({ token }) => (token === secret ? { name: 'token' } : undefined) } : {}),
      ...(options.rules !== undefined ? { authorize: await readRules(options.rules) } : {}),
      ...(options.allowOrigin ? { allowedOrigins: options.allowOrigin } : {}),
      ...(options.heartbeatMs !== undefined ? { heartbeat: { intervalMs: options.heartbeatMs, timeoutMs: options.heartbeatMs * 3 } } : {}),
      ...(options.ownerGraceMs !== undefined || options.onOwnerLeave !== undefined
        ? { ownership: { ...(options.ownerGraceMs !== undefined ? { graceMs: options.ownerGraceMs } : {}), ...(options.onOwnerLeave ? { onLeave: options.onOwnerLeave } : {}) } }
        : {}),
    });
  } catch (error) {
    if (options.data !== undefined) await store?.close();
    throw error;
  }
  logger.log('info', 'listening', { url: hub.url, inspector: `${hub.httpUrl}/`, ...(options.data !== undefined ? { data: options.data, epoch: hub.hub.store.epoch, rev: hub.hub.store.rev } : {}) });
  hub.space.errors$.subscribe((error) => {
    const typed = error as { code?: string; message?: string };
    logger.log('error', 'error', { code: typed.code ?? 'VS_INTERNAL', message: typed.message ?? String(error) });
  });
  return hub;
}
