import { BehaviorSubject, Subscription, type Observable } from 'rxjs';
import { v4 as uuid } from 'uuid';
import { ConflictError, ForbiddenError, ProtocolError, ReservedNameError, VarspaceError, VersionError } from '../core/errors.js';
import { parseFqn, parsePattern } from '../core/names.js';
import { PatternTrie, patternMatches } from '../core/pattern-trie.js';
import { Space } from '../core/space.js';
import type { Var } from '../core/var.js';
import { HybridClock, compareWrites } from '../sync/hybrid-clock.js';
import type { Transport } from '../transport/transport.js';
import { decodeFrame } from '../wire/codec.js';
import {
  PROTOCOL_VERSIONS,
  clientMessageSchema,
  type CasMessage,
  type ClientMessage,
  type DelMessage,
  type HelloMessage,
  type PubMessage,
  type SubMessage,
} from '../wire/messages.js';
import { errMessage } from '../wire/remote-error.js';
import { memoryStore } from './memory-store.js';
import { Session, type ConnectionInfo, type SessionFollow } from './session.js';
import type { Store, StoreRecord } from './store.js';

/** A connected instance, as the hub publishes it under `$sys.instances/<instanceId>`. */
export interface InstanceInfo {
  readonly instanceId: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly connectedAt: number;
  readonly principal?: string;
}

/** Options of {@link Hub}. */
export interface HubOptions {
  /** The hub's space (default: a new one). */
  readonly space?: Space;
  /** Where the latest state lives (default: `memoryStore()`). */
  readonly store?: Store;
  /** Close a connection that sends no `hello` within this time (default 10 s). */
  readonly helloTimeoutMs?: number;
  /** Keep a departed instance's resume token this long (default 5 min). */
  readonly resumeTtlMs?: number;
  /** Wall clock (tests). */
  readonly now?: () => number;
}

/** Counters of a hub. */
export interface HubStats {
  connections: number;
  vars: number;
  messagesIn: number;
  messagesOut: number;
  valuesRouted: number;
  coalesced: number;
  refused: number;
  errors: number;
  follows: number;
}

const SYS_INSTANCES = '$sys.instances';

/**
 * The routing engine of a hub: accepts transports, assigns instance ids, keeps the latest
 * value and stamp of every var in its store, and routes updates to followers through the
 * pattern trie. `startHub` puts it behind a WebSocket server; `accept` takes any transport
 * (a `MessagePort`, an in-memory pair).
 *
 * @example
 * const hub = new Hub();
 * const [client, server] = memoryPair();
 * hub.accept(server);
 * const link = await connect(client, { space });
 */
export class Hub {
  /** The hub's own instance id (the `from` of writes made on the hub). */
  readonly id = uuid();
  readonly space: Space;
  readonly store: Store;
  private readonly clock: HybridClock;
  private readonly sessions = new Set<Session>();
  private readonly live = new Map<string, Session>();
  private readonly resumeTokens = new Map<string, { token: string; timer?: ReturnType<typeof setTimeout> }>();
  private readonly followTrie = new PatternTrie<SessionFollow>();
  private readonly watching = new Map<string, Subscription>();
  private readonly tokenCache = new Map<string, readonly string[]>();
  private readonly spaceEvents: Subscription;
  private readonly instancesSubject = new BehaviorSubject<InstanceInfo[]>([]);
  private readonly counters = { messagesIn: 0, valuesRouted: 0, refused: 0, errors: 0, messagesOutClosed: 0, coalescedClosed: 0 };
  private applyingRemote = false;
  private closed = false;

  constructor(private readonly options: HubOptions = {}) {
    this.space = options.space ?? new Space();
    this.store = options.store ?? memoryStore();
    this.clock = new HybridClock(options.now);
    for (const record of this.store.records()) {
      this.clock.observe(record.stamp);
      if (!record.deleted) this.mirror(record);
    }
    this.spaceEvents = this.space.events$().subscribe((event) => {
      if (event.type === 'var-interned') this.watchVar(this.space.resolve(event.fqn)!);
      else if (event.type === 'var-unmapped') this.onLocalUnmap(event.fqn, event.origin);
    });
    for (const target of [...this.space.match('>'), ...this.space.match('$sys.>')]) this.watchVar(target);
  }

  /** The connected instances, now and on every change. */
  get instances$(): Observable<InstanceInfo[]> {
    return this.instancesSubject.asObservable();
  }

  /** Counters for `/stats` and tests. */
  stats(): HubStats {
    let messagesOut = this.counters.messagesOutClosed;
    let coalesced = this.counters.coalescedClosed;
    let follows = 0;
    for (const session of this.sessions) {
      messagesOut += session.outbox.sent;
      coalesced += session.outbox.coalesced;
      follows += session.follows.size;
    }
    let vars = 0;
    for (const record of this.store.records()) if (!record.deleted) vars++;
    return {
      connections: this.live.size,
      vars,
      messagesIn: this.counters.messagesIn,
      messagesOut,
      valuesRouted: this.counters.valuesRouted,
      coalesced,
      refused: this.counters.refused,
      errors: this.counters.errors,
      follows,
    };
  }

  /**
   * Takes a new connection; it must say `hello` within `helloTimeoutMs`.
   * @returns a function that closes it.
   */
  accept(transport: Transport, info: ConnectionInfo = {}): () => void {
    const session = new Session(transport, info);
    this.sessions.add(session);
    const helloTimer = setTimeout(() => {
      if (!session.welcomed) this.refuse(session, new ProtocolError('no hello in time'), 4008);
    }, this.options.helloTimeoutMs ?? 10_000);
    transport.listen({
      frame: (data) => this.onFrame(session, data),
      close: () => {
        clearTimeout(helloTimer);
        this.onSessionClosed(session);
      },
      drain: () => session.outbox.flush(),
    });
    return () => transport.close(1001, 'hub closing');
  }

  /** Closes every connection and stops watching the space. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const session of [...this.sessions]) {
      session.outbox.flush();
      session.transport.close(1001, 'hub closing');
      this.onSessionClosed(session);
    }
    this.spaceEvents.unsubscribe();
    for (const subscription of this.watching.values()) subscription.unsubscribe();
    this.watching.clear();
    for (const entry of this.resumeTokens.values()) if (entry.timer) clearTimeout(entry.timer);
    this.resumeTokens.clear();
    this.instancesSubject.complete();
    await this.store.close();
  }

  // ---- frames ----

  private onFrame(session: Session, data: string): void {
    if (session.closed) return;
    let messages: ClientMessage[];
    try {
      messages = decodeFrame(data, clientMessageSchema);
    } catch (error) {
      this.counters.errors++;
      session.send(errMessage(error));
      return;
    }
    this.counters.messagesIn += messages.length;
    session.messagesIn += messages.length;
    if (!session.welcomed) {
      const [hello, ...rest] = messages;
      if (hello.t !== 'hello') {
        this.refuse(session, new ProtocolError('the first message must be hello'), 4002);
        return;
      }
      if (!this.onHello(session, hello)) return;
      messages = rest;
    }
    this.space.batch.run(() => {
      for (const message of messages) {
        if (session.closed) return;
        try {
          this.onMessage(session, message);
        } catch (error) {
          this.counters.errors++;
          session.send(errMessage(error, 'ref' in message && message.ref !== undefined ? { ref: message.ref } : {}));
        }
      }
    });
  }

  private onMessage(session: Session, message: ClientMessage): void {
    switch (message.t) {
      case 'pub': return this.onPub(session, message);
      case 'sub': return this.onSub(session, message);
      case 'unsub': return this.removeFollow(session, message.sid);
      case 'cas': return this.onCas(session, message);
      case 'del': return this.onDel(session, message);
      case 'mark': return session.send({ t: 'marked', n: message.n });
      case 'ping': return session.send({ t: 'pong', n: message.n });
      case 'pong': return;
      case 'bye': return session.transport.close(1000, 'bye');
      case 'hello': throw new ProtocolError('hello was already said');
    }
  }

  private onHello(session: Session, hello: HelloMessage): boolean {
    const version = Math.max(...hello.versions.filter((v) => PROTOCOL_VERSIONS.includes(v)));
    if (!Number.isFinite(version)) {
      this.refuse(session, new VersionError(`unsupported protocol versions ${hello.versions.join(',')}; this hub speaks ${PROTOCOL_VERSIONS.join(',')}`), 4002);
      return false;
    }
    let id: string = uuid();
    let token: string = uuid();
    if (hello.resume) {
      const { id: claimed, token: presented } = hello.resume;
      const known = this.resumeTokens.get(claimed);
      if (this.live.has(claimed)) {
        this.refuse(session, new ForbiddenError(`instance id ${claimed} is live on another connection`), 4003);
        return false;
      }
      if (known && known.token !== presented) {
        this.refuse(session, new ForbiddenError(`wrong resume token for instance ${claimed}`), 4003);
        return false;
      }
      // An unknown id is taken as it is: the hub restarted and lost its memory of it.
      id = claimed;
      token = presented;
    }
    const known = this.resumeTokens.get(id);
    if (known?.timer) clearTimeout(known.timer);
    this.resumeTokens.set(id, { token });
    session.id = id;
    session.token = token;
    session.attributes = hello.attributes ?? {};
    session.connectedAt = Date.now();
    session.welcomed = true;
    this.live.set(id, session);
    session.send({ t: 'welcome', version, id, token, hub: this.id, epoch: this.store.epoch, time: Date.now() });
    this.publishInstance(session);
    return true;
  }

  private refuse(session: Session, error: VarspaceError, closeCode: number): void {
    this.counters.refused++;
    session.send(errMessage(error));
    session.outbox.flush();
    session.transport.close(closeCode, `${error.code} ${error.message}`.slice(0, 120));
  }

  private onSessionClosed(session: Session): void {
    if (session.closed) return;
    session.closed = true;
    this.sessions.delete(session);
    for (const follow of session.follows.values()) this.followTrie.remove(follow.tokens, follow);
    session.follows.clear();
    this.counters.messagesOutClosed += session.outbox.sent;
    this.counters.coalescedClosed += session.outbox.coalesced;
    session.outbox.dispose();
    if (!session.welcomed || this.live.get(session.id) !== session) return;
    this.live.delete(session.id);
    const entry = this.resumeTokens.get(session.id);
    if (entry && !this.closed) {
      entry.timer = setTimeout(() => this.resumeTokens.delete(session.id), this.options.resumeTtlMs ?? 300_000);
      entry.timer.unref?.();
    }
    if (!this.closed) this.space.unmap(`${SYS_INSTANCES}/${session.id}`);
    this.emitInstances();
  }

  // ---- presence ----

  private publishInstance(session: Session): void {
    const info: InstanceInfo = {
      instanceId: session.id,
      attributes: session.attributes,
      connectedAt: session.connectedAt,
      ...(typeof session.info.principal === 'string' ? { principal: session.info.principal } : {}),
    };
    this.space.ensure(`${SYS_INSTANCES}/${session.id}`, { system: true }, info);
    this.emitInstances();
  }

  private emitInstances(): void {
    const list: InstanceInfo[] = [];
    for (const target of this.space.match(`${SYS_INSTANCES}/*`)) if (target.bound) list.push(target.getValue() as InstanceInfo);
    this.instancesSubject.next(list);
  }

  // ---- follows ----

  private onSub(session: Session, message: SubMessage): void {
    let tokens: readonly string[];
    try {
      tokens = parsePattern(message.pattern).tokens;
    } catch (error) {
      session.send(errMessage(error, { sid: message.sid }));
      return;
    }
    this.removeFollow(session, message.sid);
    const follow: SessionFollow = { session, sid: message.sid, tokens };
    session.follows.set(message.sid, follow);
    this.followTrie.add(tokens, follow);
    const since = message.since !== undefined && message.epoch === this.store.epoch ? message.since : undefined;
    for (const record of this.store.records()) {
      if (since === undefined ? record.deleted : record.rev <= since) continue;
      if (!patternMatches(tokens, this.tokensOf(record.fqn))) continue;
      session.outbox.put(record.fqn, serialize(record));
    }
    session.send({ t: 'subok', sid: message.sid, rev: this.store.rev });
  }

  private removeFollow(session: Session, sid: number): void {
    const follow = session.follows.get(sid);
    if (!follow) return;
    session.follows.delete(sid);
    this.followTrie.remove(follow.tokens, follow);
  }

  // ---- writes ----

  private onPub(session: Session, message: PubMessage): void {
    const current = this.store.get(message.fqn);
    if (!current) parseFqn(message.fqn);
    else if (message.fqn.charCodeAt(0) === 36) throw new ReservedNameError(message.fqn);
    if (current && compareWrites(message.stamp, session.id, current.stamp, current.from) <= 0) {
      // An older write lost to the one held: correct the writer, change nothing.
      session.outbox.put(current.fqn, serialize(current));
      if (message.ref !== undefined) session.send({ t: 'ack', ref: message.ref, stamp: current.stamp, rev: current.rev });
      return;
    }
    const record = this.commit(session, message.fqn, message.value, message.stamp, session.id, false, current);
    if (record && message.ref !== undefined) session.send({ t: 'ack', ref: message.ref, stamp: record.stamp, rev: record.rev });
  }

  private onCas(session: Session, message: CasMessage): void {
    const current = this.store.get(message.fqn);
    if (!current) parseFqn(message.fqn);
    else if (message.fqn.charCodeAt(0) === 36) throw new ReservedNameError(message.fqn);
    const revision = current && !current.deleted ? current.rev : 0;
    if (revision !== message.rev) {
      this.counters.refused++;
      const error = new ConflictError(`${message.fqn}: expected revision ${message.rev}, it is ${revision}`);
      session.send(errMessage(error, { ref: message.ref, fqn: message.fqn, ...(current && !current.deleted ? { current: currentOf(current) } : {}) }));
      return;
    }
    // The hub orders a successful CAS after what it holds, whatever the writer's clock says.
    this.clock.observe(message.stamp);
    if (current) this.clock.observe(current.stamp);
    const record = this.commit(session, message.fqn, message.value, this.clock.tick(), session.id, false, current);
    if (record) session.send({ t: 'ack', ref: message.ref, stamp: record.stamp, rev: record.rev });
  }

  private onDel(session: Session, message: DelMessage): void {
    const current = this.store.get(message.fqn);
    if (!current) parseFqn(message.fqn);
    else if (message.fqn.charCodeAt(0) === 36) throw new ReservedNameError(message.fqn);
    if (current && compareWrites(message.stamp, session.id, current.stamp, current.from) <= 0) {
      if (message.ref !== undefined) session.send({ t: 'ack', ref: message.ref, stamp: current.stamp, rev: current.rev });
      return;
    }
    const record = this.commit(session, message.fqn, undefined, message.stamp, session.id, true, current);
    if (record && message.ref !== undefined) session.send({ t: 'ack', ref: message.ref, stamp: record.stamp, rev: record.rev });
  }

  /**
   * Applies an accepted write: mirrors it into the hub's space (where validators may refuse it),
   * stores it, and routes it to every follower but the writer.
   */
  private commit(
    writer: Session | undefined,
    fqn: string,
    value: unknown,
    stamp: string,
    from: string,
    deleted: boolean,
    current: StoreRecord | undefined,
  ): StoreRecord | undefined {
    this.clock.observe(stamp);
    const record: StoreRecord = { fqn, value, stamp, from, rev: this.store.rev + 1, deleted };
    if (writer) {
      try {
        this.applyingRemote = true;
        if (deleted) this.space.unmap(fqn, { origin: from });
        else this.mirror(record);
      } catch (error) {
        this.counters.refused++;
        writer.send(errMessage(error, { fqn, ...(current && !current.deleted ? { current: currentOf(current) } : {}) }));
        return undefined;
      } finally {
        this.applyingRemote = false;
      }
    }
    void this.store.put(record);
    this.route(record, writer);
    return record;
  }

  private mirror(record: StoreRecord): void {
    this.space.ensure(record.fqn, { origin: record.from, system: true }, record.value);
  }

  private route(record: StoreRecord, writer: Session | undefined): void {
    let serialized: string | undefined;
    this.followTrie.forEachMatch(this.tokensOf(record.fqn), (follow) => {
      if (follow.session === writer) return;
      serialized ??= serialize(record);
      follow.session.outbox.put(record.fqn, serialized);
      this.counters.valuesRouted++;
    });
  }

  private tokensOf(fqn: string): readonly string[] {
    let tokens = this.tokenCache.get(fqn);
    if (!tokens) {
      tokens = parseFqn(fqn, { system: true }).tokens;
      this.tokenCache.set(fqn, tokens);
    }
    return tokens;
  }

  // ---- writes made on the hub itself ----

  private watchVar(target: Var<any>): void {
    if (this.watching.has(target.fqn)) return;
    this.watching.set(target.fqn, target.changes$.subscribe((change) => {
      if (change.origin === undefined) this.onLocalWrite(target.fqn, change.value);
    }));
    if (target.bound && !this.applyingRemote && !this.store.get(target.fqn)) this.onLocalWrite(target.fqn, target.getValue());
  }

  private onLocalWrite(fqn: string, value: unknown): void {
    this.commit(undefined, fqn, value, this.clock.tick(), this.id, false, this.store.get(fqn));
  }

  private onLocalUnmap(fqn: string, origin: string | undefined): void {
    this.watching.get(fqn)?.unsubscribe();
    this.watching.delete(fqn);
    if (origin !== undefined || this.applyingRemote || this.closed) return;
    const current = this.store.get(fqn);
    if (current && !current.deleted) this.commit(undefined, fqn, undefined, this.clock.tick(), this.id, true, current);
  }
}

function serialize(record: StoreRecord): string {
  const { fqn, stamp, from, rev } = record;
  return record.deleted
    ? JSON.stringify({ t: 'gone', fqn, stamp, from, rev })
    : JSON.stringify({ t: 'upd', fqn, value: record.value, stamp, from, rev });
}

function currentOf(record: StoreRecord): { value: unknown; stamp: string; from: string; rev: number } {
  return { value: record.value, stamp: record.stamp, from: record.from, rev: record.rev };
}
