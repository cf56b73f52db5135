import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileStore, type FileStore } from '../../../src/hub/file-store/file-store.js';
import type { StoreRecord } from '../../../src/hub/store.js';

// The on-disk format is a promise to every directory written before: these specs open one written
// by the code as it was before the file store became a folder (spec/hub/fixtures/file-store-v1),
// and check that the lines written today are the same bytes.
const fixture = fileURLToPath(new URL('../fixtures/file-store-v1', import.meta.url));
const FIXTURE_EPOCH = 'abd9eeff-87bd-43be-b5d6-566df70e0067';

/** The writes that made the fixture (a compaction after the fourth). */
const WRITES: ReadonlyArray<Omit<StoreRecord, 'stamp' | 'from'>> = [
  { rev: 1, fqn: 'app.ui/title', value: 'héllo ✓', deleted: false },
  { rev: 2, fqn: 'app.ui/count', value: 1, deleted: false },
  { rev: 3, fqn: 'app.ui/obj', value: { a: [1, 2, { b: null }], c: 'x' }, deleted: false },
  { rev: 4, fqn: 'app.ui/gone', value: true, deleted: false },
  { rev: 5, fqn: 'app.ui/count', value: 2, deleted: false },
  { rev: 6, fqn: 'app.ui/gone', value: undefined, deleted: true },
  { rev: 7, fqn: 'app.ui/late', value: [1.5, -2, 'z'], deleted: false },
];
const record = (write: (typeof WRITES)[number]): StoreRecord => ({
  ...write,
  stamp: `0000000001${String(write.rev).padStart(3, '0')}-0000`,
  from: 'writer-1',
});
const plain = (store: FileStore) => Object.fromEntries([...store.records()].map((r) => [r.fqn, r]));

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'varspace-file-store-compat-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('fileStore on-disk format', () => {
  test('a directory written before the split opens with its epoch, secret, records and revision', async () => {
    await fsp.cp(fixture, dir, { recursive: true });
    const store = await fileStore(dir);
    try {
      expect(store.epoch).toBe(FIXTURE_EPOCH);
      expect(store.secret).toBe((await fsp.readFile(path.join(fixture, 'secret'), 'utf8')).trim());
      expect(store.rev).toBe(7);
      expect(store.recovery).toEqual({
        created: false,
        snapshotRecords: 4,
        logRecords: 3,
        droppedTailBytes: 0,
        corruptLines: 0,
        epochChanged: false,
        quarantined: [],
      });
      const expected = new Map<string, StoreRecord>();
      for (const write of WRITES) expected.set(write.fqn, record(write));
      expect(plain(store)).toEqual(Object.fromEntries(expected));
      await store.put(record({ rev: 8, fqn: 'app.ui/next', value: 'after', deleted: false }));
    } finally {
      await store.close();
    }
    const again = await fileStore(dir);
    expect(again.epoch).toBe(FIXTURE_EPOCH);
    expect(again.get('app.ui/next')?.value).toBe('after');
    await again.close();
  });

  test('the lines written today are the bytes written before (checksums included)', async () => {
    const store = await fileStore(dir);
    for (const write of WRITES) await store.put(record(write));
    await store.close();
    // The fixture's snapshot holds the first four writes (one var each), its log the last three.
    const snapshotRecords = (await fsp.readFile(path.join(fixture, 'snapshot.jsonl'), 'utf8')).split('\n').slice(1).join('\n');
    const fixtureLog = await fsp.readFile(path.join(fixture, 'log.jsonl'), 'utf8');
    expect(await fsp.readFile(path.join(dir, 'log.jsonl'), 'utf8')).toBe(snapshotRecords + fixtureLog);
  });

  test('written with the public API, closed and reopened: the same state, epoch and secret', async () => {
    const first = await fileStore(dir, { compactMinBytes: 0, compactFactor: 1 });
    for (const write of WRITES) await first.put(record(write));
    const { epoch, secret } = first;
    const before = plain(first);
    await first.close();
    const second = await fileStore(dir);
    expect({ epoch: second.epoch, secret: second.secret, rev: second.rev }).toEqual({ epoch, secret, rev: 7 });
    expect(plain(second)).toEqual(before);
    expect(second.recovery).toMatchObject({ created: false, corruptLines: 0, droppedTailBytes: 0, epochChanged: false });
    await second.close();
  });
});
