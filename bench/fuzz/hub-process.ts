// The hub under fuzz, in its own process so that a crash is seen as one (an exit, a stack trace on
// stderr). It runs the built package (dist/) with its defaults, logs errors as JSON lines on stderr,
// and answers its parent over IPC: `state` (the records the hub holds for some FQNs) and `stats`.
import { jsonLogger, startHub } from '../../dist/index.js';

/** What the parent asks. */
type Request = { id: number; t: 'state'; fqns: string[] } | { id: number; t: 'stats' };

const hub = await startHub({ port: 0, host: '127.0.0.1', logger: jsonLogger('error', (line) => process.stderr.write(`${line}\n`)) });
// Errors the hub's space reports (a mirror that threw, a store failure): internal, so logged.
hub.space.errors$.subscribe((error) => {
  const e = error as Error;
  process.stderr.write(`${JSON.stringify({ level: 'error', event: 'space-error', message: String(e?.message ?? e), stack: e?.stack })}\n`);
});

process.on('message', (request: Request) => {
  if (request.t === 'stats') return process.send!({ id: request.id, stats: hub.stats(), hub: hub.hub.id });
  const records: Record<string, unknown> = {};
  for (const fqn of request.fqns) {
    const record = hub.hub.store.get(fqn);
    records[fqn] = record && !record.deleted ? { value: record.value, stamp: record.stamp, from: record.from } : null;
  }
  process.send!({ id: request.id, records });
});
process.on('disconnect', () => void hub.close().then(() => process.exit(0)));
process.send!({ url: hub.url });
