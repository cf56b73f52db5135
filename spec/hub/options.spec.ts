import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Space, fileStore, memoryStore, startHub, type HubHandle, type StartHubOptions } from '../../src/index.js';
import { freePort } from '../sync/net-helpers.js';

const hubs: HubHandle[] = [];
let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'varspace-options-'));
});
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function started(options: StartHubOptions): Promise<HubHandle> {
  const hub = await startHub(options);
  hubs.push(hub);
  return hub;
}

test('un-awaited fileStore: startHub rejects with VS_INVALID_VALUE "did you forget await?", binds nothing, and the corrected call opens the same directory and port', async () => {
  const port = await freePort();
  const unawaited = fileStore(dir);
  await expect(startHub({ port, host: '127.0.0.1', store: unawaited as never })).rejects.toMatchObject({
    code: 'VS_INVALID_VALUE',
    message: expect.stringMatching(/store: .*did you forget await\?/),
  });
  const hub = await started({ port, host: '127.0.0.1', store: await fileStore(dir) });
  expect(hub.port).toBe(port);
  hub.space.intern('app/x', 1);
  await hub.close();
  // The store the first call was given was closed: the directory holds the corrected hub's state.
  const reopened = await fileStore(dir);
  expect(reopened.get('app/x')?.value).toBe(1);
  await reopened.close();
});

test('unknown startHub options and wrong types are refused with VS_INVALID_VALUE naming each, before the port is bound', async () => {
  const port = await freePort();
  const refusals: Array<[unknown, RegExp]> = [
    [{ prot: 7070 }, /unknown key "prot"/],
    [{ port: '7070' }, /port: /],
    [{ port: 70_000 }, /port: /],
    [{ heartbeat: { intervalMs: -1 } }, /heartbeat/],
    [{ heartbeat: true }, /heartbeat/],
    [{ store: {} }, /store: expected a Store/],
    [{ space: 'ui' }, /space: expected a Space/],
    [{ logger: console.log }, /logger: expected a Logger/],
    [{ authenticate: 'token' }, /authenticate: expected a function/],
    [{ allowedOrigins: 'https://app.example' }, /allowedOrigins/],
    [{ allowedHosts: [1] }, /allowedHosts/],
    [{ ownership: { onLeave: 'drop' } }, /ownership/],
    [{ limits: 5 }, /limits/],
    [{ backlog: 0 }, /backlog/],
    [{ maxClockDriftMs: -5 }, /maxClockDriftMs/],
    [{ space: Promise.resolve(new Space()) }, /space: .*did you forget await\?/],
  ];
  for (const [bad, message] of refusals) {
    await expect(startHub({ port, host: '127.0.0.1', ...(bad as object) })).rejects.toMatchObject({
      code: 'VS_INVALID_VALUE',
      message: expect.stringMatching(message),
    });
  }
  await expect(startHub(Promise.resolve({ port }) as never)).rejects.toMatchObject({
    code: 'VS_INVALID_VALUE',
    message: expect.stringMatching(/did you forget await\?/),
  });
  // Nothing was left listening on the port.
  const hub = await started({ port, host: '127.0.0.1' });
  expect(hub.port).toBe(port);
});

test('the options of the hub hardening are accepted: secret, maxClockDriftMs, allowedHosts, backlog', async () => {
  const hub = await started({
    port: 0,
    host: '127.0.0.1',
    store: memoryStore(),
    ...({ secret: 'a hub secret of at least thirty-two characters', maxClockDriftMs: 60_000, backlog: 2048 } as object),
    allowedHosts: ['hub.example'],
  });
  expect(hub.port).toBeGreaterThan(0);
});

test('port in use: a second hub on a busy port rejects with PortInUseError (VS_PORT_IN_USE) naming host and port; the first serves on, the space given is untouched', async () => {
  const first = await started({ port: 0, host: '127.0.0.1' });
  const space = new Space();
  const counter = space.intern('app/counter', 1);
  const store = memoryStore();
  await expect(startHub({ port: first.port, host: '127.0.0.1', space, store })).rejects.toMatchObject({
    name: 'PortInUseError',
    code: 'VS_PORT_IN_USE',
    message: expect.stringContaining(`port ${first.port} on 127.0.0.1`),
    details: { host: '127.0.0.1', port: first.port },
  });
  // No hub was built on the space and store: nothing was mirrored, and later writes go nowhere.
  counter.reset(2);
  expect(store.rev).toBe(0);
  const health = await fetch(`${first.httpUrl}/health`);
  expect(health.status).toBe(200);
  await health.body?.cancel();
});
