// One measured burst through a writer → server → reader session of child processes (shared by
// bench/wire.ts and the profiling helpers).
import type { Child } from './ipc.js';

/** The sides that bench/processes/writer.ts and reader.ts drive, each with its server process (bench/processes/<name>.ts). */
export const SERVER_OF = { raw: 'relay', varspace: 'hub', socketio: 'socketio-relay' } as const;
export type Mode = keyof typeof SERVER_OF;

/** The three processes of one session. */
export interface Session {
  writer: Child;
  reader: Child;
  server: Child;
}

/** What one burst measured. */
export interface Burst {
  /** updates (or deliveries) received per second, end to end */
  rate: number;
  received: number;
  ms: number;
  /** CPU time (user + system) per delivered update, µs: writer, server, reader(s) */
  cpu: [number, number, number];
}

const cpuOf = (session: Session): Promise<number[]> =>
  Promise.all([session.writer.call('cpu'), session.server.call('cpu'), session.reader.call('cpu')]);

/** `rounds` rounds of one write to each of `vars` vars, from the writer's first write to the reader holding every final value. */
export async function burst(session: Session, vars: number, rounds: number): Promise<Burst> {
  await session.reader.call('arm', { vars, total: vars * rounds });
  const cpu0 = await cpuOf(session);
  const sent = await session.writer.call('burst', { rounds });
  const got = await session.reader.call('wait', { timeoutMs: 60_000 });
  const cpu1 = await cpuOf(session);
  const ms = got.tDone - sent.t0;
  const cpu = cpu1.map((c, k) => ((c - cpu0[k]) * 1000) / got.received) as [number, number, number];
  return { rate: (got.received / ms) * 1000, received: got.received, ms, cpu };
}

/** One line of a burst: rate, count and CPU per delivery of each process. */
export function burstLine(label: string, b: Burst): string {
  const [w, s, r] = b.cpu.map((c) => c.toFixed(2));
  return `${label}: ${Math.round(b.rate)} /s, ${b.received} received in ${b.ms.toFixed(0)} ms; CPU µs per delivery: writer ${w}, server ${s}, reader ${r}`;
}
