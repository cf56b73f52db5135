// The public API both entries share: every export named here, once. `index.ts` (Node) and
// `browser.ts` re-export all of it and add only their own: Node the hub, its stores and logger,
// the `ws` transports and its `connect`; the browser its `connect` on the native `WebSocket`.
// Nothing here may import a Node-only module (spec/conformance checks it; `npm run build`
// fails when a Node built-in reaches the browser bundle).

export { Space } from './core/space.js';
export { Namespace } from './core/namespace.js';
export { Var } from './core/var.js';
export { defaultSpace } from './core/default-space.js';
export { parseFqn, parseNs, parsePattern } from './core/names.js';
export { checkJsonValue } from './core/json-value.js';
export {
  VarspaceError,
  NameError,
  ReservedNameError,
  ValidationError,
  TimeoutError,
  AbortedError,
  ReadOnlyError,
  UnmappedError,
  ProtocolError,
  VersionError,
  ConflictError,
  ForbiddenError,
  UnauthenticatedError,
  LimitError,
  ClosedError,
  CycleError,
  StoreError,
  NotFoundError,
  PortInUseError,
  InternalError,
  ClockSkewError,
  StoreUnavailableError,
  MissingPackageError,
  NoRespondersError,
  RemoteError,
} from './core/errors.js';

// Operators for app code; instances, app types, local names
export { ref$ } from './rx/ref$.js';
export { intoVar } from './rx/into-var.js';
export { select } from './rx/select.js';
export { follow$ } from './rx/follow$.js';
export { combineVars } from './rx/combine-vars.js';
export { derive } from './rx/derive.js';
export { fromInstance } from './rx/from-instance.js';
export { notFrom } from './rx/not-from.js';
export { fromEvents } from './rx/from-events.js';
export { toChannel } from './rx/to-channel.js';
export { requestMap } from './rx/request-map.js';
export { createInstance, parseInstanceAttributes, instanceAttributesSchema } from './identity/instance.js';
export { defineAppType, instantiate } from './identity/app-type.js';
export { LocalNames } from './identity/local-names.js';

// Links, transports, wire (the `connect` of each runtime is in its entry)
export { Link } from './sync/link.js';
export { toLink } from './sync/to-link.js';
export { fromLink } from './sync/from-link.js';
export { memoryPersister } from './sync/memory-persister.js';
export { PERSIST_FORMAT } from './sync/persister.js';
export { HybridClock, compareWrites } from './wire/hybrid-clock.js';
export { backoffDelay } from './sync/backoff.js';
export { memoryPair } from './transport/memory-pair.js';
export { webSocketTransport, connectWebSocket } from './transport/web-socket-transport.js';
export { messagePortTransport } from './transport/message-port-transport.js';
export { PROTOCOL_VERSIONS } from './wire/messages.js';

export type { Change, WatchFn, Meta } from './core/var.js';
export type { Tagged, NameResolver } from './rx/tagged.js';
export type { EventSource } from './rx/from-events.js';
export type { EventSink } from './rx/to-channel.js';
export type { TaggedEvent, EventStats } from './sync/events.js';
export type { PublishAck } from './sync/pending-event.js';
export type { PathValue } from './rx/select.js';
export type { CombineSpec } from './rx/combine-vars.js';
export type { DeriveSources } from './rx/derive.js';
export type { Instance, InstanceAttributes, ProcessType, CreateInstanceOptions } from './identity/instance.js';
export type { AppType, AppResources, AppVars, AppInitial } from './identity/app-type.js';
export type { LocalNameChange } from './identity/local-names.js';
export type { ConnectOptions, ConnectTarget } from './sync/connect.js';
export type { LinkStatus, LinkOptions, LinkSubscription, LinkStats, WriteAck } from './sync/link.js';
export type { BackoffOptions } from './sync/backoff.js';
export type { InstanceInfo } from './identity/instance-info.js';
export type { InstanceFilter, PresenceEvent } from './sync/presence.js';
export type { ServeOptions, RequestOptions, ServiceContext, ServiceHandler, ServiceSubscription } from './sync/services.js';
export type { ServiceInfo, ServiceEvent } from './sync/service-presence.js';
export type { Requester } from './rx/request-map.js';
export type { AppTypeOptions, ServiceContract, ServiceContracts } from './identity/app-type.js';
export type { Transport, TransportHandlers, TransportFactory } from './transport/transport.js';
export type { HubMessage, ClientMessage } from './wire/messages.js';
export type { Validator } from './core/validator.js';
export type { AwaitOptions, SpaceStats } from './core/space.js';
export type { ParsedFqn, ParsedPattern } from './core/names.js';
export type {
  SpaceEvent,
  VarEvent,
  NsCreatedEvent,
  NsRemovedEvent,
  VarInternedEvent,
  VarUnmappedEvent,
  MetaChangedEvent,
} from './core/space-event.js';
export type { Persister, PersistedVar, PersistedMeta, PersistedState, PersistBatch, PersistStats } from './sync/persister.js';
export type { MemoryPersister } from './sync/memory-persister.js';
