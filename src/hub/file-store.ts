import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { v4 as uuid } from 'uuid';
import { ClosedError, StoreError, ValidationError } from '../core/errors.js';
import { MIN_SECRET_LENGTH, newSecret } from './resume-token.js';
import type { Store, StoreRecord } from './store.js';

/**
 * When a file store forces its log to disk.
 * - `'always'`: every write is on disk (`fdatasync`) before `put` resolves, so before the hub
 *   acks it. Writes that arrive while a sync runs share the next one (group commit).
 * - `{ intervalMs }`: `put` resolves once the record is handed to the OS (it survives the process
 *   being killed); the log is synced every `intervalMs`, so an OS crash or power loss can lose
 *   up to that much of acknowledged writes.
 */
export type FsyncPolicy = 'always' | { readonly intervalMs: number };

/** Options of {@link fileStore}. */
export interface FileStoreOptions {
  /** When the log is forced to disk (default `'always'`). */
  readonly fsync?: FsyncPolicy;
  /**
   * Compact when the log holds more than this many times the bytes of the live state
   * (default 4; at least 1). Each compaction writes the live state once, so the write
   * amplification is about `1 + 1 / compactFactor`.
   */
  readonly compactFactor?: number;
  /** Never compact a log smaller than this (default 1 MiB), so a small store is not rewritten on every write. */
  readonly compactMinBytes?: number;
  /**
   * What to do with damaged records that are not the torn end of the log (a bad line followed by
   * good ones, a damaged snapshot, a log without its snapshot). `'recover'` (default): skip them,
   * keep every good record, copy the damaged files aside (`*.corrupt-<time>`) and start a new
   * epoch, so clients resync in full instead of trusting revisions. `'refuse'`: reject with
   * {@link StoreError} and change nothing.
   */
  readonly onCorruption?: 'recover' | 'refuse';
}

/** What {@link fileStore} found when it opened its directory. */
export interface FileStoreRecovery {
  /** The directory held no store: a new one was created (with a new epoch). */
  readonly created: boolean;
  /** Records read from the snapshot. */
  readonly snapshotRecords: number;
  /** Log records applied on top of the snapshot (those with a revision above it). */
  readonly logRecords: number;
  /** Bytes of a torn or damaged end of the log, dropped (the log was truncated before them). */
  readonly droppedTailBytes: number;
  /** Damaged lines skipped before the end of the log or in the snapshot (see `onCorruption`). */
  readonly corruptLines: number;
  /** True when damage made the history untrustworthy and a new epoch was started. */
  readonly epochChanged: boolean;
  /** Copies of damaged files kept for inspection. */
  readonly quarantined: readonly string[];
}

/** Counters of a file store. */
export interface FileStoreStats {
  /** Bytes in the log file (including records the next compaction drops). */
  readonly logBytes: number;
  /** Bytes the live state takes as records (what a snapshot holds). */
  readonly liveBytes: number;
  /** Vars held, tombstones included. */
  readonly records: number;
  /** Records appended since open. */
  readonly writes: number;
  /** `fdatasync` calls on the log since open. */
  readonly syncs: number;
  /** Compactions since open. */
  readonly compactions: number;
}

/** A {@link Store} kept in a directory: an append-only log plus a snapshot. */
export interface FileStore extends Store {
  /** The directory (as given). */
  readonly dir: string;
  /** What opening found. */
  readonly recovery: FileStoreRecovery;
  /**
   * Records an accepted write: at once in memory (`get`, `rev`), then on disk. Resolves once the
   * record is durable under the fsync policy; rejects with {@link StoreError} if the disk failed.
   * @throws {@link ValidationError} for a malformed record, a revision not above `rev`, or a value
   *   JSON cannot hold; {@link ClosedError} after `close`; the {@link StoreError} of an earlier failure.
   */
  put(record: StoreRecord): Promise<void>;
  /** Counters. */
  stats(): FileStoreStats;
  /** Writes a snapshot of the live state now and empties the log. */
  compact(): Promise<void>;
  /** Writes and syncs everything put so far (useful with an interval policy). */
  sync(): Promise<void>;
}

const SNAPSHOT = 'snapshot.jsonl';
const SNAPSHOT_TMP = 'snapshot.jsonl.tmp';
const LOG = 'log.jsonl';
/** The log a compaction set aside; removed once the snapshot that covers it is durable. */
const LOG_OLD = 'log.old.jsonl';
const LOCK = 'LOCK';
/** The hub's resume-token secret (mode 0600), made at first open. */
const SECRET = 'secret';
const SECRET_TMP = 'secret.tmp';
const FORMAT = 1;
const NEWLINE = Buffer.from('\n');
/** Directories open in this process (a LOCK naming our own pid is stale unless listed here). */
const openDirs = new Set<string>();

/**
 * Opens (or creates) a durable store in `dir`: every accepted write is appended to `log.jsonl`,
 * one JSON record per line behind a CRC32 (`<8 hex digits> <json>`); when the log grows past
 * `compactFactor` × the live state it is compacted into `snapshot.jsonl` (written to a temporary
 * file, synced, renamed, directory synced; then the log is emptied). Opening recovers the state
 * from the snapshot plus the log: a torn or damaged end of the log (a crash mid-write) is
 * dropped and never stops start-up; damage elsewhere is handled by `onCorruption`. The epoch is
 * kept in the snapshot, so a restart on the same data is the same history and revisions continue.
 * Tombstones are kept. A `LOCK` file (holding the pid) keeps a second process out. A `secret` file
 * (mode 0600) keeps the key of the hub's resume tokens, so that clients keep their instance ids
 * across a restart.
 *
 * @param dir directory of the store (created if missing).
 * @param options fsync policy, compaction threshold, corruption policy.
 * @returns the store, once recovered.
 * @throws rejects with {@link ValidationError} for bad options, {@link StoreError} when the
 *   directory is held by a live process, cannot be read or written, holds an unsupported format,
 *   or is damaged and `onCorruption` is `'refuse'`.
 * @example
 * const store = await fileStore('./data', { fsync: 'always' });
 * const hub = await startHub({ port: 7070, store });
 */
export async function fileStore(dir: string, options: FileStoreOptions = {}): Promise<FileStore> {
  const settings = checkOptions(dir, options);
  const store = new DiskStore(dir, settings);
  await store.open();
  return store;
}

interface Settings {
  readonly always: boolean;
  readonly intervalMs: number;
  readonly compactFactor: number;
  readonly compactMinBytes: number;
  readonly refuseCorruption: boolean;
}

function checkOptions(dir: unknown, options: FileStoreOptions): Settings {
  if (typeof dir !== 'string' || dir === '') throw new ValidationError('fileStore: dir must be a non-empty path');
  if (options === null || typeof options !== 'object') throw new ValidationError('fileStore: options must be an object');
  const fsync = options.fsync ?? 'always';
  let intervalMs = 0;
  if (fsync !== 'always') {
    const ms = typeof fsync === 'object' && fsync !== null ? fsync.intervalMs : undefined;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
      throw new ValidationError(`fileStore: fsync must be 'always' or { intervalMs: a positive number }`, { fsync: String(JSON.stringify(fsync)) });
    }
    intervalMs = ms;
  }
  const compactFactor = options.compactFactor ?? 4;
  if (typeof compactFactor !== 'number' || !Number.isFinite(compactFactor) || compactFactor < 1) {
    throw new ValidationError('fileStore: compactFactor must be a number of at least 1', { compactFactor });
  }
  const compactMinBytes = options.compactMinBytes ?? 1024 * 1024;
  if (typeof compactMinBytes !== 'number' || !Number.isFinite(compactMinBytes) || compactMinBytes < 0) {
    throw new ValidationError('fileStore: compactMinBytes must be a number of at least 0', { compactMinBytes });
  }
  const onCorruption = options.onCorruption ?? 'recover';
  if (onCorruption !== 'recover' && onCorruption !== 'refuse') {
    throw new ValidationError(`fileStore: onCorruption must be 'recover' or 'refuse'`, { onCorruption: String(onCorruption) });
  }
  return { always: fsync === 'always', intervalMs, compactFactor, compactMinBytes, refuseCorruption: onCorruption === 'refuse' };
}

/** A group of records written (and synced) together; every `put` of the group gets its promise. */
interface Batch {
  readonly chunks: Buffer[];
  bytes: number;
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/** A compaction under way: the state captured when the log was set aside, and that log. */
interface Rotation {
  readonly records: readonly StoreRecord[];
  readonly rev: number;
  readonly old: FileHandle;
}

class DiskStore implements FileStore {
  epoch = '';
  secret = '';
  rev = 0;
  recovery!: FileStoreRecovery;
  private readonly byFqn = new Map<string, StoreRecord>();
  private readonly sizes = new Map<string, number>();
  private readonly dirPath: string;
  private fh: FileHandle | undefined;
  private liveBytes = 0;
  private logBytes = 0;
  private counters = { writes: 0, syncs: 0, compactions: 0 };
  private batch: Batch | undefined;
  private running = false;
  private unsynced = false;
  private syncWaiters: Waiter[] = [];
  private compactWaiters: Waiter[] = [];
  private idleWaiters: Array<() => void> = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private failure: StoreError | undefined;
  private closing: Promise<void> | undefined;
  private compacting: Promise<void> | undefined;
  private lockKey = '';

  constructor(
    readonly dir: string,
    private readonly settings: Settings,
  ) {
    this.dirPath = path.resolve(dir);
  }

  // ---- Store ----

  get(fqn: string): StoreRecord | undefined {
    return this.byFqn.get(fqn);
  }

  records(): Iterable<StoreRecord> {
    return this.byFqn.values();
  }

  put(record: StoreRecord): Promise<void> {
    if (this.closing) throw new ClosedError('the file store is closed');
    if (this.failure) throw this.failure;
    checkRecord(record);
    if (record.rev <= this.rev) {
      throw new ValidationError(`store put: revision ${record.rev} must be above the store's ${this.rev}`, { fqn: record.fqn, rev: record.rev });
    }
    let line: Buffer;
    try {
      line = encodeLine(encodeRecord(record));
    } catch (error) {
      throw new ValidationError(`store put: ${record.fqn}: value cannot be stored as JSON (${(error as Error)?.message ?? error})`, { fqn: record.fqn });
    }
    const kept: StoreRecord = { fqn: record.fqn, value: record.deleted ? undefined : record.value, stamp: record.stamp, from: record.from, rev: record.rev, deleted: record.deleted };
    this.liveBytes += line.length - (this.sizes.get(kept.fqn) ?? 0);
    this.sizes.set(kept.fqn, line.length);
    this.byFqn.set(kept.fqn, kept);
    this.rev = kept.rev;
    const batch = (this.batch ??= newBatch());
    batch.chunks.push(line);
    batch.bytes += line.length;
    this.kick();
    return batch.promise;
  }

  close(): Promise<void> {
    return (this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      if (!this.settings.always && !this.failure) await this.request(this.syncWaiters).catch(() => {});
      while (this.running || this.compacting) {
        await this.idle();
        await this.compacting;
      }
      try {
        await this.fh?.close();
      } catch {
        // Closing a descriptor after a failed write may fail too; the store is gone either way.
      }
      this.fh = undefined;
      await this.releaseLock();
    })());
  }

  // ---- FileStore ----

  stats(): FileStoreStats {
    return { logBytes: this.logBytes, liveBytes: this.liveBytes, records: this.byFqn.size, ...this.counters };
  }

  compact(): Promise<void> {
    if (this.closing) return Promise.reject(new ClosedError('the file store is closed'));
    return this.request(this.compactWaiters);
  }

  sync(): Promise<void> {
    if (this.closing) return Promise.reject(new ClosedError('the file store is closed'));
    return this.request(this.syncWaiters);
  }

  // ---- opening ----

  async open(): Promise<void> {
    try {
      await fsp.mkdir(this.dirPath, { recursive: true });
    } catch (error) {
      throw ioError(`cannot create ${this.dir}`, error);
    }
    await this.acquireLock();
    try {
      this.secret = await this.loadSecret();
      await this.recover();
    } catch (error) {
      if (this.fh) await this.fh.close().catch(() => {});
      this.fh = undefined;
      await this.releaseLock();
      throw error instanceof StoreError ? error : ioError(`cannot open the store in ${this.dir}`, error);
    }
    if (!this.settings.always) {
      this.timer = setInterval(() => {
        if (this.unsynced && !this.failure && !this.closing) void this.request(this.syncWaiters).catch(() => {});
      }, this.settings.intervalMs);
      this.timer.unref?.();
    }
  }

  /** Reads the secret, or makes one and writes it atomically (a temporary file, synced, renamed, the directory synced). */
  private async loadSecret(): Promise<string> {
    const held = (await readIfExists(this.file(SECRET)))?.toString('utf8').trim();
    if (held !== undefined && held.length >= MIN_SECRET_LENGTH) return held;
    const secret = newSecret();
    const tmp = this.file(SECRET_TMP);
    await fsp.rm(tmp, { force: true });
    const out = await fsp.open(tmp, 'wx', 0o600);
    try {
      await writeAll(out, Buffer.from(`${secret}\n`));
      await out.sync();
    } finally {
      await out.close();
    }
    await fsp.rename(tmp, this.file(SECRET));
    await syncDir(this.dirPath);
    return secret;
  }

  private async recover(): Promise<void> {
    await fsp.rm(this.file(SNAPSHOT_TMP), { force: true });
    const snapshotBytes = await readIfExists(this.file(SNAPSHOT));
    const oldLogBytes = await readIfExists(this.file(LOG_OLD));
    const logBytes = (await readIfExists(this.file(LOG))) ?? Buffer.alloc(0);
    const damage: string[] = [];
    let corruptLines = 0;
    let snapshotRecords = 0;
    let epoch: string | undefined;
    let snapshotRev = 0;

    if (snapshotBytes) {
      const lines = splitLines(snapshotBytes);
      const header = lines.length > 0 ? decodeLine(snapshotBytes, lines[0]) : undefined;
      if (isHeader(header)) {
        if (header.format !== FORMAT) throw new StoreError(`${this.file(SNAPSHOT)}: unsupported snapshot format ${String(header.format)} (this version reads ${FORMAT})`);
        epoch = header.epoch;
        snapshotRev = header.rev;
      } else {
        corruptLines++;
      }
      for (let i = 1; i < lines.length; i++) {
        const record = toRecord(decodeLine(snapshotBytes, lines[i]));
        if (!record) {
          corruptLines++;
          continue;
        }
        snapshotRecords++;
        this.apply(record, lines[i].end - lines[i].start + 1);
      }
      // Lines missing at the end (or extra ones) mean the snapshot is not the one its header describes.
      if (isHeader(header) && header.records !== lines.length - 1) corruptLines += Math.max(1, header.records - (lines.length - 1));
      if (corruptLines > 0) damage.push(SNAPSHOT);
      snapshotRev = Math.max(snapshotRev, this.rev);
    } else if (logBytes.length > 0 || (oldLogBytes?.length ?? 0) > 0) {
      // A log without its snapshot: the epoch (and anything compacted) is gone.
      damage.push(`${SNAPSHOT} (missing)`);
      corruptLines++;
    }

    // A compaction that a crash interrupted leaves the log it set aside: it comes first.
    let logRecords = 0;
    let droppedTailBytes = 0;
    const logs: Array<[string, Buffer]> = oldLogBytes ? [[LOG_OLD, oldLogBytes], [LOG, logBytes]] : [[LOG, logBytes]];
    let goodLength = 0;
    for (const [name, bytes] of logs) {
      const read = readLog(bytes);
      for (const [record, size] of read.records) {
        if (record.rev <= snapshotRev) continue;
        logRecords++;
        this.apply(record, size);
      }
      if (read.corrupt > 0) damage.push(name);
      corruptLines += read.corrupt;
      droppedTailBytes += bytes.length - read.goodLength;
      goodLength = read.goodLength;
    }

    if (damage.length > 0 && this.settings.refuseCorruption) {
      throw new StoreError(`${this.dir}: damaged store (${corruptLines} bad record(s) in ${damage.join(', ')}); open it with onCorruption: 'recover' to keep the good records`, {
        corruptLines,
        files: damage,
      });
    }

    const created = !snapshotBytes && logBytes.length === 0 && !oldLogBytes;
    const epochChanged = damage.length > 0 || epoch === undefined;
    this.epoch = epochChanged ? uuid() : epoch!;
    const quarantined: string[] = [];
    if (damage.length > 0) {
      const suffix = `.corrupt-${Date.now()}`;
      for (const name of [SNAPSHOT, LOG_OLD, LOG]) {
        if (!damage.includes(name)) continue;
        await fsp.copyFile(this.file(name), this.file(name + suffix));
        quarantined.push(name + suffix);
      }
    }

    // The log, from its last good record on, is garbage from a write a crash cut short: drop it.
    this.fh = await fsp.open(this.file(LOG), 'a');
    if (goodLength < logBytes.length) {
      await this.fh.truncate(goodLength);
      await this.fh.sync();
    }
    this.logBytes = goodLength;
    if (goodLength > 0 && logBytes[goodLength - 1] !== NEWLINE[0]) {
      await writeAll(this.fh, NEWLINE);
      await this.fh.sync();
      this.logBytes++;
    }
    await syncDir(this.dirPath);
    if (epochChanged || created || oldLogBytes) {
      // A fresh snapshot holds everything: the logs are then redundant.
      await this.writeSnapshot([...this.byFqn.values()], this.rev);
      if (this.logBytes > 0) await this.emptyLog();
      if (oldLogBytes) {
        await fsp.rm(this.file(LOG_OLD), { force: true });
        await syncDir(this.dirPath);
      }
    }
    this.recovery = { created, snapshotRecords, logRecords, droppedTailBytes, corruptLines, epochChanged: epochChanged && !created, quarantined };
  }

  private apply(record: StoreRecord, bytes: number): void {
    const held = this.byFqn.get(record.fqn);
    if (held && held.rev >= record.rev) return;
    this.liveBytes += bytes - (this.sizes.get(record.fqn) ?? 0);
    this.sizes.set(record.fqn, bytes);
    this.byFqn.set(record.fqn, record);
    if (record.rev > this.rev) this.rev = record.rev;
  }

  // ---- the writer: one loop does every file operation in order ----

  private request(waiters: Waiter[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const promise = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    this.kick();
    return promise;
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    // A microtask later: every put of the current job (a frame of messages) joins one batch.
    queueMicrotask(() => void this.run());
  }

  private async run(): Promise<void> {
    try {
      while (!this.failure) {
        if (this.batch) {
          const batch = this.batch;
          this.batch = undefined;
          await this.guard(async () => {
            await writeAll(this.fh!, batch.chunks.length === 1 ? batch.chunks[0] : Buffer.concat(batch.chunks, batch.bytes));
            this.logBytes += batch.bytes;
            this.counters.writes += batch.chunks.length;
            this.unsynced = true;
            if (this.settings.always) await this.syncLog();
          }, batch);
          if (this.failure) break;
          batch.resolve();
          continue;
        }
        if (this.syncWaiters.length > 0) {
          const waiters = this.syncWaiters.splice(0);
          await this.guard(() => this.syncLog());
          if (this.failure) break;
          for (const waiter of waiters) waiter.resolve();
          continue;
        }
        if (!this.compacting && (this.compactWaiters.length > 0 || this.compactionDue())) {
          const waiters = this.compactWaiters.splice(0);
          let rotated: Rotation | undefined;
          await this.guard(async () => {
            rotated = await this.rotate();
          });
          if (this.failure || !rotated) {
            for (const waiter of waiters) waiter.reject(this.failure!);
            break;
          }
          this.compacting = this.snapshotInBackground(rotated, waiters);
          continue;
        }
        break;
      }
    } finally {
      this.running = false;
      if (this.failure) this.rejectAll(this.failure);
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async guard(work: () => Promise<void>, batch?: Batch): Promise<void> {
    try {
      await work();
    } catch (error) {
      // What reached the disk is unknown now: refuse every later write rather than guess.
      this.failure = ioError(`${this.dir}: durable write failed`, error);
      batch?.reject(this.failure);
    }
  }

  private rejectAll(error: StoreError): void {
    const batch = this.batch;
    this.batch = undefined;
    batch?.reject(error);
    for (const waiter of [...this.syncWaiters.splice(0), ...this.compactWaiters.splice(0)]) waiter.reject(error);
  }

  private idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async syncLog(): Promise<void> {
    if (!this.unsynced) return;
    this.unsynced = false;
    await this.fh!.datasync();
    this.counters.syncs++;
  }

  private compactionDue(): boolean {
    return this.logBytes > this.settings.compactMinBytes && this.logBytes > this.settings.compactFactor * this.liveBytes;
  }

  /**
   * Starts a compaction: sets the log aside (renamed to `log.old.jsonl`) and opens a new one, so
   * writes go on while the snapshot is written. Everything in the old log is in the state captured
   * here (records still queued are too; they also go to the new log, where recovery skips them).
   */
  private async rotate(): Promise<Rotation> {
    if (this.unsynced) await this.syncLog();
    const records = [...this.byFqn.values()];
    const rev = this.rev;
    await fsp.rename(this.file(LOG), this.file(LOG_OLD));
    const fresh = await fsp.open(this.file(LOG), 'a');
    try {
      // The new log's name must be durable before anything written to it is acknowledged.
      await syncDir(this.dirPath);
    } catch (error) {
      await fresh.close().catch(() => {});
      throw error;
    }
    const old = this.fh!;
    this.fh = fresh;
    this.logBytes = 0;
    return { records, rev, old };
  }

  private async snapshotInBackground(rotation: Rotation, waiters: Waiter[]): Promise<void> {
    try {
      await rotation.old.close();
      await this.writeSnapshot(rotation.records, rotation.rev);
      await fsp.rm(this.file(LOG_OLD), { force: true });
      await syncDir(this.dirPath);
      this.counters.compactions++;
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      this.failure ??= ioError(`${this.dir}: compaction failed`, error);
      for (const waiter of waiters) waiter.reject(this.failure);
    } finally {
      this.compacting = undefined;
      this.kick();
    }
  }

  /** Writes a snapshot of `records` at revision `rev` atomically: a temporary file, synced, renamed, the directory synced. */
  private async writeSnapshot(records: readonly StoreRecord[], rev: number): Promise<void> {
    const header = { varspace: 'snapshot', format: FORMAT, epoch: this.epoch, rev, records: records.length, written: new Date().toISOString() };
    const tmp = this.file(SNAPSHOT_TMP);
    const out = await fsp.open(tmp, 'w');
    try {
      const chunks: Buffer[] = [encodeLine(JSON.stringify(header))];
      let size = chunks[0].length;
      for (const record of records) {
        const line = encodeLine(encodeRecord(record));
        chunks.push(line);
        size += line.length;
        if (size >= 1 << 20) {
          await writeAll(out, Buffer.concat(chunks, size));
          chunks.length = 0;
          size = 0;
        }
      }
      if (size > 0) await writeAll(out, Buffer.concat(chunks, size));
      await out.sync();
    } finally {
      await out.close();
    }
    await fsp.rename(tmp, this.file(SNAPSHOT));
    await syncDir(this.dirPath);
  }

  /** Empties the log once a snapshot holds everything in it (records at or below its revision are skipped on recovery anyway). */
  private async emptyLog(): Promise<void> {
    await this.fh!.truncate(0);
    await this.fh!.sync();
    this.logBytes = 0;
    this.unsynced = false;
  }

  // ---- the lock ----

  private async acquireLock(): Promise<void> {
    const file = this.file(LOCK);
    let key = this.dirPath;
    try {
      key = await fsp.realpath(this.dirPath);
    } catch {
      // keep the resolved path
    }
    if (openDirs.has(key)) throw new StoreError(`${this.dir} is already open in this process`, { dir: this.dir });
    openDirs.add(key);
    this.lockKey = key;
    try {
      let holder: number | undefined;
      try {
        holder = Number.parseInt(await fsp.readFile(file, 'utf8'), 10);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`cannot read ${file}`, error);
      }
      // Our own pid in a LOCK no store of this process holds is stale (a container restarts as pid 1).
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
        throw new StoreError(`${this.dir} is in use by process ${holder} (remove ${file} if that process is not a varspace hub)`, { dir: this.dir, pid: holder });
      }
      try {
        await fsp.writeFile(file, `${process.pid}\n`);
      } catch (error) {
        throw ioError(`cannot write ${file}`, error);
      }
    } catch (error) {
      openDirs.delete(key);
      this.lockKey = '';
      throw error;
    }
  }

  private async releaseLock(): Promise<void> {
    if (!this.lockKey) return;
    openDirs.delete(this.lockKey);
    this.lockKey = '';
    try {
      const holder = Number.parseInt(await fsp.readFile(this.file(LOCK), 'utf8'), 10);
      if (holder === process.pid) await fsp.rm(this.file(LOCK), { force: true });
    } catch {
      // already gone
    }
  }

  private file(name: string): string {
    return path.join(this.dirPath, name);
  }
}

// ---- records and lines ----

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller that drops the promise must not turn a disk failure into an unhandled rejection.
  promise.catch(() => {});
  return { chunks: [], bytes: 0, promise, resolve, reject };
}

function checkRecord(record: StoreRecord): void {
  if (record === null || typeof record !== 'object') throw new ValidationError('store put: record must be an object');
  const { fqn, stamp, from, rev, deleted } = record;
  if (typeof fqn !== 'string' || fqn === '') throw new ValidationError('store put: fqn must be a non-empty string');
  if (typeof stamp !== 'string' || typeof from !== 'string') throw new ValidationError(`store put: ${fqn}: stamp and from must be strings`, { fqn });
  if (!Number.isSafeInteger(rev) || rev < 1) throw new ValidationError(`store put: ${fqn}: rev must be a positive integer`, { fqn });
  if (typeof deleted !== 'boolean') throw new ValidationError(`store put: ${fqn}: deleted must be a boolean`, { fqn });
}

function encodeRecord(record: StoreRecord): string {
  const { rev, fqn, stamp, from } = record;
  return record.deleted ? JSON.stringify({ rev, fqn, stamp, from, deleted: true }) : JSON.stringify({ rev, fqn, stamp, from, value: record.value });
}

/** `<crc32 of the JSON's UTF-8 bytes, 8 hex digits> <json>\n` */
function encodeLine(json: string): Buffer {
  const size = Buffer.byteLength(json);
  const line = Buffer.allocUnsafe(size + 10);
  line.write(json, 9, 'utf8');
  line.write(crc32(line.subarray(9, 9 + size)).toString(16).padStart(8, '0'), 0, 'latin1');
  line[8] = 0x20;
  line[size + 9] = 0x0a;
  return line;
}

interface Line {
  readonly start: number;
  /** Index of the newline (or the end of the buffer). */
  readonly end: number;
}

function splitLines(bytes: Buffer): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    lines.push({ start, end });
    start = end + 1;
  }
  return lines;
}

/**
 * Reads a log: its good records (with their line sizes), the length up to the end of the last
 * good line (what follows is a torn end), and how many bad lines come before that.
 */
function readLog(bytes: Buffer): { records: Array<[StoreRecord, number]>; goodLength: number; corrupt: number } {
  const lines = splitLines(bytes);
  const decoded = lines.map((line) => toRecord(decodeLine(bytes, line)));
  let lastGood = decoded.length - 1;
  while (lastGood >= 0 && !decoded[lastGood]) lastGood--;
  const records: Array<[StoreRecord, number]> = [];
  let corrupt = 0;
  for (let i = 0; i <= lastGood; i++) {
    const record = decoded[i];
    if (record) records.push([record, lines[i].end - lines[i].start + 1]);
    else corrupt++;
  }
  const goodLength = lastGood >= 0 ? Math.min(lines[lastGood].end + 1, bytes.length) : 0;
  return { records, goodLength, corrupt };
}

const HEX = /^[0-9a-f]{8}$/;

/** The JSON of a line whose checksum holds, else undefined. */
function decodeLine(bytes: Buffer, line: Line): unknown {
  if (line.end - line.start < 11 || bytes[line.start + 8] !== 0x20) return undefined;
  const hex = bytes.toString('latin1', line.start, line.start + 8);
  if (!HEX.test(hex)) return undefined;
  const body = bytes.subarray(line.start + 9, line.end);
  if (crc32(body) !== Number.parseInt(hex, 16)) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function toRecord(json: unknown): StoreRecord | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const { rev, fqn, stamp, from, deleted, value } = json as Record<string, unknown>;
  if (!Number.isSafeInteger(rev) || (rev as number) < 1) return undefined;
  if (typeof fqn !== 'string' || fqn === '' || typeof stamp !== 'string' || typeof from !== 'string') return undefined;
  if (deleted !== undefined && deleted !== true) return undefined;
  return { fqn, value: deleted ? undefined : value, stamp, from, rev: rev as number, deleted: deleted === true };
}

interface SnapshotHeader {
  varspace: 'snapshot';
  format: number;
  epoch: string;
  rev: number;
  records: number;
}

function isHeader(json: unknown): json is SnapshotHeader {
  if (json === null || typeof json !== 'object') return false;
  const header = json as Record<string, unknown>;
  return (
    header.varspace === 'snapshot' &&
    typeof header.epoch === 'string' &&
    header.epoch !== '' &&
    Number.isSafeInteger(header.rev) &&
    Number.isSafeInteger(header.records) &&
    typeof header.format === 'number'
  );
}

// ---- files ----

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fsp.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(`cannot read ${file}`, error);
  }
}

async function writeAll(fh: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await fh.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

/** Makes a rename or a new file in `dir` durable (a no-op where directories cannot be synced, e.g. Windows). */
async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close().catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ioError(message: string, error: unknown): StoreError {
  const cause = error as NodeJS.ErrnoException;
  return new StoreError(`${message}: ${cause?.message ?? String(error)}`, cause?.code ? { cause: cause.code } : {});
}
