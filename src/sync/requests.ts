import { ClosedError, ConflictError, type VarspaceError } from '../core/errors.js';
import { checkJsonValue } from '../core/json-value.js';
import type { Space } from '../core/space.js';
import type { Var } from '../core/var.js';
import { compareWrites } from '../wire/hybrid-clock.js';
import type { ErrMessage } from '../wire/messages.js';
import type { Connection } from './connection.js';
import type { WriteAck } from './link.js';
import type { Replica } from './replica.js';

/** A request the hub has not answered yet. */
interface Pending {
  resolve(ack: WriteAck): void;
  reject(error: Error): void;
  readonly fqn: string;
  /** Sent again after a reconnect until answered. */
  readonly serialized: string;
}

/** Options of {@link Requests}. @internal */
export interface RequestsOptions {
  /** The connection the requests leave through. */
  readonly connection: Connection;
  /** The records a request's write and its answer go in. */
  readonly replica: Replica;
  /** The local space, which `set` and `cas` write into. */
  readonly space: Space;
}

/**
 * A link's requests that the hub answers one by one — `set` (a `pub` with a ref), `cas`, `ping` —
 * kept until answered, and sent again after a reconnect or a dropped frame. @internal
 *
 * @example
 * const ack = await requests.set('ui/theme', 'dark');   // { stamp, rev }
 */
export class Requests {
  private readonly pending = new Map<number, Pending>();
  private readonly pings = new Map<number, { resolve(): void; reject(error: Error): void }>();
  private nextRef = 1;
  private nextPing = 1;
  private readonly connection: Connection;
  private readonly replica: Replica;
  private readonly space: Space;

  constructor(options: RequestsOptions) {
    this.connection = options.connection;
    this.replica = options.replica;
    this.space = options.space;
  }

  /** See `Link.set`. */
  set<T>(fqn: string, value: T): Promise<WriteAck> {
    try {
      checkJsonValue(value, fqn);
    } catch (error) {
      return Promise.reject(error);
    }
    const target = this.space.intern<T>(fqn);
    const stamp = this.replica.clock.tick();
    this.writeLocal(target, value, stamp);
    return this.request(fqn, (ref) => ({ t: 'pub', fqn, value, stamp, ref }));
  }

  /** See `Link.cas`. */
  async cas<T>(fqn: string, expectedRevision: number, value: T): Promise<WriteAck> {
    checkJsonValue(value, fqn);
    for (let attempt = 0; ; attempt++) {
      const stamp = this.replica.clock.tick();
      let ack: WriteAck;
      try {
        ack = await this.request(fqn, (ref) => ({ t: 'cas', fqn, value, stamp, rev: expectedRevision, ref }));
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        const current = error.details?.current as { stamp: string; from: string; rev: number } | undefined;
        // Sent again after a reconnect, and the first copy had been applied: the hub holds this very write.
        if (current && current.stamp === stamp && current.from === this.replica.self) return { stamp, rev: current.rev };
        // The revision matched, but the hub held a write stamped after this clock: it has observed
        // that stamp now (the hub sent the held state first), so stamp again and retry.
        const stampBehind = current ? current.rev === expectedRevision : expectedRevision === 0;
        if (stampBehind && attempt < 3) continue;
        throw error;
      }
      const record = this.replica.get(fqn);
      // A newer write (a later local one, or one from the hub that arrived first) keeps its place.
      if (!record || compareWrites(ack.stamp, this.replica.self, record.stamp, record.from) > 0) {
        this.writeLocal(this.space.intern<T>(fqn), value, ack.stamp);
        this.replica.setValue(fqn, ack.stamp, this.replica.self, ack.rev);
      }
      return ack;
    }
  }

  /** See `Link.ping`. */
  ping(): Promise<number> {
    if (this.connection.status$.value === 'closed') return Promise.reject(new ClosedError('link is closed'));
    const n = this.nextPing++;
    const started = Date.now();
    this.sendPing(n);
    return new Promise<number>((resolve, reject) => this.pings.set(n, { resolve: () => resolve(Date.now() - started), reject }));
  }

  /** The hub accepted request `ref`. */
  onAck(ref: number, stamp: string, rev: number): void {
    const pending = this.pending.get(ref);
    if (!pending) return;
    this.pending.delete(ref);
    const record = this.replica.get(pending.fqn);
    if (record && record.stamp === stamp) record.rev = rev;
    pending.resolve({ stamp, rev });
  }

  /** The hub answered ping `n`. */
  onPong(n: number): void {
    this.pings.get(n)?.resolve();
    this.pings.delete(n);
  }

  /**
   * The hub refused a request: its write is corrected to the hub's state (if sent) and it rejects
   * with `error`. Returns false when no request of this link has `message.ref`.
   */
  onRefused(message: ErrMessage, error: VarspaceError): boolean {
    const pending = message.ref === undefined ? undefined : this.pending.get(message.ref);
    if (!pending) return false;
    this.pending.delete(message.ref!);
    if (message.current) this.replica.correct(pending.fqn, message.current, message.refused);
    pending.reject(error);
    return true;
  }

  /** Whether a request for `fqn` is unanswered (the hub may then send a correction of it). */
  awaits(fqn: string): boolean {
    for (const pending of this.pending.values()) if (pending.fqn === fqn) return true;
    return false;
  }

  /** After a dropped frame: sends every unanswered request and ping again. */
  resend(): void {
    for (const pending of this.pending.values()) this.connection.outbox.push(pending.serialized);
    for (const n of this.pings.keys()) this.sendPing(n);
  }

  /** After a reconnect: sends every unanswered request and ping again, and one ping that proves the connection. */
  resync(sameHubState: boolean): void {
    for (const [ref, pending] of this.pending) {
      // A cas's revision means nothing in another hub state (revisions are per epoch): it is
      // refused here rather than matched against an unrelated revision there. (Revision 0, "must
      // not exist", means the same everywhere.)
      const request = sameHubState ? undefined : (JSON.parse(pending.serialized) as { t: string; rev?: number });
      if (request?.t === 'cas' && request.rev !== 0) {
        this.pending.delete(ref);
        pending.reject(
          new ConflictError(`${pending.fqn}: the hub lost its state (a new epoch); expected revision ${request.rev} means nothing there`, {
            fqn: pending.fqn,
          }),
        );
        continue;
      }
      this.connection.outbox.push(pending.serialized);
    }
    // Pings sent on the lost connection are asked again, so `ping()` still resolves; and one is
    // always asked, so that the hub's answer proves the connection (and resets the backoff).
    for (const n of this.pings.keys()) this.sendPing(n);
    this.sendPing(0);
  }

  /** The link closed: every unanswered request and ping rejects with {@link ClosedError}. */
  close(): void {
    for (const pending of this.pending.values()) pending.reject(new ClosedError('link closed before the hub answered'));
    this.pending.clear();
    for (const ping of this.pings.values()) ping.reject(new ClosedError('link closed before the hub answered'));
    this.pings.clear();
  }

  private request(fqn: string, make: (ref: number) => object): Promise<WriteAck> {
    if (this.connection.status$.value === 'closed') return Promise.reject(new ClosedError('link is closed'));
    const ref = this.nextRef++;
    const serialized = JSON.stringify(make(ref));
    // While reconnecting, a request waits for the welcome (resync sends every pending one): sent
    // now as well, right after the hello, it would reach the hub twice (a cas then fails).
    if (this.connection.isOpen) this.connection.outbox.push(serialized);
    return new Promise<WriteAck>((resolve, reject) => this.pending.set(ref, { resolve, reject, fqn, serialized }));
  }

  /**
   * Writes a value of `set` or `cas` into the local var. Its origin is this link: the write is on
   * its way to the hub already, so no share sends it again.
   */
  private writeLocal<T>(target: Var<T>, value: T, stamp: string): void {
    this.replica.ownWrite(target.fqn, stamp);
    target.write(value, this.replica.self);
  }

  private sendPing(n: number): void {
    this.connection.outbox.push(JSON.stringify({ t: 'ping', n }));
  }
}
