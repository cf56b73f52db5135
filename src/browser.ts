// Public API of varspace in the browser (and Web Workers, Deno, Bun: any runtime with a native
// `WebSocket`): the shared list (`public.ts`) and a `connect` that opens the runtime's own
// `WebSocket`, or takes any `Transport`, such as a `MessagePort`'s. The server parts (`startHub`,
// `Hub`, stores, logger, `connectWs`, `wsServerTransport`) are Node's: hubs run on Node. Nothing
// here imports a Node built-in: `npm run build` bundles this file for the browser and fails if one
// sneaks in; spec/conformance checks that the two entries differ only by their own additions.

export * from './public.js';
export { connect } from './sync/connect.js';
export { indexedDbPersister } from './sync/indexed-db-persister.js';
