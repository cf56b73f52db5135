/**
 * `varspace/nats`: a hub store in NATS JetStream KV, so that several hubs share one space. A
 * separate entry point: `varspace` itself never loads NATS, and the `@nats-io/*` packages are
 * optional peer dependencies.
 * @example
 * // natsStore comes from the entry point varspace/nats
 * const hub = await startHub({ store: await natsStore({ servers: 'nats://127.0.0.1:4222' }) });
 */
export { natsStore } from './nats-store.js';
export type { NatsStoreOptions } from './nats-store-options.js';
export { fqnToKey, keyToFqn } from './fqn-key.js';
export { loadNats, NATS_PACKAGES } from './load-nats.js';
