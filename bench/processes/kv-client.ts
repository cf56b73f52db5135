// The raw JetStream side of bench/cluster.ts: a plain `@nats-io/kv` client, as an app that used
// NATS KV directly would write and watch (no varspace, no hub): the baseline of the cluster rows.
import { Kvm, KvWatchInclude, type KV } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import type { BenchValue } from './writer.js';

/** The raw side's bucket (one value per key kept, as a hub's store keeps the latest value). */
export const RAW_BUCKET = 'bench-raw';

/** A NATS connection and the raw bucket on it (created if absent). */
export interface RawKv {
  readonly kv: KV;
  close(): Promise<void>;
}

/** Connects to `servers` and opens (or creates) {@link RAW_BUCKET}. */
export async function openKv(servers: string): Promise<RawKv> {
  const nc = await connect({ servers });
  const kv = await new Kvm(nc).create(RAW_BUCKET, { history: 1 });
  return { kv, close: () => nc.close() };
}

/**
 * One put per update, not awaited one by one (the writer pipelines, as a link does); a failed
 * put is loud: the reader would wait for it forever.
 */
export function putValue(raw: RawKv, fqn: string, value: BenchValue): void {
  raw.kv.put(fqn, JSON.stringify(value)).catch((error: unknown) => {
    console.error(`kv put ${fqn} failed:`, error);
    process.exitCode = 1;
  });
}

/** Calls `onValue` with every value put from now on (the watch's updates, no initial values). */
export async function watchValues(raw: RawKv, onValue: (value: BenchValue) => void): Promise<void> {
  const updates = await raw.kv.watch({ include: KvWatchInclude.UpdatesOnly });
  void (async () => {
    for await (const entry of updates) if (entry.operation === 'PUT') onValue(entry.json<BenchValue>());
  })();
}
