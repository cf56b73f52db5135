import { ConflictError } from '../core/errors.js';
import { errMessage } from '../wire/remote-error.js';
import type { HubCounters } from './hub-counters.js';
import type { Session } from './session.js';
import type { Store, StoreRecord } from './store.js';

/**
 * The hub's side of durability: it puts accepted writes in the store, and holds back what must
 * wait until the store has made them durable — the acks of a write, and the `marked` answers of
 * its writer (a writer drops its copies of the writes a mark covers). A store failure is counted,
 * reported, answers the write's acks with an `err`, and stops its writer's marks for good. @internal
 *
 * @example
 * const durability = new Durability(store, counters, (error) => space.report(error));
 * durability.put(record, session);
 * durability.ack(session, ref, record);
 */
export class Durability {
  /** Records whose `store.put` has not resolved yet: their acks wait for what the store holds after it, or its failure. */
  private readonly pending = new WeakMap<StoreRecord, Promise<StoreRecord | { readonly failed: unknown }>>();

  constructor(
    private readonly store: Store,
    private readonly counters: HubCounters,
    private readonly report: (error: unknown) => void,
  ) {}

  /**
   * Puts an accepted write in the store (a synchronous throw counts as a failed put).
   * @param writer - the session that wrote it (undefined: a write made on the hub).
   */
  put(record: StoreRecord, writer: Session | undefined): void {
    let durable: Promise<void> | void;
    try {
      durable = this.store.put(record);
    } catch (error) {
      durable = Promise.reject(error);
    }
    if (durable)
      this.await(
        record,
        durable.then(() => record),
        writer,
      );
  }

  /**
   * Waits for a shared store's commit of an accepted write (see `Store.commit`): its acks carry the
   * stored revision, or the newer write it lost to; a `cas` whose revision no longer matched is
   * answered with its `VS_CONFLICT` (a refusal, not a store failure).
   */
  commit(record: StoreRecord, committed: Promise<StoreRecord>, writer: Session | undefined): void {
    this.await(record, committed, writer);
  }

  private await(record: StoreRecord, durable: Promise<StoreRecord>, writer: Session | undefined): void {
    const settled: Promise<StoreRecord | { readonly failed: unknown }> = durable.then(
      (held) => {
        this.pending.delete(record);
        writer?.synced(settled);
        return held;
      },
      (error: unknown) => {
        if (error instanceof ConflictError) {
          this.counters.refused++;
          writer?.synced(settled);
          return { failed: error };
        }
        this.counters.errors++;
        this.report(error);
        if (writer) writer.storeFailed = true;
        return { failed: error ?? new Error('store failed') };
      },
    );
    this.pending.set(record, settled);
    writer?.unsynced(settled);
  }

  /** Acks a write: at once with a synchronous store, else once `record` is durable (an `err` if the store failed). */
  ack(session: Session, ref: number, record: StoreRecord): void {
    const durable = this.pending.get(record);
    if (!durable) {
      session.send({ t: 'ack', ref, stamp: record.stamp, rev: record.rev });
      return;
    }
    void durable.then((held) => {
      if (session.closed) return;
      session.send(
        'failed' in held ? errMessage(held.failed, { ref, fqn: record.fqn }) : { t: 'ack', ref, stamp: held.stamp, rev: held.rev },
      );
    });
  }

  /**
   * Answers a mark once every write the session made before it is durable. After a store failure
   * the session's marks go unanswered: its writes stay unconfirmed, and its link sends them again
   * when it reconnects.
   */
  mark(session: Session, n: number): void {
    const pending = session.lastUnsynced;
    if (pending === undefined) {
      if (!session.storeFailed) session.send({ t: 'marked', n });
      return;
    }
    void pending.then(() => {
      if (!session.closed && !session.storeFailed) session.send({ t: 'marked', n });
    });
  }
}
