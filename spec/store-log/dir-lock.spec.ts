import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StoreError } from '../../src/core/errors.js';
import { DirLock } from '../../src/store-log/dir-lock.js';

let dir: string;
const held: DirLock[] = [];
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'varspace-dir-lock-'));
});
afterEach(async () => {
  await Promise.all(held.splice(0).map((lock) => lock.release()));
  await fsp.rm(dir, { recursive: true, force: true });
});

const lockFile = () => path.join(dir, 'LOCK');
async function acquire(at = dir): Promise<DirLock> {
  const lock = await DirLock.acquire(at, 'the-dir');
  held.push(lock);
  return lock;
}

describe('DirLock', () => {
  test('writes the pid to LOCK and removes it on release (twice is harmless)', async () => {
    const lock = await acquire();
    expect(await fsp.readFile(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
    await expect(fsp.stat(lockFile())).rejects.toThrow();
    await lock.release();
  });

  test('a directory is held once per process, also by another path to it', async () => {
    await acquire();
    await expect(DirLock.acquire(dir, 'the-dir')).rejects.toThrow(/the-dir is already open in this process/);
    const link = `${dir}-link`;
    await fsp.symlink(dir, link);
    try {
      await expect(DirLock.acquire(link)).rejects.toBeInstanceOf(StoreError);
    } finally {
      await fsp.rm(link, { force: true });
    }
  });

  test('a released directory can be locked again', async () => {
    const first = await acquire();
    await first.release();
    await acquire();
    expect(await fsp.readFile(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
  });

  test('a LOCK of a live process keeps the directory', async () => {
    await fsp.writeFile(lockFile(), `${process.ppid}\n`);
    const error = await DirLock.acquire(dir, 'the-dir').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(`the-dir is in use by process ${process.ppid}`);
    // Refused: nothing changed, and the directory is not counted as open in this process.
    expect(await fsp.readFile(lockFile(), 'utf8')).toBe(`${process.ppid}\n`);
    await fsp.rm(lockFile());
    await acquire();
  });

  test('a stale LOCK (no such process, our own pid left by a crash, garbage) is taken over', async () => {
    for (const stale of ['2147483646\n', `${process.pid}\n`, 'not a pid\n', '']) {
      await fsp.writeFile(lockFile(), stale);
      const lock = await acquire();
      expect(await fsp.readFile(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
      await lock.release();
    }
  });

  test('release leaves a LOCK that another process took over', async () => {
    const lock = await acquire();
    await fsp.writeFile(lockFile(), '2147483646\n');
    await lock.release();
    expect(await fsp.readFile(lockFile(), 'utf8')).toBe('2147483646\n');
  });
});
