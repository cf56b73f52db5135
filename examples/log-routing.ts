// Log routing over events (the design note's own use case): workers publish their log lines to
// channels `logs.<app>/<level>`, a dashboard follows the channels a pointer var names (`logs.>`
// at first), and an operator re-routes the dashboard by writing that var from another process.
// Run: node --import tsx examples/log-routing.ts
import { filter, firstValueFrom, switchMap } from 'rxjs';
import { Space, connect, startHub, type TaggedEvent } from '../src/index.js';

const hub = await startHub({ port: 0, host: '127.0.0.1' });
const open = (appName: string, space = new Space()) => connect(hub.url, { space, attributes: { appName } });
const [api, db, operator] = await Promise.all([open('api'), open('db'), open('operator')]);

// The dashboard: its route is a var it follows from the hub, so anyone may re-point it.
const dashboardSpace = new Space();
const dashboard = await open('dashboard', dashboardSpace);
await operator.set('dashboard/route', 'logs.>');
await dashboard.follow('dashboard/route').synced;
const shown: TaggedEvent<string>[] = [];
const routing = dashboardSpace
  .ref$<string>('dashboard/route')
  .pipe(switchMap((pattern) => dashboard.events$<string>(pattern)))
  .subscribe((line) => {
    shown.push(line);
    console.log(`[dashboard] ${line.fqn}: ${line.value}`);
  });
await dashboard.ping();

/** Publishes a line and waits until the hub has routed it (and the dashboard got it, if routed there). */
async function log(worker: typeof api, channel: string, line: string): Promise<void> {
  await worker.publish(channel, line);
  await dashboard.ping();
}

await log(api, 'logs.api/info', 'listening on :8080');
await log(db, 'logs.db/warn', 'slow query (1200 ms)');
await log(api, 'logs.api/error', 'upstream timed out');

// The operator re-routes the dashboard to errors only: a plain var write.
const rerouted = firstValueFrom(dashboardSpace.ref$<string>('dashboard/route').pipe(filter((p) => p === 'logs.*/error')));
await operator.set('dashboard/route', 'logs.*/error');
await rerouted;
await dashboard.ping();
console.log('[operator] dashboard/route = logs.*/error');

await log(api, 'logs.api/info', 'GET /health 200');
await log(db, 'logs.db/error', 'disk full');
await log(db, 'logs.db/info', 'vacuum done');
console.log(`dashboard showed ${shown.length} lines, from ${new Set(shown.map((l) => l.from)).size} workers`);

routing.unsubscribe();
await Promise.all([api, db, operator, dashboard].map((link) => link.close()));
await hub.close();
