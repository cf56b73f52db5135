import { pairwise, startWith } from 'rxjs';
import { fileStore } from '../hub/file-store.js';
import { startHub, type HubHandle, type StartHubOptions } from '../hub/start-hub.js';
import type { InstanceInfo } from '../hub/hub.js';

/** Options of `varspace hub`. */
export interface HubCommandOptions extends StartHubOptions {
  readonly port: number;
  readonly host: string;
  /** Keep the state in this directory (`fileStore`); default: in memory. */
  readonly data?: string;
}

/**
 * `varspace hub`: runs a hub and logs one JSON line per connection, departure and error.
 * @throws rejects when the port cannot be bound.
 */
export async function hubCommand(options: HubCommandOptions, log: (line: string) => void): Promise<HubHandle> {
  const store = options.data !== undefined ? await fileStore(options.data) : options.store;
  let hub: HubHandle;
  try {
    hub = await startHub({ ...options, ...(store ? { store } : {}) });
  } catch (error) {
    if (options.data !== undefined) await store?.close();
    throw error;
  }
  const write = (event: string, fields: Record<string, unknown>) => log(JSON.stringify({ time: new Date().toISOString(), event, ...fields }));
  write('listening', { url: hub.url, inspector: `${hub.httpUrl}/`, ...(options.data !== undefined ? { data: options.data, epoch: hub.hub.store.epoch, rev: hub.hub.store.rev } : {}) });
  hub.instances$.pipe(startWith([] as InstanceInfo[]), pairwise()).subscribe(([before, after]) => {
    const was = new Set(before.map((i) => i.instanceId));
    const now = new Set(after.map((i) => i.instanceId));
    for (const info of after) if (!was.has(info.instanceId)) write('join', { instanceId: info.instanceId, attributes: info.attributes });
    for (const info of before) if (!now.has(info.instanceId)) write('leave', { instanceId: info.instanceId });
  });
  hub.space.errors$.subscribe((error) => {
    const typed = error as { code?: string; message?: string };
    write('error', { code: typed.code ?? 'VS_INTERNAL', message: typed.message ?? String(error) });
  });
  return hub;
}
