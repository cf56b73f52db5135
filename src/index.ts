// Public API of varspace. Every export is named here; internals stay internal.

export { Space } from './core/space.js';
export { Namespace } from './core/namespace.js';
export { Var } from './core/var.js';
export { defaultSpace } from './core/default-space.js';
export { parseFqn, parseNs, parsePattern } from './core/names.js';
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
} from './core/errors.js';

export type { Change, WatchFn, Meta } from './core/var.js';
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
