// Request/reply by name: two workers serve `calc/div` as one queue group (each request goes to one
// of them, in turn), a client asks, and every way a request can end arrives as a typed error.
// Run: node --import tsx examples/rpc.ts
import { from, lastValueFrom, toArray } from 'rxjs';
import { NoRespondersError, RemoteError, Space, TimeoutError, connect, requestMap, startHub } from '../src/index.js';

const hub = await startHub({ port: 0, host: '127.0.0.1' });
const open = () => connect(hub.url, { space: new Space(), reconnect: false });
const [workerA, workerB, client] = await Promise.all([open(), open(), open()]);

for (const [worker, name] of [
  [workerA, 'a'],
  [workerB, 'b'],
] as const) {
  await worker.serve<[number, number], string>('calc/div', ({ value: [x, y] }) => {
    if (y === 0) throw Object.assign(new Error('division by zero'), { code: 'DIV_ZERO' });
    return `${x / y} (by worker ${name})`;
  }).ready;
}
await workerA.serve('calc/slow', (_request, { signal }) => new Promise((resolve) => signal.addEventListener('abort', resolve))).ready;

console.log(await client.request('calc/div', [10, 2]));
console.log(await client.request('calc/div', [9, 3]));

try {
  await client.request('calc/div', [1, 0]);
} catch (error) {
  if (error instanceof RemoteError) console.log(`remote error ${error.remoteCode}: ${error.message}`);
}
try {
  await client.request('calc/sqrt', 2);
} catch (error) {
  if (error instanceof NoRespondersError) console.log(`${error.code}: ${error.message}`);
}
try {
  await client.request('calc/slow', null, { timeoutMs: 50 });
} catch (error) {
  if (error instanceof TimeoutError) console.log(`${error.code}: the handler's signal aborted too`);
}

const replies = await lastValueFrom(
  from([
    [8, 4],
    [6, 3],
  ]).pipe(requestMap<number[], string>(client, 'calc/div'), toArray()),
);
console.log(`requestMap: ${replies.join(', ')}`);

await Promise.all([workerA.close(), workerB.close(), client.close()]);
await hub.close();
