import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Space } from '../../src/core/space.js';
import type { FileStoreRecovery } from '../../src/hub/file-store/file-store.js';
import { connect } from '../../src/sync/connect-node.js';
import type { Link } from '../../src/sync/link.js';

const fixture = fileURLToPath(new URL('./fixtures/crash-hub.ts', import.meta.url));
const ROUNDS = 20;
const WRITERS = 4;
const KEYS_PER_WRITER = 16;

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly epoch: string;
  readonly rev: number;
  readonly recovery: FileStoreRecovery;
}

/** Starts the hub process on `dir` and waits for the line with its URL. */
function startHubProcess(dir: string): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir, '2048'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise<Started>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hub process did not start in time: ${stderr}`));
    }, 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub process exited (${code}) before listening: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, ...JSON.parse(line) });
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

/** A small seeded PRNG (mulberry32), so a failing run can be told by its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let dir: string;
let hub: Started | undefined;
const links: Link[] = [];

beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'varspace-crash-'));
});
afterAll(async () => {
  await Promise.all(links.splice(0).map((link) => link.close()));
  if (hub) await kill(hub.child);
  await fsp.rm(dir, { recursive: true, force: true });
});

test(`every acknowledged write survives SIGKILL of the hub, ${ROUNDS} times`, async () => {
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
  const next = random(seed);
  const context = (round: number) => `seed ${seed}, round ${round}`;
  /** The highest acknowledged sequence number of each key, and the highest revision acked. */
  const acked = new Map<string, number>();
  let maxAckedRev = 0;
  let seq = 0;
  let epoch: string | undefined;
  let totalAcked = 0;
  let compactedRounds = 0;

  for (let round = 0; round <= ROUNDS; round++) {
    hub = await startHubProcess(dir);
    epoch ??= hub.epoch;
    expect({ round, epoch: hub.epoch }).toEqual({ round, epoch });
    expect({ round, corrupt: hub.recovery.corruptLines, epochChanged: hub.recovery.epochChanged }).toEqual({
      round,
      corrupt: 0,
      epochChanged: false,
    });
    expect(hub.rev).toBeGreaterThanOrEqual(maxAckedRev);
    if (hub.recovery.snapshotRecords > 0) compactedRounds++;

    // Every acknowledged write is there, read back through a fresh link (which then writes the next stream).
    const space = new Space();
    const writer = await connect(hub.url, { space, reconnect: false });
    links.push(writer);
    await writer.follow('crash.>').synced;
    for (const [fqn, wanted] of acked) {
      const held = space.resolve(fqn)?.deref() as { seq: number } | undefined;
      if (!held || held.seq < wanted)
        throw new Error(`${context(round)}: ${fqn} holds ${JSON.stringify(held)}, acknowledged seq ${wanted}`);
    }
    if (round === ROUNDS) break;

    // A stream of acknowledged writes from several writers at once, cut by SIGKILL at a random point.
    let stop = false;
    const loops = Array.from({ length: WRITERS }, async (_, w) => {
      for (let j = 0; !stop && j < 100_000; j++) {
        const fqn = `crash.k/w${w}-${j % KEYS_PER_WRITER}`;
        const value = { seq: ++seq, round };
        try {
          const ack = await writer.set(fqn, value);
          acked.set(fqn, value.seq);
          maxAckedRev = Math.max(maxAckedRev, ack.rev);
          totalAcked++;
        } catch {
          return; // the hub died: this write may or may not have landed
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 20 + next() * 250));
    await kill(hub.child);
    stop = true;
    await Promise.all(loops);
    await writer.close();
    links.splice(links.indexOf(writer), 1);
  }

  await kill(hub!.child);
  hub = undefined;
  expect(totalAcked).toBeGreaterThan(ROUNDS * 10);
  expect(compactedRounds).toBeGreaterThan(0);
  console.log(
    `crash test (seed ${seed}): ${totalAcked} acknowledged writes over ${ROUNDS} kills, all recovered; ${compactedRounds} restarts found a snapshot`,
  );
}, 90_000);
