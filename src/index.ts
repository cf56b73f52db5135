// Public API of varspace on Node: the shared list (`public.ts`), and the server parts and the
// `ws`-based `connect`. Every export is named, here or in public.ts; internals stay internal.
// `export *` is used for public.ts alone: it is itself the explicit list, kept once for both entries.

export * from './public.js';
export { connect } from './sync/connect-node.js';
export { connectWs, wsServerTransport } from './transport/ws-node.js';
export { startHub } from './hub/start-hub.js';
export { Hub } from './hub/hub.js';
export { memoryStore } from './hub/memory-store.js';
export { jsonLogger } from './hub/logger.js';
export { fileStore } from './hub/file-store/file-store.js';
export { filePersister } from './sync/file-persister.js';

export type { StartHubOptions, HubHandle } from './hub/start-hub.js';
export type { HubOptions, HubStats } from './hub/hub.js';
export type { AccessRules, AccessRule, Principal } from './hub/access.js';
export type { HubLimits } from './hub/limits.js';
export type { Authenticate, AuthRequest } from './hub/upgrade-guard.js';
export type { Logger, LogLevel } from './hub/logger.js';
export type { Store, StoreRecord } from './hub/store.js';
export type { FileStore, FileStoreOptions, FileStoreRecovery, FileStoreStats, FsyncPolicy } from './hub/file-store/file-store.js';
