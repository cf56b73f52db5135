import type { FileHandle } from 'node:fs/promises';
import { writeAll } from './store-files.js';

/**
 * The open log: its handle, its size, and whether something written is not yet synced. Only the
 * writer's loop (and compaction, which it runs) touches it, so its operations never overlap.
 */
export class LogFile {
  /** `fdatasync` calls since open. */
  syncs = 0;
  private unsynced = false;

  /**
   * @param fh the log, opened for appending, its end repaired (see recovery).
   * @param bytes its length.
   */
  constructor(
    private fh: FileHandle,
    public bytes: number,
  ) {}

  /** True when something written has not been synced yet. */
  get dirty(): boolean {
    return this.unsynced;
  }

  /**
   * Appends bytes (handed to the OS, not yet synced).
   * @param data the lines.
   */
  async append(data: Buffer): Promise<void> {
    await writeAll(this.fh, data);
    this.bytes += data.length;
    this.unsynced = true;
  }

  /** Forces what was appended to disk (`fdatasync`), if anything. */
  async sync(): Promise<void> {
    if (!this.unsynced) return;
    this.unsynced = false;
    await this.fh.datasync();
    this.syncs++;
  }

  /** Empties the log once a snapshot holds everything in it (records at or below its revision are skipped on recovery anyway). */
  async empty(): Promise<void> {
    await this.fh.truncate(0);
    await this.fh.sync();
    this.bytes = 0;
    this.unsynced = false;
  }

  /**
   * Goes on in a new, empty file (a compaction set this one aside, synced).
   * @param fresh the new log, opened for appending.
   * @returns the old handle, for the caller to close.
   */
  replace(fresh: FileHandle): FileHandle {
    const old = this.fh;
    this.fh = fresh;
    this.bytes = 0;
    return old;
  }

  /** Closes the handle (after a failed write this may fail too: the store is gone either way). */
  async close(): Promise<void> {
    try {
      await this.fh.close();
    } catch {
      // Closing a descriptor after a failed write may fail too; the store is gone either way.
    }
  }
}
