// The persisters on their own (memoryPersister, filePersister): the latest state per var, the
// latest meta, a reopen, the directory lock; and `connect`'s checks of the new options.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PERSIST_FORMAT, StoreError, ValidationError, connect, filePersister, memoryPersister, type Persister } from '../../src/index.js';

const meta = (instanceId: string) => ({ format: PERSIST_FORMAT, instanceId, token: 't', epoch: 'e', hubId: 'h', follows: { 'a.>': 3 } });
const held = (fqn: string, value: unknown, stamp: string, pending?: string) => ({
  fqn,
  value,
  stamp,
  from: 'w',
  rev: 1,
  deleted: false,
  ...(pending ? { pending } : {}),
});

async function roundTrip(open: () => Persister): Promise<void> {
  const first = open();
  expect(await first.load()).toMatchObject({ vars: [], meta: undefined });
  await first.save({
    vars: [held('a/x', 1, '0000000000000001', '["a/x","0000000000000001",1]'), held('a/y', 'y', '0000000000000002')],
    meta: meta('i1'),
  });
  await first.save({
    vars: [held('a/x', { n: 2 }, '0000000000000003'), { fqn: 'a/z', stamp: '0000000000000004', from: 'w', rev: 2, deleted: true }],
    meta: meta('i2'),
  });
  await first.close();
  const again = open();
  const state = await again.load();
  expect(state.meta).toEqual(meta('i2'));
  const byFqn = Object.fromEntries(state.vars.map((v) => [v.fqn, v]));
  expect(byFqn['a/x']).toEqual(held('a/x', { n: 2 }, '0000000000000003'));
  expect(byFqn['a/y']).toEqual(held('a/y', 'y', '0000000000000002'));
  expect(byFqn['a/z']).toMatchObject({ deleted: true, rev: 2 });
  expect(byFqn['a/z'].value).toBeUndefined();
  await again.close();
}

test('memoryPersister keeps the latest state of each var and the latest meta', async () => {
  const persist = memoryPersister();
  await roundTrip(() => persist);
  expect(persist.vars.size).toBe(3);
});

describe('filePersister', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'varspace-persisters-'));
  });
  afterEach(() => fsp.rm(dir, { recursive: true, force: true }));

  test('keeps the latest state of each var and the latest meta across a reopen', async () => {
    await roundTrip(() => filePersister(dir));
  });

  test('one persister per directory: a second is refused with StoreError while the first holds it', async () => {
    const first = filePersister(dir);
    await first.load();
    await expect(filePersister(dir).load()).rejects.toBeInstanceOf(StoreError);
    await first.close();
    const second = filePersister(dir);
    await expect(second.load()).resolves.toMatchObject({ vars: [] });
    await second.close();
  });

  test('a save after close is refused with StoreError; an empty directory name with ValidationError', async () => {
    const persister = filePersister(dir);
    await persister.load();
    await persister.close();
    await expect(persister.save({ vars: [], meta: meta('i') })).rejects.toBeInstanceOf(StoreError);
    expect(() => filePersister('')).toThrow(ValidationError);
  });
});

test('connect checks persist and offline (strict options) before anything opens', async () => {
  await expect(connect('ws://127.0.0.1:1', { persist: {} as never })).rejects.toBeInstanceOf(ValidationError);
  await expect(connect('ws://127.0.0.1:1', { offline: 'yes' as never })).rejects.toBeInstanceOf(ValidationError);
});
