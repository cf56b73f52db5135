// The guard of the cluster specs until the NATS store (src/nats, issue 15's other half) is
// merged: they run only when src/nats/index.ts exists, and load it without a static import so
// that this branch type-checks without it. At merge: `import { natsStore } from '../../src/nats/index.js'`
// in the specs, and this file goes.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Store } from '../../src/hub/store.js';

/** The options of `natsStore` that the cluster specs use (see src/nats/index.ts). */
export interface NatsStoreOptions {
  readonly servers: string;
  readonly bucket?: string;
  readonly timeoutMs?: number;
}

/** Whether the NATS store is there to test against. */
export const HAS_NATS_STORE = existsSync(fileURLToPath(new URL('../../src/nats/index.ts', import.meta.url)));

/** `describe` while the NATS store is there; a skipped describe that says why otherwise. */
export const describeWithNats = (title: string, body: () => void): void =>
  HAS_NATS_STORE
    ? describe(title, body)
    : describe.skip(`${title} [SKIPPED: src/nats/index.ts does not exist yet; runs after the NATS store is merged]`, body);

/** `natsStore` from src/nats (call only when {@link HAS_NATS_STORE}). */
export async function loadNatsStore(): Promise<(options: NatsStoreOptions) => Promise<Store>> {
  const entry = '../../src/nats/index.js';
  const module = (await import(entry)) as { natsStore: (options: NatsStoreOptions) => Promise<Store> };
  return module.natsStore;
}
