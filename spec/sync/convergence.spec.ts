// The proof of "Conflicts and convergence" (DESIGN §6): a property test. 3–6 replicas (each a
// Space and a Link syncing `k.>`) write, set, cas and unmap a few vars at random through one Hub
// (and now and then stop syncing and sync again), over the faulty in-memory network of
// spec/support/faulty-network.ts: delays, lost and duplicated frames as broken connections,
// half-open connections, refused reconnects, random disconnects, hub crashes that lose the hub's
// whole state; with wall clocks that are skewed and jump backwards. Then the network heals and
// everything goes quiet, and:
//
// - every replica and the hub hold the same value and the same stamp (and writer) for every var;
// - that value is the write with the greatest (stamp, writer) among all writes made — every `pub`
//   and `del` a link put on the wire (lost or not), and every `cas` the hub accepted (the hub's
//   store says which) — and a var whose greatest write is an unmap is absent everywhere (the hub
//   keeps its tombstone; a replica that never held the var need not);
// - every write the hub accepted is one a client made, with the client's stamp (nothing is invented);
// - every `set`, `cas` and `ping` settled (none hangs across reconnects), and no error was reported.
//
// Determinism: ids come from a counter (uuid is mocked), time is jest's fake clock (moved only by
// the test), frame order and faults come from fast-check. A failure prints the seed; run again
// with VARSPACE_FC_SEED=<seed> (and VARSPACE_FC_PATH=<path> to replay the shrunk case).
// VARSPACE_FC_RUNS sets the number of runs (default 1,000).
import { jest } from '@jest/globals';
import fc from 'fast-check';
import type { Subscription } from 'rxjs';
import type { Link, LinkSubscription } from '../../src/sync/link.js';
import type { Space as SpaceType } from '../../src/core/space.js';
import type { StoreRecord } from '../../src/hub/store.js';
import { FaultyNetwork, type FrameFault } from '../support/faulty-network.js';
import { storeWithPut } from '../support/store-with-put.js';

let nextId = 0;
const realUuid = await import('uuid');
jest.unstable_mockModule('uuid', () => ({
  ...realUuid,
  v4: () => `00000000-0000-4000-8000-${(++nextId).toString(16).padStart(12, '0')}`,
}));
const { Hub, Space, connect, memoryStore, compareWrites, ConflictError, ClosedError } = await import('../../src/index.js');

const RUNS = Number(process.env.VARSPACE_FC_RUNS ?? 1000);
const SEED = process.env.VARSPACE_FC_SEED !== undefined ? Number(process.env.VARSPACE_FC_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
const PATH = process.env.VARSPACE_FC_PATH;
const START = 1_764_180_000_000;
/** VARSPACE_FC_STATS=1 prints what the runs went through (faults, outcomes, errors). */
const STATS = process.env.VARSPACE_FC_STATS === '1';
const totals: Record<string, number> = { runs: 0 };
/** VARSPACE_FC_CAS_IN_CRASH=1 lets the hub crash while cas requests are in flight (a known limit: see 'restart'). */
const CAS_IN_CRASH = process.env.VARSPACE_FC_CAS_IN_CRASH === '1';
const VARS = ['k/v0', 'k.sub/v1', 'k/v2'];
/** Bounds of the loops that drive the network (a run that needs more is a failure: no quiescence). */
const MAX_TASKS = 50_000;
const MAX_SETTLE_ROUNDS = 400;

type OpKind = 'write' | 'set' | 'cas' | 'unmap' | 'ping' | 'resubscribe' | 'cut' | 'restart' | 'tick' | 'skew';
interface Op {
  readonly kind: OpKind;
  readonly r: number;
  readonly k: number;
  /** tick: ms forward; skew: ms added to the replica's wall clock (negative: it jumps back). */
  readonly ms: number;
  /** cas: use an outdated revision. */
  readonly stale: boolean;
  /** Scheduler tasks run after the op (frames delivered, connections made). */
  readonly steps: number;
}
interface Scenario {
  readonly replicas: number;
  readonly vars: number;
  readonly skews: readonly number[];
  readonly ops: readonly Op[];
  readonly frameFaults: readonly (readonly [number, FrameFault])[];
  readonly refusals: readonly number[];
}

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.oneof(
    { weight: 4, arbitrary: fc.constant<OpKind>('write') },
    { weight: 2, arbitrary: fc.constant<OpKind>('set') },
    { weight: 3, arbitrary: fc.constant<OpKind>('cas') },
    { weight: 2, arbitrary: fc.constant<OpKind>('unmap') },
    { weight: 1, arbitrary: fc.constant<OpKind>('ping') },
    { weight: 1, arbitrary: fc.constant<OpKind>('resubscribe') },
    { weight: 2, arbitrary: fc.constant<OpKind>('cut') },
    { weight: 1, arbitrary: fc.constant<OpKind>('restart') },
    { weight: 2, arbitrary: fc.constant<OpKind>('tick') },
    { weight: 1, arbitrary: fc.constant<OpKind>('skew') },
  ),
  r: fc.nat(5),
  k: fc.nat(2),
  ms: fc.integer({ min: -120, max: 40 }),
  stale: fc.boolean(),
  steps: fc.nat(8),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  replicas: fc.integer({ min: 3, max: 6 }),
  vars: fc.integer({ min: 1, max: 3 }),
  skews: fc.array(fc.integer({ min: -60, max: 60 }), { minLength: 6, maxLength: 6 }),
  ops: fc.array(opArb, { minLength: 1, maxLength: 40, size: 'max' }),
  frameFaults: fc.array(fc.tuple(fc.nat(120), fc.constantFrom<FrameFault>('lose', 'dup')), { maxLength: 14, size: 'max' }),
  refusals: fc.array(fc.nat(16), { maxLength: 4 }),
});

/** Lets every queued microtask run (setImmediate is not faked). */
const drain = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs scheduler tasks until `promise` settles. */
async function runUntil<T>(s: fc.Scheduler, promise: Promise<T>, what: string): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < MAX_TASKS; i++) {
    await drain();
    if (settled) return promise;
    if (s.count() === 0) throw new Error(`stuck: nothing scheduled while waiting for ${what}`);
    await s.waitNext(1);
  }
  throw new Error(`no end of tasks while waiting for ${what}`);
}

/** Runs `n` scheduler tasks (fewer if fewer are pending). */
async function step(s: fc.Scheduler, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await drain();
    if (s.count() === 0) return;
    await s.waitNext(1);
  }
  await drain();
}

/** Runs scheduler tasks until none is pending. */
async function runAll(s: fc.Scheduler): Promise<void> {
  for (let i = 0; i < MAX_TASKS; i++) {
    await drain();
    if (s.count() === 0) return;
    await s.waitNext(1);
  }
  throw new Error('the network never went quiet');
}

interface Replica {
  readonly name: string;
  readonly space: SpaceType;
  readonly link: Link;
  readonly errors: unknown[];
  sync?: Subscription;
}

interface Write {
  readonly stamp: string;
  readonly from: string;
  readonly deleted: boolean;
  readonly value?: unknown;
  readonly how: string;
}

/** The records a link keeps of every var's last write (private; read for the check). */
const recordsOf = (link: Link) =>
  (link as unknown as { replica: { records: Map<string, { stamp: string; from: string }> } }).replica.records;

async function runScenario(s: fc.Scheduler, scenario: Scenario): Promise<void> {
  nextId = 0;
  jest.setSystemTime(START);
  const accepted: StoreRecord[] = [];
  /** A hub with an empty memory store (a new epoch) that logs every write it accepts. */
  const startHub = () => {
    const base = memoryStore();
    const store = storeWithPut(base, (record) => {
      accepted.push(record);
      return base.put(record);
    });
    // The hubs share a resume-token secret (as a cluster's do): replicas keep their ids across a
    // crash, which the check relies on (it maps each id to one replica).
    const started = new Hub({ store, heartbeat: false, secret: 'the-secret-the-hubs-of-this-run-share' });
    hubs.push(started);
    return started;
  };
  const hubs: InstanceType<typeof Hub>[] = [];
  let hub = startHub();
  const network = new FaultyNetwork(s, hub, {
    frames: new Map(scenario.frameFaults),
    refusals: new Set(scenario.refusals),
  });
  const offsets = scenario.skews.slice(0, scenario.replicas);
  const replicas: Replica[] = [];
  try {
    for (let r = 0; r < scenario.replicas; r++) {
      const space = new Space();
      const errors: unknown[] = [];
      space.errors$.subscribe((error) => errors.push(error));
      const link = await runUntil(
        s,
        connect(network.factory(`r${r}`), {
          space,
          heartbeat: false,
          now: () => Date.now() + offsets[r],
          reconnect: { initialDelayMs: 4, maxDelayMs: 32, random: () => 0.5 },
        }),
        `r${r} to connect`,
      );
      replicas.push({ name: `r${r}`, space, link, errors });
    }
    for (const replica of replicas) replica.sync = replica.link.sync('k.>');
    await runUntil(s, Promise.all(replicas.map(({ sync }) => (sync as LinkSubscription).synced)), 'the first sync');

    network.startFaults();
    const outcomes: string[] = [];
    let requests = 0;
    let casInFlight = 0;
    for (const [i, op] of scenario.ops.entries()) {
      const replica = replicas[op.r % replicas.length];
      const fqn = VARS[op.k % scenario.vars];
      const value = `${replica.name}#${i}`;
      const { link, space } = replica;
      switch (op.kind) {
        case 'write':
          space.intern(fqn, value);
          break;
        case 'set':
          requests++;
          link.set(fqn, value).then(
            () => outcomes.push(`${i} set ok`),
            (error: unknown) => outcomes.push(`${i} set ${(error as Error).name}`),
          );
          break;
        case 'cas': {
          const known = link.revision(fqn);
          const rev = op.stale ? Math.max(0, known - 1) : known;
          requests++;
          casInFlight++;
          link.cas(fqn, rev, value).then(
            () => {
              casInFlight--;
              outcomes.push(`${i} cas ok`);
            },
            (error: unknown) => {
              casInFlight--;
              if (!(error instanceof ConflictError) && !(error instanceof ClosedError)) replica.errors.push(error);
              outcomes.push(`${i} cas ${(error as Error).name}`);
            },
          );
          break;
        }
        case 'unmap':
          space.unmap(fqn);
          break;
        case 'ping':
          requests++;
          link.ping().then(
            () => outcomes.push(`${i} ping ok`),
            (error: unknown) => outcomes.push(`${i} ping ${(error as Error).name}`),
          );
          break;
        case 'resubscribe':
          // The app stops syncing and syncs again: what changed meanwhile must still arrive.
          replica.sync?.unsubscribe();
          replica.sync = link.sync('k.>');
          break;
        case 'cut':
          network.cut(replica.name);
          break;
        case 'restart':
          // The hub dies and comes back with an empty store: the replicas must rebuild its state.
          // Known limit (see CAS_IN_CRASH): a cas the old hub applied but whose answer the crash
          // lost is not known to its writer as its own write, so nobody restores it; replicas that
          // had received it keep it. So by default the crash waits for the answers of the cas
          // requests in flight.
          if (!CAS_IN_CRASH) {
            for (let round = 0; casInFlight > 0; round++) {
              if (round > MAX_SETTLE_ROUNDS) throw new Error('cas requests never answered');
              await runAll(s);
              if (casInFlight > 0) jest.advanceTimersByTime(8);
            }
          }
          network.replaceHub((hub = startHub()));
          break;
        case 'tick':
          jest.advanceTimersByTime(Math.abs(op.ms) % 41);
          break;
        case 'skew':
          offsets[op.r % replicas.length] += op.ms;
          break;
      }
      await step(s, op.steps);
    }

    // Heal, then run until nothing is in flight and every link is open again.
    network.heal();
    let rounds = 0;
    for (;;) {
      await runAll(s);
      if (network.quiet && replicas.every(({ link }) => link.status$.value === 'open')) break;
      if (++rounds > MAX_SETTLE_ROUNDS)
        throw new Error(`no quiescence: ${replicas.map(({ name, link }) => `${name} ${link.status$.value}`).join(', ')}`);
      jest.advanceTimersByTime(8);
    }

    check(scenario, replicas, hub, network, accepted);
    // Every request was answered (none hangs across reconnects), and none failed but for a conflict.
    if (outcomes.length !== requests)
      throw new Error(`${requests - outcomes.length} of ${requests} requests never settled: ${outcomes.join(', ')}`);
    const failed = outcomes.filter((o) => !o.endsWith(' ok') && !o.endsWith('cas ConflictError'));
    if (failed.length > 0) throw new Error(`requests failed: ${failed.join(', ')}`);
    if (STATS) {
      totals.runs++;
      for (const [key, n] of Object.entries(network.counts)) totals[key] = (totals[key] ?? 0) + n;
      for (const { errors } of replicas)
        for (const e of errors)
          totals[`error ${(e as { code?: string }).code}`] = (totals[`error ${(e as { code?: string }).code}`] ?? 0) + 1;
      for (const o of outcomes) totals[o.replace(/^\d+ /, '')] = (totals[o.replace(/^\d+ /, '')] ?? 0) + 1;
      const reconnects = replicas.reduce((n, { link }) => n + link.stats().reconnects, 0);
      totals.reconnects = (totals.reconnects ?? 0) + reconnects;
    }
  } finally {
    for (const { link } of replicas) await link.close();
    for (const each of hubs) await each.close();
    jest.clearAllTimers();
  }
}

function check(
  scenario: Scenario,
  replicas: Replica[],
  hub: InstanceType<typeof Hub>,
  network: FaultyNetwork,
  accepted: StoreRecord[],
): void {
  const idOf = new Map(replicas.map(({ name, link }) => [name, link.instanceId]));
  const nameOf = new Map(replicas.map(({ name, link }) => [link.instanceId, name]));
  const writes = new Map<string, Write[]>(VARS.map((fqn) => [fqn, []]));
  const onWire = new Set<string>();
  const casValues = new Set<string>();
  // A `pubs` batch counts as a `pub` per entry.
  const sent = network.sent.flatMap(({ client, message }) =>
    message.t === 'pubs'
      ? (message.w as [string, string, unknown?][]).map(([fqn, stamp, value]) => ({
          client,
          message: { t: 'pub', fqn, stamp, value } as Record<string, unknown>,
        }))
      : [{ client, message }],
  );
  for (const { client, message } of sent) {
    const from = idOf.get(client)!;
    const fqn = message.fqn as string;
    if (message.t === 'pub' || message.t === 'del') {
      const deleted = message.t === 'del';
      writes.get(fqn)!.push({ stamp: message.stamp as string, from, deleted, value: message.value, how: `${client} ${message.t}` });
      onWire.add(`${fqn} ${message.stamp} ${from}`);
    } else if (message.t === 'cas') {
      casValues.add(`${fqn} ${message.stamp} ${from} ${JSON.stringify(message.value)}`);
    }
  }
  for (const record of accepted) {
    if (!record.fqn.startsWith('k')) continue;
    if (onWire.has(`${record.fqn} ${record.stamp} ${record.from}`)) continue;
    // Not a pub or del seen on the wire: it must be a cas the hub accepted.
    if (record.deleted || !casValues.has(`${record.fqn} ${record.stamp} ${record.from} ${JSON.stringify(record.value)}`)) {
      throw new Error(`the hub accepted a write nobody made: ${JSON.stringify(record)}`);
    }
    writes
      .get(record.fqn)!
      .push({ stamp: record.stamp, from: record.from, deleted: false, value: record.value, how: `${nameOf.get(record.from)} cas` });
  }

  const problems: string[] = [];
  for (const fqn of VARS.slice(0, scenario.vars)) {
    const all = writes.get(fqn)!;
    const winner = all.reduce<Write | undefined>(
      (best, w) => (best === undefined || compareWrites(w.stamp, w.from, best.stamp, best.from) > 0 ? w : best),
      undefined,
    );
    const expected =
      winner === undefined
        ? 'absent, never written'
        : winner.deleted
          ? `unmapped @${winner.stamp}/${nameOf.get(winner.from)}`
          : `${JSON.stringify(winner.value)} @${winner.stamp}/${nameOf.get(winner.from)}`;
    const held = hub.store.get(fqn);
    const hubState =
      held === undefined
        ? 'absent, never written'
        : held.deleted
          ? `unmapped @${held.stamp}/${nameOf.get(held.from)}`
          : `${JSON.stringify(held.value)} @${held.stamp}/${nameOf.get(held.from)}`;
    if (hubState !== expected) problems.push(`${fqn}: the hub holds ${hubState}, expected ${expected}`);
    const hubVar = hub.space.resolve(fqn);
    const hubSpace = hubVar?.bound ? JSON.stringify(hubVar.getValue()) : 'absent';
    if (hubSpace !== (winner && !winner.deleted ? JSON.stringify(winner.value) : 'absent'))
      problems.push(`${fqn}: the hub's space holds ${hubSpace}`);
    for (const { name, space, link } of replicas) {
      const record = recordsOf(link).get(fqn);
      const local = space.resolve(fqn);
      const value = local?.bound ? JSON.stringify(local.getValue()) : undefined;
      let state: string;
      if (record === undefined) state = value === undefined ? 'absent, never written' : `${value} with no stamp`;
      else if (value === undefined) state = `unmapped @${record.stamp}/${nameOf.get(record.from)}`;
      else state = `${value} @${record.stamp}/${nameOf.get(record.from)}`;
      // A replica that never knew the var need not know its tombstone: absent is absent.
      const absentAsExpected = state === 'absent, never written' && winner?.deleted === true;
      if (state !== expected && !absentAsExpected) problems.push(`${fqn}: ${name} holds ${state}, expected ${expected}`);
    }
    if (problems.length > 0) {
      problems.push(
        `${fqn} writes: ${all.map((w) => `${w.how} ${w.deleted ? 'unmap' : JSON.stringify(w.value)} @${w.stamp}/${nameOf.get(w.from)}`).join('; ')}`,
      );
    }
  }
  const unexpected = replicas.flatMap(({ name, errors }) =>
    errors.filter((e) => !['VS_FORBIDDEN'].includes((e as { code?: string }).code ?? '')).map((e) => `${name}: ${String(e)}`),
  );
  if (unexpected.length > 0) problems.push(`errors: ${unexpected.join('; ')}`);
  if (problems.length > 0) {
    throw new Error(`${problems.join('\n')}\nnetwork: ${JSON.stringify(network.counts)}`);
  }
}

beforeAll(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'], now: START });
});
afterAll(() => {
  jest.useRealTimers();
  if (STATS) console.log(totals);
});

test(`replicas converge to the greatest stamp written, through faults (${RUNS} runs)`, async () => {
  try {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), scenarioArb, (s, scenario) => runScenario(s, scenario)),
      { numRuns: RUNS, seed: SEED, ...(PATH !== undefined ? { path: PATH } : {}) },
    );
  } catch (error) {
    console.error(`convergence property failed: VARSPACE_FC_SEED=${SEED}`);
    throw error;
  }
}, 600_000);
