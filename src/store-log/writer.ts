import type { StoreError } from '../core/errors.js';
import type { Compaction, Rotation } from './compaction.js';
import type { LogFile } from './log-file.js';
import { ioError } from './store-files.js';

/** What a {@link Writer} writes to, and when it syncs. */
export interface WriterOptions {
  /** The directory as the user gave it, for messages. */
  readonly shown: string;
  readonly log: LogFile;
  readonly compaction: Compaction;
  /** Sync every batch before its puts resolve (group commit); else sync every `intervalMs`. */
  readonly always: boolean;
  /** The sync interval when not `always`. */
  readonly intervalMs: number;
}

/** A group of records written (and synced) together; every put of the group gets its promise. */
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

/**
 * The writer of a file store: one loop does every file operation in order — appending batches
 * of records, syncing them under the fsync policy, and starting compactions — so that puts
 * settle in the order they were made. After a failed write it refuses everything: what reached
 * the disk is unknown then.
 */
export class Writer {
  /** Records appended since open. */
  writes = 0;
  /** The error of the first failed file operation; every later request rejects with it. */
  failure: StoreError | undefined;
  private batch: Batch | undefined;
  private running = false;
  private readonly syncWaiters: Waiter[] = [];
  private readonly compactWaiters: Waiter[] = [];
  private readonly idleWaiters: Array<() => void> = [];
  private compacting: Promise<void> | undefined;
  private readonly timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: WriterOptions) {
    if (!options.always) {
      this.timer = setInterval(() => {
        if (options.log.dirty && !this.failure) void this.request(this.syncWaiters).catch(() => {});
      }, options.intervalMs);
      this.timer.unref?.();
    }
  }

  /**
   * Queues a line: every line appended in the same job joins one batch, written (and, under
   * `'always'`, synced) at once.
   * @param line the encoded record.
   * @returns the batch's promise: resolves once durable under the policy, rejects with the
   *   `StoreError` of a failed write (a caller that drops it sees no unhandled rejection).
   */
  append(line: Buffer): Promise<void> {
    const batch = (this.batch ??= newBatch());
    batch.chunks.push(line);
    batch.bytes += line.length;
    this.kick();
    return batch.promise;
  }

  /** Syncs everything appended so far; rejects with the `StoreError` of a failed write. */
  sync(): Promise<void> {
    return this.request(this.syncWaiters);
  }

  /** Compacts now (once the batches queued before are written); rejects with the `StoreError` of a failed write. */
  compact(): Promise<void> {
    return this.request(this.compactWaiters);
  }

  /** Stops the timer, syncs what is unsynced (interval policy), waits for the loop and any compaction, closes the log. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (!this.options.always && !this.failure) await this.request(this.syncWaiters).catch(() => {});
    while (this.running || this.compacting) {
      await this.idle();
      await this.compacting;
    }
    await this.options.log.close();
  }

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
    const { log, compaction } = this.options;
    try {
      while (!this.failure) {
        if (this.batch) {
          const batch = this.batch;
          this.batch = undefined;
          await this.guard(async () => {
            await log.append(batch.chunks.length === 1 ? batch.chunks[0] : Buffer.concat(batch.chunks, batch.bytes));
            this.writes += batch.chunks.length;
            if (this.options.always) await log.sync();
          }, batch);
          if (this.failure) break;
          batch.resolve();
          continue;
        }
        if (this.syncWaiters.length > 0) {
          const waiters = this.syncWaiters.splice(0);
          await this.guard(() => log.sync());
          if (this.failure) break;
          for (const waiter of waiters) waiter.resolve();
          continue;
        }
        if (!this.compacting && (this.compactWaiters.length > 0 || compaction.due())) {
          const waiters = this.compactWaiters.splice(0);
          let rotated: Rotation | undefined;
          await this.guard(async () => {
            rotated = await compaction.rotate();
          });
          if (this.failure || !rotated) {
            for (const waiter of waiters) waiter.reject(this.failure!);
            break;
          }
          this.compacting = this.compactInBackground(rotated, waiters);
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
      this.failure = ioError(`${this.options.shown}: durable write failed`, error);
      batch?.reject(this.failure);
    }
  }

  private async compactInBackground(rotation: Rotation, waiters: Waiter[]): Promise<void> {
    try {
      await this.options.compaction.finish(rotation);
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      this.failure ??= ioError(`${this.options.shown}: compaction failed`, error);
      for (const waiter of waiters) waiter.reject(this.failure);
    } finally {
      this.compacting = undefined;
      this.kick();
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
}

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
