import type { Meta } from './var.js';

/** A namespace was created (`ns` is its name). `origin` is set when another process caused it. */
export interface NsCreatedEvent {
  readonly type: 'ns-created';
  readonly ns: string;
  readonly origin?: string;
}

/** A namespace (and its subtree) was removed. */
export interface NsRemovedEvent {
  readonly type: 'ns-removed';
  readonly ns: string;
  readonly origin?: string;
}

/** A var was interned (created). */
export interface VarInternedEvent {
  readonly type: 'var-interned';
  readonly fqn: string;
  readonly ns: string;
  readonly name: string;
  readonly origin?: string;
}

/** A var was unmapped (removed and completed). */
export interface VarUnmappedEvent {
  readonly type: 'var-unmapped';
  readonly fqn: string;
  readonly ns: string;
  readonly name: string;
  readonly origin?: string;
}

/** A var's metadata changed. */
export interface MetaChangedEvent {
  readonly type: 'meta-changed';
  readonly fqn: string;
  readonly ns: string;
  readonly name: string;
  readonly meta: Meta;
  readonly origin?: string;
}

/** Everything a space announces on `events$`. */
export type SpaceEvent = NsCreatedEvent | NsRemovedEvent | VarInternedEvent | VarUnmappedEvent | MetaChangedEvent;

/** Events about one var (they carry `fqn`). */
export type VarEvent = VarInternedEvent | VarUnmappedEvent | MetaChangedEvent;
