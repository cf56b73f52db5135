import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { StoreError } from '../core/errors.js';
import { ioError, STORE_FILES } from './store-files.js';

/** Directories locked in this process (a LOCK naming our own pid is stale unless listed here). */
const lockedDirs = new Set<string>();

/**
 * The lock of a store directory: a `LOCK` file holding the pid keeps a second process out, and a
 * list of the directories this process holds keeps a second store of the same process out. A
 * LOCK whose process is gone is stale and taken over (a crash leaves one behind).
 */
export class DirLock {
  private constructor(
    private readonly file: string,
    private key: string,
  ) {}

  /**
   * Takes the lock of `dir`.
   * @param dir the directory (absolute; it must exist).
   * @param shown the directory as the user gave it, for messages.
   * @returns the lock, held until {@link DirLock.release}.
   * @throws rejects with {@link StoreError} when the directory is open in this process, held by a
   *   live process, or its LOCK cannot be read or written.
   */
  static async acquire(dir: string, shown: string = dir): Promise<DirLock> {
    const file = path.join(dir, STORE_FILES.lock);
    let key = dir;
    try {
      key = await fsp.realpath(dir);
    } catch {
      // keep the resolved path
    }
    if (lockedDirs.has(key)) throw new StoreError(`${shown} is already open in this process`, { dir: shown });
    lockedDirs.add(key);
    try {
      let holder: number | undefined;
      try {
        holder = Number.parseInt(await fsp.readFile(file, 'utf8'), 10);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`cannot read ${file}`, error);
      }
      // Our own pid in a LOCK no store of this process holds is stale (a container restarts as pid 1).
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
        throw new StoreError(`${shown} is in use by process ${holder} (remove ${file} if that process is not a varspace hub or link)`, {
          dir: shown,
          pid: holder,
        });
      }
      try {
        await fsp.writeFile(file, `${process.pid}\n`);
      } catch (error) {
        throw ioError(`cannot write ${file}`, error);
      }
    } catch (error) {
      lockedDirs.delete(key);
      throw error;
    }
    return new DirLock(file, key);
  }

  /** Lets the directory go: removes the LOCK if it still names this process. Never rejects; a second call does nothing. */
  async release(): Promise<void> {
    if (!this.key) return;
    lockedDirs.delete(this.key);
    this.key = '';
    try {
      const holder = Number.parseInt(await fsp.readFile(this.file, 'utf8'), 10);
      if (holder === process.pid) await fsp.rm(this.file, { force: true });
    } catch {
      // already gone
    }
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
