import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClosedError, StoreError, ValidationError, VarspaceError } from '../../src/core/errors.js';
import { Space } from '../../src/core/space.js';
import { fileStore, type FileStore, type FileStoreOptions } from '../../src/hub/file-store/file-store.js';
import { memoryStore } from '../../src/hub/memory-store.js';
import { startHub, type HubHandle } from '../../src/hub/start-hub.js';
import type { Store, StoreRecord } from '../../src/hub/store.js';
import { connect } from '../../src/sync/connect-node.js';
import type { Link } from '../../src/sync/link.js';
import { storeWithPut } from '../support/store-with-put.js';

let dir: string;
const open: FileStore[] = [];
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'varspace-file-store-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  await fsp.rm(dir, { recursive: true, force: true });
});

async function openStore(options: FileStoreOptions = {}): Promise<FileStore> {
  const store = await fileStore(dir, options);
  open.push(store);
  return store;
}

async function reopen(store: FileStore, options: FileStoreOptions = {}): Promise<FileStore> {
  await store.close();
  return openStore(options);
}

function rec(store: Store, fqn: string, value: unknown, extra: Partial<StoreRecord> = {}): StoreRecord {
  return { fqn, value, stamp: `s${store.rev + 1}`, from: 'writer', rev: store.rev + 1, deleted: false, ...extra };
}

const logFile = () => path.join(dir, 'log.jsonl');
const snapshotFile = () => path.join(dir, 'snapshot.jsonl');
const plain = (store: Store) => Object.fromEntries([...store.records()].map((r) => [r.fqn, r]));

describe('fileStore', () => {
  test('a new store has an epoch, revision 0, a snapshot and an empty log', async () => {
    const store = await openStore();
    expect(store.epoch).toMatch(/^[0-9a-f-]{36}$/);
    expect(store.rev).toBe(0);
    expect([...store.records()]).toEqual([]);
    expect(store.recovery).toMatchObject({ created: true, epochChanged: false, corruptLines: 0, droppedTailBytes: 0 });
    expect((await fsp.readFile(snapshotFile(), 'utf8')).split('\n')[0]).toMatch(/^[0-9a-f]{8} \{"varspace":"snapshot","format":1,/);
    expect((await fsp.stat(logFile())).size).toBe(0);
  });

  test('recovers values and tombstones; the epoch stays and the revision continues', async () => {
    let store = await openStore();
    const epoch = store.epoch;
    await store.put(rec(store, 'app/a', { n: 1, text: 'é ✓' }));
    await store.put(rec(store, 'app/b', [1, 2, 3]));
    await store.put(rec(store, 'app/a', { n: 2 }));
    await store.put(rec(store, 'app/b', undefined, { deleted: true }));
    await store.put(rec(store, 'app/c', null));
    const before = plain(store);
    store = await reopen(store);
    expect(store.epoch).toBe(epoch);
    expect(store.rev).toBe(5);
    expect(plain(store)).toEqual(before);
    expect(store.get('app/a')).toEqual({ fqn: 'app/a', value: { n: 2 }, stamp: 's3', from: 'writer', rev: 3, deleted: false });
    expect(store.get('app/b')).toMatchObject({ deleted: true, rev: 4, value: undefined });
    expect(store.recovery).toMatchObject({
      created: false,
      snapshotRecords: 0,
      logRecords: 5,
      droppedTailBytes: 0,
      corruptLines: 0,
      epochChanged: false,
    });
    await store.put(rec(store, 'app/d', 'next'));
    expect(store.rev).toBe(6);
    store = await reopen(store);
    expect(store.get('app/d')).toMatchObject({ value: 'next', rev: 6 });
    expect(store.epoch).toBe(epoch);
  });

  test('each log line is a CRC32 and one JSON record', async () => {
    const store = await openStore();
    await store.put(rec(store, 'app/a', 1));
    await store.put(rec(store, 'app/a', undefined, { deleted: true }));
    const lines = (await fsp.readFile(logFile(), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^[0-9a-f]{8} \{"rev":1,"fqn":"app\/a","stamp":"s1","from":"writer","value":1\}$/);
    expect(lines[1]).toMatch(/^[0-9a-f]{8} \{"rev":2,"fqn":"app\/a","stamp":"s2","from":"writer","deleted":true\}$/);
  });

  test('the log compacts into a snapshot past compactFactor × the live size, and the state survives', async () => {
    let store = await openStore({ compactFactor: 2, compactMinBytes: 0 });
    const epoch = store.epoch;
    for (let i = 0; i < 200; i++) await store.put(rec(store, `app/k${i % 5}`, { i }));
    await store.put(rec(store, 'app/k0', undefined, { deleted: true }));
    const stats = store.stats();
    expect(stats.compactions).toBeGreaterThan(10);
    expect(stats.records).toBe(5);
    expect(stats.logBytes).toBeLessThanOrEqual(2 * stats.liveBytes + 200);
    const before = plain(store);
    store = await reopen(store, { compactFactor: 2, compactMinBytes: 0 });
    expect(plain(store)).toEqual(before);
    expect(store.rev).toBe(201);
    expect(store.epoch).toBe(epoch);
    expect(store.recovery.snapshotRecords).toBeGreaterThan(0);
    expect(store.get('app/k0')?.deleted).toBe(true);
    expect(store.get('app/k4')?.value).toEqual({ i: 199 });
  });

  test('below compactMinBytes the log is not compacted', async () => {
    const store = await openStore({ compactFactor: 1 });
    for (let i = 0; i < 100; i++) await store.put(rec(store, 'app/one', i));
    expect(store.stats().compactions).toBe(0);
  });

  test('compact() on demand; a log left behind by a crash mid-compaction is not applied twice', async () => {
    let store = await openStore();
    await store.put(rec(store, 'app/a', 'old'));
    const oldLog = await fsp.readFile(logFile());
    await store.put(rec(store, 'app/a', 'new'));
    await store.compact();
    expect((await fsp.stat(logFile())).size).toBe(0);
    store = await reopen(store);
    // As if the crash came after the snapshot's rename but before the log was emptied, with a stale temp file.
    await store.close();
    await fsp.writeFile(logFile(), oldLog);
    await fsp.writeFile(path.join(dir, 'snapshot.jsonl.tmp'), 'half a snapshot');
    store = await openStore();
    expect(store.get('app/a')).toMatchObject({ value: 'new', rev: 2 });
    expect(store.rev).toBe(2);
    expect(store.recovery).toMatchObject({ snapshotRecords: 1, logRecords: 0, corruptLines: 0, epochChanged: false });
    await expect(fsp.stat(path.join(dir, 'snapshot.jsonl.tmp'))).rejects.toThrow();
  });

  test('a crash between setting the log aside and the snapshot: both logs are read, then compacted', async () => {
    let store = await openStore();
    const epoch = store.epoch;
    await store.put(rec(store, 'app/a', 1));
    await store.put(rec(store, 'app/b', 2));
    await store.put(rec(store, 'app/a', 3, { deleted: true }));
    await store.close();
    const lines = (await fsp.readFile(logFile(), 'utf8')).split('\n');
    await fsp.writeFile(path.join(dir, 'log.old.jsonl'), `${lines[0]}\n${lines[1]}\n`);
    await fsp.writeFile(logFile(), `${lines[2]}\n`);
    store = await openStore();
    expect(store.recovery).toMatchObject({ logRecords: 3, corruptLines: 0, epochChanged: false });
    expect(store.epoch).toBe(epoch);
    expect(store.get('app/a')).toMatchObject({ deleted: true, rev: 3 });
    expect(store.get('app/b')).toMatchObject({ value: 2, rev: 2 });
    await expect(fsp.stat(path.join(dir, 'log.old.jsonl'))).rejects.toThrow();
    store = await reopen(store);
    expect(store.recovery).toMatchObject({ snapshotRecords: 2, logRecords: 0 });
    expect(store.rev).toBe(3);
  });

  test('writes go on while compactions run, and nothing is lost', async () => {
    let store = await openStore({ compactFactor: 1, compactMinBytes: 0 });
    const puts: Array<Promise<void>> = [];
    for (let i = 0; i < 3000; i++) {
      puts.push(store.put(rec(store, `app/k${i % 97}`, { i, pad: 'x'.repeat(i % 50) })));
      if (i % 100 === 99) await Promise.all(puts.splice(0));
    }
    const compacting = store.compact();
    puts.push(store.put(rec(store, 'app/last', 'during')));
    await Promise.all([...puts, compacting]);
    expect(store.stats().compactions).toBeGreaterThan(5);
    const before = plain(store);
    store = await reopen(store, { compactFactor: 1, compactMinBytes: 0 });
    expect(plain(store)).toEqual(before);
    expect(store.rev).toBe(3001);
  });

  test('a torn last record is dropped and start-up goes on; later writes append cleanly', async () => {
    let store = await openStore();
    const epoch = store.epoch;
    await store.put(rec(store, 'app/a', 1));
    await store.put(rec(store, 'app/b', 2));
    await store.close();
    const good = (await fsp.stat(logFile())).size;
    const torn = '1a2b3c4d {"rev":3,"fqn":"app/c","sta';
    await fsp.appendFile(logFile(), torn);
    store = await openStore();
    expect(store.recovery).toMatchObject({ droppedTailBytes: torn.length, corruptLines: 0, epochChanged: false, logRecords: 2 });
    expect(store.epoch).toBe(epoch);
    expect(store.rev).toBe(2);
    expect(store.get('app/c')).toBeUndefined();
    expect((await fsp.stat(logFile())).size).toBe(good);
    await store.put(rec(store, 'app/c', 3));
    store = await reopen(store);
    expect(store.recovery).toMatchObject({ droppedTailBytes: 0, corruptLines: 0 });
    expect(store.get('app/c')).toMatchObject({ value: 3, rev: 3 });
  });

  test('a complete last line with a wrong checksum is dropped too', async () => {
    let store = await openStore();
    await store.put(rec(store, 'app/a', 1));
    await store.put(rec(store, 'app/a', 2));
    await store.close();
    const text = await fsp.readFile(logFile(), 'utf8');
    await fsp.writeFile(logFile(), text.replace('"value":2', '"value":9'));
    store = await openStore();
    expect(store.get('app/a')?.value).toBe(1);
    expect(store.recovery.droppedTailBytes).toBeGreaterThan(0);
    expect(store.recovery.epochChanged).toBe(false);
  });

  test('a garbage line in the middle: good records kept, a new epoch, the damaged log copied aside', async () => {
    let store = await openStore();
    const epoch = store.epoch;
    await store.put(rec(store, 'app/a', 1));
    await store.put(rec(store, 'app/b', 2));
    await store.put(rec(store, 'app/c', 3));
    await store.close();
    const lines = (await fsp.readFile(logFile(), 'utf8')).split('\n');
    lines[1] = 'garbage \u0000\u0000 not a record';
    await fsp.writeFile(logFile(), lines.join('\n'));
    store = await openStore();
    expect(store.recovery).toMatchObject({ corruptLines: 1, epochChanged: true, droppedTailBytes: 0, logRecords: 2 });
    expect(store.epoch).not.toBe(epoch);
    expect(store.get('app/a')?.value).toBe(1);
    expect(store.get('app/b')).toBeUndefined();
    expect(store.get('app/c')?.value).toBe(3);
    expect(store.rev).toBe(3);
    expect(store.recovery.quarantined).toHaveLength(1);
    expect(await fsp.readFile(path.join(dir, store.recovery.quarantined[0]), 'utf8')).toContain('garbage');
    const newEpoch = store.epoch;
    store = await reopen(store);
    expect(store.recovery).toMatchObject({ corruptLines: 0, epochChanged: false });
    expect(store.epoch).toBe(newEpoch);
    expect(store.get('app/c')?.value).toBe(3);
  });

  test("onCorruption: 'refuse' rejects with StoreError and changes nothing", async () => {
    let store = await openStore();
    await store.put(rec(store, 'app/a', 1));
    await store.put(rec(store, 'app/b', 2));
    await store.close();
    const lines = (await fsp.readFile(logFile(), 'utf8')).split('\n');
    lines[0] = lines[0].replace('"value":1', '"value":7');
    const damaged = lines.join('\n');
    await fsp.writeFile(logFile(), damaged);
    const refused = fileStore(dir, { onCorruption: 'refuse' });
    await expect(refused).rejects.toBeInstanceOf(StoreError);
    await expect(refused).rejects.toMatchObject({ code: 'VS_STORE', details: { corruptLines: 1 } });
    expect(await fsp.readFile(logFile(), 'utf8')).toBe(damaged);
    store = await openStore();
    expect(store.recovery.epochChanged).toBe(true);
    expect(store.get('app/b')?.value).toBe(2);
  });

  test('a damaged snapshot: good records kept, a new epoch', async () => {
    let store = await openStore();
    const epoch = store.epoch;
    for (const [fqn, v] of [
      ['app/a', 1],
      ['app/b', 2],
      ['app/c', 3],
    ] as const)
      await store.put(rec(store, fqn, v));
    await store.compact();
    await store.close();
    const text = await fsp.readFile(snapshotFile(), 'utf8');
    await fsp.writeFile(snapshotFile(), text.replace('"value":2', '"value":5'));
    store = await openStore();
    expect(store.recovery).toMatchObject({ corruptLines: 1, epochChanged: true, snapshotRecords: 2 });
    expect(store.epoch).not.toBe(epoch);
    expect(store.get('app/b')).toBeUndefined();
    expect(store.get('app/c')?.value).toBe(3);
    expect(store.rev).toBe(3);
  });

  test('fsync on an interval: put resolves once written (before any sync); sync() and close() sync', async () => {
    let store = await openStore({ fsync: { intervalMs: 60_000 } });
    const put = store.put(rec(store, 'app/a', 1));
    expect(put).toBeInstanceOf(Promise);
    await put;
    expect(await fsp.readFile(logFile(), 'utf8')).toContain('"fqn":"app/a"');
    expect(store.stats().syncs).toBe(0);
    void store.put(rec(store, 'app/b', 2));
    await store.sync();
    expect(store.stats()).toMatchObject({ writes: 2, syncs: 1 });
    void store.put(rec(store, 'app/c', 3));
    store = await reopen(store, { fsync: { intervalMs: 60_000 } });
    expect(store.get('app/c')?.value).toBe(3);
  });

  test('fsync on an interval: the timer syncs what was written, and only then', async () => {
    const store = await openStore({ fsync: { intervalMs: 20 } });
    await store.put(rec(store, 'app/a', 1));
    const deadline = Date.now() + 5000;
    while (store.stats().syncs === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(store.stats().syncs).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100)); // more ticks, nothing new to sync
    expect(store.stats().syncs).toBe(1);
  });

  test("fsync 'always': writes put in one job share one write and one sync (group commit)", async () => {
    const store = await openStore();
    const puts = [];
    for (let i = 0; i < 50; i++) puts.push(store.put(rec(store, `app/k${i}`, i)));
    await Promise.all(puts);
    expect(store.stats()).toMatchObject({ writes: 50, syncs: 1 });
    await store.put(rec(store, 'app/k0', 'x'));
    expect(store.stats()).toMatchObject({ writes: 51, syncs: 2 });
  });

  test('typed errors for bad options and bad records', async () => {
    await expect(fileStore('')).rejects.toBeInstanceOf(ValidationError);
    await expect(fileStore(dir, { fsync: { intervalMs: 0 } })).rejects.toBeInstanceOf(ValidationError);
    await expect(fileStore(dir, { fsync: 'sometimes' as never })).rejects.toBeInstanceOf(ValidationError);
    await expect(fileStore(dir, { compactFactor: 0.5 })).rejects.toBeInstanceOf(ValidationError);
    await expect(fileStore(dir, { compactMinBytes: -1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(fileStore(dir, { onCorruption: 'ignore' as never })).rejects.toBeInstanceOf(ValidationError);
    const store = await openStore();
    await store.put(rec(store, 'app/a', 1));
    expect(() => store.put(rec(store, 'app/a', 2, { rev: 1 }))).toThrow(ValidationError);
    expect(() => store.put(rec(store, 'app/a', 2, { rev: 2.5 }))).toThrow(ValidationError);
    expect(() => store.put(rec(store, '', 2))).toThrow(ValidationError);
    expect(() => store.put(rec(store, 'app/a', 2, { deleted: 'no' as never }))).toThrow(ValidationError);
    expect(() => store.put(rec(store, 'app/a', { big: 1n }))).toThrow(ValidationError);
    expect(store.rev).toBe(1);
    expect(store.get('app/a')?.value).toBe(1);
    await store.close();
    expect(() => store.put(rec(store, 'app/a', 2))).toThrow(ClosedError);
    await expect(store.compact()).rejects.toBeInstanceOf(ClosedError);
  });

  test('a directory is held by one store at a time; a stale LOCK is taken over', async () => {
    const store = await openStore();
    await expect(fileStore(dir)).rejects.toBeInstanceOf(StoreError);
    await store.close();
    await fsp.writeFile(path.join(dir, 'LOCK'), '2147483646\n'); // no such process
    const again = await openStore();
    expect(again.recovery.created).toBe(false);
    expect(await fsp.readFile(path.join(dir, 'LOCK'), 'utf8')).toBe(`${process.pid}\n`);
    await again.close();
    await expect(fsp.stat(path.join(dir, 'LOCK'))).rejects.toThrow();
  });
});

describe('hub acks with a durable store', () => {
  let hub: HubHandle | undefined;
  const links: Link[] = [];
  afterEach(async () => {
    await Promise.all(links.splice(0).map((link) => link.close()));
    await hub?.close();
    hub = undefined;
  });
  async function client(space = new Space()): Promise<Link> {
    const link = await connect(hub!.url, { space, reconnect: false });
    links.push(link);
    return link;
  }

  test('a write is on disk when its ack arrives, and a restarted hub serves it from the same epoch', async () => {
    hub = await startHub({ port: 0, host: '127.0.0.1', store: await fileStore(dir) });
    const epoch = hub.hub.store.epoch;
    const link = await client();
    for (let i = 0; i < 20; i++) {
      const ack = await link.set('app/counter', i);
      const log = await fsp.readFile(logFile(), 'utf8');
      expect(log).toContain(`{"rev":${ack.rev},"fqn":"app/counter","stamp":"${ack.stamp}",`);
    }
    await link.close();
    await hub.close();
    hub = await startHub({ port: 0, host: '127.0.0.1', store: await fileStore(dir) });
    expect(hub.hub.store.epoch).toBe(epoch);
    const space = new Space();
    const reader = await client(space);
    await reader.follow('app.>').synced;
    expect(space.resolve('app/counter')?.deref()).toBe(19);
    expect(hub.space.resolve('app/counter')?.deref()).toBe(19);
  });

  test('the ack waits for the store, and a failed put answers a typed err', async () => {
    const inner = memoryStore();
    const gates: Array<{ release(): void; fail(): void }> = [];
    // Only the test's writes are held (the hub also stores its own `$sys` vars).
    const slow = storeWithPut(inner, (record) => {
      inner.put(record);
      if (!record.fqn.startsWith('app/')) return;
      return new Promise<void>((resolve, reject) => gates.push({ release: resolve, fail: () => reject(new StoreError('disk on fire')) }));
    });
    hub = await startHub({ port: 0, host: '127.0.0.1', store: slow });
    const link = await client();
    let acked = false;
    const first = link.set('app/x', 1).then((ack) => {
      acked = true;
      return ack;
    });
    while (gates.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(acked).toBe(false);
    gates[0].release();
    expect((await first).rev).toBe(hub.hub.store.get('app/x')!.rev);
    const second = link.set('app/x', 2);
    while (gates.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    gates[1].fail();
    const error = await second.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VarspaceError);
    expect(error).toMatchObject({ code: 'VS_STORE', message: 'disk on fire' });
    expect(hub.stats().errors).toBeGreaterThanOrEqual(1);
  });

  test('the memory store keeps the synchronous path', async () => {
    const store = memoryStore();
    expect(store.put({ fqn: 'a/b', value: 1, stamp: 's', from: 'f', rev: 1, deleted: false })).toBeUndefined();
    hub = await startHub({ port: 0, host: '127.0.0.1' });
    const link = await client();
    expect((await link.set('app/y', 1)).rev).toBeGreaterThan(0);
  });
});

describe('varspace hub --data', () => {
  test('hubCommand with data keeps the state in the directory across restarts; memory stays the default', async () => {
    const { hubCommand } = await import('../../src/cli/hub-command.js');
    const lines: string[] = [];
    let hub = await hubCommand({ port: 0, host: '127.0.0.1', data: dir }, (line) => lines.push(line));
    const listening = JSON.parse(lines[0]);
    expect(listening).toMatchObject({ event: 'listening', data: dir, rev: 0 });
    const epoch = listening.epoch;
    const link = await connect(hub.url, { space: new Space(), reconnect: false });
    await link.set('app/kept', 'yes');
    await link.close();
    await hub.close();
    await expect(fsp.stat(path.join(dir, 'log.jsonl'))).resolves.toBeTruthy();
    hub = await hubCommand({ port: 0, host: '127.0.0.1', data: dir }, (line) => lines.push(line));
    expect(JSON.parse(lines.find((line, i) => i > 0 && line.includes('"listening"'))!)).toMatchObject({ epoch });
    expect(hub.space.resolve('app/kept')?.deref()).toBe('yes');
    await hub.close();
    const memory = await hubCommand({ port: 0, host: '127.0.0.1' }, () => {});
    expect('recovery' in memory.hub.store).toBe(false);
    expect(memory.space.resolve('app/kept')).toBeUndefined();
    await memory.close();
  });

  test('a directory held by a running hub refuses a second one; a port in use releases the directory', async () => {
    const { hubCommand } = await import('../../src/cli/hub-command.js');
    const hub = await hubCommand({ port: 0, host: '127.0.0.1', data: dir }, () => {});
    await expect(hubCommand({ port: 0, host: '127.0.0.1', data: dir }, () => {})).rejects.toBeInstanceOf(StoreError);
    await hub.close();
    const other = await startHub({ port: 0, host: '127.0.0.1' });
    await expect(hubCommand({ port: other.port, host: '127.0.0.1', data: dir }, () => {})).rejects.toMatchObject({
      code: 'VS_PORT_IN_USE',
    });
    await other.close();
    const store = await openStore();
    expect(store.recovery.created).toBe(false);
  });
});
