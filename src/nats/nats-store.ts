import { readFile } from 'node:fs/promises';
import type { KV, KvEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConflictError, StoreError, StoreUnavailableError, VarspaceError } from '../core/errors.js';
import type { Store, StoreHealth, StoreRecord } from '../hub/store.js';
import { newSecret } from '../hub/resume-token.js';
import { randomUuid } from '../identity/uuid.js';
import { compareWrites } from '../wire/hybrid-clock.js';
import { fqnToKey, keyToFqn } from './fqn-key.js';
import { loadNats } from './load-nats.js';
import { checkNatsStoreOptions, type NatsStoreOptions } from './nats-store-options.js';

/** The NATS modules `natsStore` uses, loaded on demand (`loadNats`). */
interface NatsModules {
  readonly transport: typeof import('@nats-io/transport-node');
  readonly kv: typeof import('@nats-io/kv');
  readonly jetstream: typeof import('@nats-io/jetstream');
}

/** A record as a KV value: stamp, writer, and the value or a tombstone mark. */
interface KvRecord {
  readonly s: string;
  readonly f: string;
  readonly v?: unknown;
  readonly d?: 1;
}

/** Conditional-update retries of one write before it is given up (each one lost to a newer revision). */
const MAX_ATTEMPTS = 50;
const encoder = new TextEncoder();

/**
 * A {@link Store} in a NATS JetStream KV bucket, shared by any number of hubs: the cluster's
 * durable truth. Each hub keeps every record in memory, fed by one watch of the bucket (its
 * prefix), and reports each as a change in revision order — the hub routes and mirrors what it
 * reports, its own writes included. A write is a conditional update on the key's KV revision
 * (re-read and retried when another hub got there first; last writer wins by stamp, never a blind
 * put), acknowledged once JetStream has it; `rev` is the KV revision, the same on every hub.
 * The bucket holds the epoch and the resume-token secret (under `_meta.`), made by the first hub.
 *
 * @throws rejects with {@link StoreUnavailableError} when NATS cannot be reached within
 *   `timeoutMs`, {@link MissingPackageError} when `@nats-io/*` is not installed,
 *   {@link ValidationError} for bad options, {@link StoreError} when the bucket cannot be used.
 * @example
 * const store = await natsStore({ servers: 'nats://127.0.0.1:4222', bucket: 'varspace' });
 * const hub = await startHub({ store, port: 7070 });
 */
export async function natsStore(options: NatsStoreOptions): Promise<Store> {
  const checked = checkNatsStoreOptions(options);
  const [transport, kv, jetstream] = await loadNats();
  const modules = { transport, kv, jetstream } as NatsModules;
  const timeoutMs = checked.timeoutMs ?? 5_000;
  const nc = await withTimeout(connectNats(modules, checked, timeoutMs), timeoutMs, checked.servers);
  try {
    return await withTimeout(NatsStore.open(modules, nc, checked, timeoutMs), timeoutMs * 2, checked.servers);
  } catch (error) {
    await nc.close().catch(() => {});
    throw error;
  }
}

async function connectNats(modules: NatsModules, options: NatsStoreOptions, timeoutMs: number): Promise<NatsConnection> {
  const { transport } = modules;
  const authenticator = options.credsFile ? transport.credsAuthenticator(new Uint8Array(await readFile(options.credsFile))) : undefined;
  try {
    return await transport.connect({
      servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.user !== undefined ? { user: options.user, pass: options.pass } : {}),
      ...(authenticator ? { authenticator } : {}),
      timeout: timeoutMs,
      name: 'varspace-hub',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // A silent network (no TCP close) is noticed after two unanswered pings, not NATS's default 4 minutes.
      pingInterval: timeoutMs,
      maxPingOut: 2,
    });
  } catch (error) {
    throw new StoreUnavailableError(`cannot connect to NATS at ${String(options.servers)}: ${(error as Error).message}`);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, servers: NatsStoreOptions['servers']): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`NATS at ${String(servers)} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

class NatsStore implements Store {
  epoch = '';
  secret: string | undefined;
  rev = 0;
  readonly liveness: { intervalMs: number; timeoutMs: number };
  private readonly byFqn = new Map<string, StoreRecord>();
  /** The newest record known per FQN (the watch's, or one this hub just stored or read): a write's expected revision. */
  private readonly known = new Map<string, StoreRecord>();
  /** The last write of each FQN in flight: writes of one FQN from this hub go one after the other. */
  private readonly tails = new Map<string, Promise<unknown>>();
  /** The plain write of each FQN waiting for its turn (a newer one takes its place). */
  private readonly queued = new Map<string, { record: StoreRecord; stored: Promise<StoreRecord> }>();
  private readonly listeners = new Set<(record: StoreRecord) => void>();
  private readonly keyPrefix: string;
  private down: string | undefined;
  private closed = false;
  private watching: { stop(): void } | undefined;
  private initialized: (() => void) | undefined;

  private constructor(
    private readonly modules: NatsModules,
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    options: NatsStoreOptions,
  ) {
    this.keyPrefix = options.prefix ? `${options.prefix}.` : '';
    this.liveness = { intervalMs: options.hubIntervalMs ?? 2_000, timeoutMs: options.hubTimeoutMs ?? 10_000 };
  }

  static async open(modules: NatsModules, nc: NatsConnection, options: NatsStoreOptions, timeoutMs: number): Promise<NatsStore> {
    const js = modules.jetstream.jetstream(nc, { timeout: timeoutMs });
    const kvm = new modules.kv.Kvm(js);
    const name = options.bucket ?? 'varspace';
    let kv: KV;
    try {
      kv = await kvm.create(name, { history: options.history ?? 1, replicas: options.replicas ?? 1 });
    } catch {
      try {
        kv = await kvm.open(name);
      } catch (error) {
        throw new StoreError(`cannot open the NATS KV bucket ${name}: ${(error as Error).message}`, { bucket: name });
      }
    }
    const store = new NatsStore(modules, nc, kv, options);
    store.epoch = await store.meta('epoch', randomUuid());
    store.secret = await store.meta('secret', newSecret());
    await store.watch(0);
    store.follow();
    return store;
  }

  health(): StoreHealth {
    return this.down === undefined ? { ok: true } : { ok: false, reason: this.down };
  }

  get(fqn: string): StoreRecord | undefined {
    return this.byFqn.get(fqn);
  }

  records(): Iterable<StoreRecord> {
    return this.byFqn.values();
  }

  async put(record: StoreRecord): Promise<void> {
    await this.commit(record);
  }

  changes(listener: (record: StoreRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  commit(record: StoreRecord, expectedRev?: number): Promise<StoreRecord> {
    const { fqn } = record;
    if (expectedRev === undefined) {
      // A plain write of a var whose queued write has not started yet takes its place (the older
      // of the two resolves with the newer: it lost, as it would have at the bucket): one KV update
      // for a burst of writes of one var.
      const queued = this.queued.get(fqn);
      if (queued) {
        if (compareWrites(record.stamp, record.from, queued.record.stamp, queued.record.from) > 0) queued.record = record;
        return queued.stored;
      }
    }
    const entry: { record: StoreRecord; stored: Promise<StoreRecord> } = { record, stored: undefined! };
    if (expectedRev === undefined) this.queued.set(fqn, entry);
    entry.stored = (this.tails.get(fqn) ?? Promise.resolve()).then(() => {
      if (this.queued.get(fqn) === entry) this.queued.delete(fqn);
      return this.store(entry.record, expectedRev);
    });
    const tail = entry.stored.catch(() => {});
    this.tails.set(fqn, tail);
    void tail.then(() => {
      if (this.tails.get(fqn) === tail) this.tails.delete(fqn);
    });
    return entry.stored;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watching?.stop();
    await this.nc.drain().catch(() => this.nc.close());
  }

  /** Stores one write: a conditional update on the revision last known, re-read and retried while another hub got there first. */
  private async store(record: StoreRecord, expectedRev: number | undefined): Promise<StoreRecord> {
    if (this.down !== undefined || this.closed) throw this.unavailable();
    const key = this.keyOf(record.fqn);
    const data = encoder.encode(
      JSON.stringify(record.deleted ? { s: record.stamp, f: record.from, d: 1 } : { s: record.stamp, f: record.from, v: record.value }),
    );
    let held = this.newest(record.fqn);
    let fresh = false; // whether `held` was read from the bucket just now
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (expectedRev !== undefined) {
        const revision = held && !held.deleted ? held.rev : 0;
        if (revision !== expectedRev) {
          if (!fresh) {
            held = await this.read(key, record.fqn);
            fresh = true;
            continue;
          }
          throw new ConflictError(`${record.fqn}: expected revision ${expectedRev}, it is ${revision}`, { fqn: record.fqn });
        }
      } else if (held && compareWrites(record.stamp, record.from, held.stamp, held.from) <= 0) return held; // lost to a newer write
      try {
        const rev = held ? await this.kv.update(key, data, held.rev) : await this.kv.create(key, data);
        const stored: StoreRecord = { ...record, rev };
        this.know(stored);
        return stored;
      } catch (error) {
        if (!isWrongRevision(error)) throw this.failure(error, record.fqn);
        held = await this.read(key, record.fqn);
        fresh = true;
      }
    }
    throw new StoreUnavailableError(`${record.fqn}: gave up after ${MAX_ATTEMPTS} conflicting updates`, { fqn: record.fqn });
  }

  /** The newest record of `fqn` in the bucket (read now). */
  private async read(key: string, fqn: string): Promise<StoreRecord | undefined> {
    let entry: KvEntry | null;
    try {
      entry = await this.kv.get(key);
    } catch (error) {
      throw this.failure(error, fqn);
    }
    const record = entry ? this.recordOf(fqn, entry) : undefined;
    if (record) this.know(record);
    return record;
  }

  private newest(fqn: string): StoreRecord | undefined {
    const known = this.known.get(fqn);
    const watched = this.byFqn.get(fqn);
    return known && (!watched || known.rev > watched.rev) ? known : watched;
  }

  private know(record: StoreRecord): void {
    const known = this.known.get(record.fqn);
    if (!known || known.rev < record.rev) this.known.set(record.fqn, record);
  }

  /** Watches the bucket (from `fromRev`, or every key's last value) and resolves once the last values are in. */
  private async watch(fromRev: number): Promise<void> {
    const iterator = await this.kv.watch({
      key: `${this.keyPrefix}>`,
      ...(fromRev > 0 ? { resumeFromRevision: fromRev } : { include: this.modules.kv.KvWatchInclude.LastValue }),
    });
    this.watching = iterator;
    const loaded = new Promise<void>((resolve) => (this.initialized = resolve));
    void (async () => {
      for await (const entry of iterator) {
        this.onEntry(entry);
        if (entry.isUpdate || fromRev > 0) this.initialized?.();
      }
      if (!this.closed) setTimeout(() => void this.rewatch(), 500).unref?.();
    })().catch(() => {
      if (!this.closed) setTimeout(() => void this.rewatch(), 500).unref?.();
    });
    // The bucket always holds `_meta.epoch` under the prefix, so the first load has an entry to end on.
    if (fromRev === 0) await loaded;
  }

  private async rewatch(): Promise<void> {
    if (this.closed) return;
    try {
      await this.watch(this.rev + 1);
    } catch {
      setTimeout(() => void this.rewatch(), 500).unref?.();
    }
  }

  private onEntry(entry: KvEntry): void {
    if (entry.revision <= this.rev) return; // seen already (a watch that resumed)
    this.rev = entry.revision;
    const key = entry.key.slice(this.keyPrefix.length);
    if (key.startsWith('_meta.') || entry.operation !== 'PUT') return; // varspace never deletes keys: a DEL is someone else's
    let fqn: string;
    try {
      fqn = keyToFqn(key);
    } catch {
      return; // a key varspace did not write
    }
    const record = this.recordOf(fqn, entry);
    if (!record) return;
    const held = this.byFqn.get(fqn);
    if (held && held.rev >= record.rev) return;
    this.byFqn.set(fqn, record);
    this.know(record);
    for (const listener of this.listeners) listener(record);
  }

  private recordOf(fqn: string, entry: KvEntry): StoreRecord | undefined {
    if (entry.operation !== 'PUT') return undefined;
    let data: KvRecord;
    try {
      data = entry.json<KvRecord>();
    } catch {
      return undefined;
    }
    if (typeof data?.s !== 'string' || typeof data.f !== 'string') return undefined;
    return { fqn, value: data.d === 1 ? undefined : data.v, stamp: data.s, from: data.f, rev: entry.revision, deleted: data.d === 1 };
  }

  /** Follows the connection: writes are refused while it is down, and the watch catches up when it returns. */
  private follow(): void {
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect' || status.type === 'staleConnection') this.down = `NATS connection lost (${status.type})`;
        else if (status.type === 'reconnect') this.down = undefined;
      }
    })().catch(() => {});
    void this.nc.closed().then(() => {
      if (!this.closed) this.down = 'NATS connection closed';
    });
  }

  /** The `_meta.<name>` value of the bucket, made by the first hub (`kv.create` lets exactly one win). */
  private async meta(name: string, made: string): Promise<string> {
    const key = `${this.keyPrefix}_meta.${name}`;
    try {
      await this.kv.create(key, made);
      return made;
    } catch (error) {
      if (!isWrongRevision(error)) throw this.failure(error, key);
    }
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== 'PUT') throw new StoreError(`the NATS KV bucket lost its ${key} record`);
    return entry.string();
  }

  private keyOf(fqn: string): string {
    return this.keyPrefix + fqnToKey(fqn);
  }

  private unavailable(): StoreUnavailableError {
    return new StoreUnavailableError(this.closed ? 'the NATS store is closed' : `${this.down}: writes are refused until it returns`);
  }

  private failure(error: unknown, fqn: string): VarspaceError {
    if (error instanceof VarspaceError) return error;
    const message = (error as Error)?.message ?? String(error);
    if (this.down !== undefined || /timeout|no responders|closed|disconnect|connection/i.test(message)) {
      return new StoreUnavailableError(`NATS did not store ${fqn}: ${message}`, { fqn });
    }
    return new StoreError(`NATS did not store ${fqn}: ${message}`, { fqn });
  }
}

/** Whether a conditional write failed because the key's revision moved on (another hub wrote first). */
function isWrongRevision(error: unknown): boolean {
  return /wrong last sequence|key exists/i.test((error as Error)?.message ?? '');
}
