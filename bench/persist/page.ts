// The page of bench/persist.ts (bundled with esbuild): fills IndexedDB with the same 10,000 values
// for varspace's indexedDbPersister and for TinyBase's, then times hydrating each, interleaved.
import { createStore } from 'tinybase';
import { createIndexedDbPersister } from 'tinybase/persisters/persister-indexed-db';
import { ClosedError, Space, connect, indexedDbPersister, type PersistedVar } from '../../src/browser.js';

const NAME = 'bench-varspace';
const TINYBASE = 'bench-tinybase';
const fqnOf = (i: number) => `bench.g${i % 100}/v${i}`;
const valueOf = (i: number) => ({ i, at: 1_700_000_000_000 + i, note: 'y'.repeat(60) });
const unreachable = () => Promise.reject(new ClosedError('no hub in this bench'));

async function fill(vars: number): Promise<void> {
  const persister = indexedDbPersister(NAME);
  await persister.load();
  const held: PersistedVar[] = [];
  for (let i = 0; i < vars; i++)
    held.push({
      fqn: fqnOf(i),
      value: valueOf(i),
      stamp: `0190${i.toString(16).padStart(12, '0')}`,
      from: 'writer',
      rev: i + 1,
      deleted: false,
    });
  await persister.save({ vars: held, meta: { format: 1, instanceId: '', token: '', epoch: 'e', hubId: '', follows: { 'bench.>': vars } } });
  await persister.close();
  const store = createStore();
  for (let i = 0; i < vars; i++) store.setRow('vars', fqnOf(i), valueOf(i));
  const tinybase = createIndexedDbPersister(store, TINYBASE);
  await tinybase.save();
  await tinybase.destroy();
}

/** ms until `connect` resolves with the persisted vars in the space (offline: no hub). */
async function varspace(vars: number): Promise<number> {
  const space = new Space();
  const start = performance.now();
  const link = await connect(unreachable, {
    space,
    persist: indexedDbPersister(NAME),
    offline: true,
    reconnect: { initialDelayMs: 60_000 },
  });
  const ms = performance.now() - start;
  if (space.match('bench.>').length !== vars) throw new Error('varspace hydrated the wrong count');
  await link.close();
  return ms;
}

/** ms until TinyBase's IndexedDB persister has loaded the store. */
async function tinybase(vars: number): Promise<number> {
  const store = createStore();
  const start = performance.now();
  const persister = createIndexedDbPersister(store, TINYBASE);
  await persister.load();
  const ms = performance.now() - start;
  if (store.getRowCount('vars') !== vars) throw new Error('TinyBase loaded the wrong count');
  await persister.destroy();
  return ms;
}

(window as unknown as { bench: unknown }).bench = async (vars: number, runs: number) => {
  await fill(vars);
  const values: number[] = [];
  const baselines: number[] = [];
  for (let run = 0; run < runs; run++) {
    if (run % 2 === 0) {
      baselines.push(await tinybase(vars));
      values.push(await varspace(vars));
    } else {
      values.push(await varspace(vars));
      baselines.push(await tinybase(vars));
    }
  }
  return { values, baselines };
};
