import { StoreError } from '../core/errors.js';
import { checkJsonValue } from '../core/json-value.js';
import type { Space } from '../core/space.js';
import { isStamp } from '../wire/messages.js';
import type { Connection } from './connection.js';
import type { Follows } from './follows.js';
import { PERSIST_FORMAT, type PersistedMeta, type PersistedVar, type Persister, type PersistStats } from './persister.js';
import type { Replica, ReplicaRecord } from './replica.js';
import type { WriteMarks } from './write-marks.js';

/** Options of {@link Persistence}. @internal */
export interface PersistenceOptions {
  readonly persister: Persister;
  readonly space: Space;
  readonly replica: Replica;
  readonly connection: Connection;
  readonly marks: WriteMarks;
  readonly follows: Follows;
  /** The hub's instance id at the last welcome. */
  readonly hubId: () => string;
  /** Takes the persisted instance id (before the first welcome). */
  readonly adoptId: (id: string, hubId: string) => void;
  /** Reports an error with no caller. */
  readonly fail: (error: unknown) => void;
}

/**
 * A link's persistence: hydrates the replica, the space and the unconfirmed writes from a
 * {@link Persister} before the link opens, then hands the persister, once per tick, the latest
 * state of every var that changed in it (with the meta: instance id, resume token, epoch, follow
 * revisions). Saves run one at a time; what changes during one goes in the next. The first failure
 * is reported and ends persisting (the link goes on online). @internal
 *
 * @example
 * const persistence = new Persistence({ persister, space, replica, connection, marks, follows, adoptId, fail });
 * await persistence.hydrate();   // before connection.open()
 */
export class Persistence {
  private readonly options: PersistenceOptions;
  private dirty = new Set<ReplicaRecord>();
  private scheduled = false;
  /** The meta changed (a welcome) with no var. */
  private metaDirty = false;
  private saving: Promise<void> | undefined;
  private failed = false;
  private closed = false;
  private savedId = '';
  /** A failure before `connect` resolved, reported by {@link announce} (nobody listens on `errors$` before). */
  private held: StoreError | undefined;
  private announced = false;
  private loaded = 0;
  private skipped = 0;
  private saves = 0;
  private savedVars = 0;
  /** Bound once: the replica and the write marks call it for each change. */
  readonly changed = (record: ReplicaRecord): void => {
    if (this.failed) return;
    this.dirty.add(record);
    if (!this.scheduled) this.schedule();
  };

  constructor(options: PersistenceOptions) {
    this.options = options;
    options.connection.status$.subscribe((status) => {
      if (status !== 'open') return;
      // A new instance id: the persisted own records still name the old one.
      if (this.savedId !== '' && this.savedId !== options.replica.self) for (const record of options.replica.all()) this.dirty.add(record);
      this.metaDirty = true;
      if (!this.scheduled && !this.failed) this.schedule();
    });
  }

  /** Counters. */
  stats(): PersistStats {
    return { loaded: this.loaded, skipped: this.skipped, saves: this.saves, savedVars: this.savedVars, failed: this.failed };
  }

  /**
   * Loads the persisted state into the replica, the space and the write marks, and the meta into
   * the connection and the follows. A failure to load, or data of another format, is reported
   * and leaves persisting off (and the stored data untouched).
   */
  async hydrate(): Promise<void> {
    const { persister, space, replica, marks, connection, follows } = this.options;
    let state;
    try {
      state = await persister.load();
    } catch (error) {
      this.stop(error, 'could not load the persisted state');
      return;
    }
    const meta = state.meta;
    if (meta !== undefined && (typeof meta !== 'object' || meta?.format !== PERSIST_FORMAT)) {
      this.stop(
        new StoreError(`persisted state of format ${String(meta?.format)} refused: this version reads format ${PERSIST_FORMAT}`, {
          format: meta?.format,
        }),
      );
      return;
    }
    this.skipped = state.skipped ?? 0;
    if (meta !== undefined) {
      connection.restore(meta.instanceId && meta.token ? { id: meta.instanceId, token: meta.token } : undefined, meta.epoch);
      follows.restore(meta.follows, meta.epoch);
      if (meta.instanceId) this.options.adoptId(meta.instanceId, meta.hubId);
      this.savedId = meta.instanceId;
    }
    space.batch.run(() => {
      for (const held of state.vars) {
        if (!wellFormed(held)) {
          this.skipped++;
          continue;
        }
        try {
          // The space checks the name (a bad one is skipped and counted, as any malformed record).
          if (!held.deleted) space.ensure(held.fqn, { origin: held.from, system: true }, held.value);
        } catch {
          this.skipped++;
          continue;
        }
        replica.clock.observe(held.stamp);
        const record = held.deleted
          ? replica.setTombstone(held.fqn, held.stamp, held.from, held.rev)
          : replica.setValue(held.fqn, held.stamp, held.from, held.rev);
        if (held.pending !== undefined) marks.track(record, held.pending);
        this.loaded++;
      }
    });
    replica.onChange = this.changed;
  }

  /** `connect` has resolved: a failure from before is reported now, later ones as they happen. */
  announce(): void {
    this.announced = true;
    if (this.held) this.options.fail(this.held);
    this.held = undefined;
  }

  /** Resolves once everything changed so far is saved (or persisting has stopped). */
  async persisted(): Promise<void> {
    if (this.scheduled || this.dirty.size > 0 || this.metaDirty) this.flush();
    while (this.saving) await this.saving;
  }

  /** Saves what is left, then closes the persister. Never rejects. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.persisted();
    this.closed = true;
    this.failed = true;
    await this.options.persister.close().catch((error: unknown) => this.options.fail(asStoreError(error, 'could not close the persister')));
  }

  private schedule(): void {
    this.scheduled = true;
    queueMicrotask(this.flush);
  }

  /** Hands the persister what changed, once the save before it is done. */
  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.saving || this.failed || this.closed) return;
    const records = this.dirty;
    this.dirty = new Set();
    this.metaDirty = false;
    const vars: PersistedVar[] = [];
    for (const record of records) {
      const persisted = this.toPersisted(record);
      if (persisted) vars.push(persisted);
    }
    const meta = this.meta();
    const { persister } = this.options;
    this.saving = Promise.resolve()
      .then(() => persister.save({ vars, meta }))
      .then(
        () => {
          this.saves++;
          this.savedVars += vars.length;
          this.savedId = meta.instanceId;
        },
        (error: unknown) => this.stop(error, 'could not save'),
      )
      .finally(() => {
        this.saving = undefined;
        if (this.dirty.size > 0 || this.metaDirty) this.flush();
      });
  };

  /** A record as persisted, with the value its var holds; none for a var not in the space under its own name (mounted with `into`). */
  private toPersisted(record: ReplicaRecord): PersistedVar | undefined {
    const { fqn, stamp, from, rev, deleted, unconfirmed } = record;
    const pending = unconfirmed === undefined ? {} : { pending: unconfirmed };
    if (deleted) return { fqn, stamp, from, rev, deleted, ...pending };
    const target = this.options.space.resolve(fqn);
    if (!target?.bound) return undefined;
    return { fqn, value: target.getValue(), stamp, from, rev, deleted, ...pending };
  }

  private meta(): PersistedMeta {
    const { connection, replica, follows } = this.options;
    return {
      format: PERSIST_FORMAT,
      instanceId: replica.self,
      token: connection.resumeToken,
      epoch: connection.epoch,
      hubId: this.options.hubId(),
      follows: follows.revisions(),
    };
  }

  private stop(error: unknown, what?: string): void {
    this.failed = true;
    this.dirty.clear();
    this.options.replica.onChange = undefined;
    if (this.announced) this.options.fail(asStoreError(error, what));
    else this.held ??= asStoreError(error, what);
  }
}

function asStoreError(error: unknown, what = 'persister failed'): StoreError {
  if (error instanceof StoreError) return error;
  const message = (error as Error)?.message ?? String(error);
  const name = (error as Error)?.name;
  return new StoreError(`${what}: ${message}`, name ? { cause: name } : {});
}

/** Whether a loaded var is one this version can take (anything else is skipped and counted, never misread). */
function wellFormed(held: PersistedVar): boolean {
  if (held === null || typeof held !== 'object') return false;
  const { fqn, stamp, from, rev, deleted, pending } = held;
  if (typeof fqn !== 'string' || typeof stamp !== 'string' || !isStamp(stamp) || typeof from !== 'string') return false;
  if (!Number.isSafeInteger(rev) || rev < 0 || typeof deleted !== 'boolean') return false;
  if (pending !== undefined && typeof pending !== 'string') return false;
  try {
    if (!deleted) checkJsonValue(held.value, fqn);
  } catch {
    return false;
  }
  return true;
}
