// Runs every example as its own process (`node --import tsx examples/X.ts`) and checks what it prints.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

async function example(name: string): Promise<string[]> {
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], {
    cwd: root,
    timeout: 30_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  expect(stderr).toBe('');
  return stdout.trimEnd().split('\n');
}

describe('examples', () => {
  test('registry.ts: create-ns, intern, resolve, defonce, swap, await', async () => {
    expect(await example('registry')).toEqual([
      'event: ns-created ui',
      'event: ns-created ui.buttons',
      'event: var-interned ui.buttons/button-423',
      'interned ui.buttons/button-423 = {"pressed":false}',
      "resolve('ui.buttons/button-423') is the same var: true",
      "resolve('ui.buttons/button-999') is undefined",
      'defonce keeps the first value: idle',
      'after swap: {"pressed":true}, version 2',
      'awaited workers/ready = true',
    ]);
  });

  test('derived.ts: derive, combineVars and transact emit once per change', async () => {
    expect(await example('derived')).toEqual([
      'cart/total = 20',
      'view: 2 items, total 20',
      'view: 2 items, total 24',
      'view: 10 items, total 50',
      'rolled back (payment declined): qty is 10',
      'total computed 3 times',
      'cart/total is read-only: VS_READ_ONLY',
    ]);
  });

  test('pointer.ts: follow$ re-routes a log handler', async () => {
    expect(await example('pointer')).toEqual([
      '[console] starting',
      '[console] memory sink holds 2 lines: quiet line 1 | quiet line 2',
      '[console v2] after replacing the console handler',
      '[console v2] still on the old handler',
      '[remote] remote sink is up',
      'listeners left after unsubscribe: 0',
    ]);
  });

  test('app-type.ts: a dashboard-server with app-state and user-prefs', async () => {
    expect(await example('app-type')).toEqual([
      'app type dashboard-server: app-state, user-prefs',
      'instance id is a UUID: true; identity dashboard-prod',
      'interned apps.dashboard-prod/app-state, apps.dashboard-prod/user-prefs',
      'app-state: {"status":"up","clients":1}',
      'refused: apps.dashboard-prod/user-prefs: value refused: pageSize: Too big: expected number to be <=100',
      'user-prefs unchanged: {"theme":"dark","pageSize":25}',
      'refused: instance attributes refused: unknown key "colour" (allowed: processType, appName, role, appType, identity)',
      'local name prod -> this instance: true',
    ]);
  });

  test('cluster/main.ts: two hubs on one nats-server, a write crossing from hub A to hub B, a failover', async () => {
    const lines = await example('cluster/main');
    expect(lines[0]).toMatch(/^writer on hub A wrote orders\/latest = "order 1" \(revision \d+\)$/);
    expect(lines[1]).toMatch(/^reader on hub B got "order 1" from the writer, revision \d+$/);
    expect(lines.slice(2)).toEqual([
      'hub A stopped: the writer failed over to hub B, same instance id: true',
      'reader got "order 2" from the writer',
      'stopped: 2 clients, 2 hubs, nats-server',
    ]);
  }, 40_000);

  test('log-routing.ts: workers publish logs.<app>/<level>, a dashboard follows logs.> and a pointer var re-routes it', async () => {
    expect(await example('log-routing')).toEqual([
      '[dashboard] logs.api/info: listening on :8080',
      '[dashboard] logs.db/warn: slow query (1200 ms)',
      '[dashboard] logs.api/error: upstream timed out',
      '[operator] dashboard/route = logs.*/error',
      '[dashboard] logs.db/error: disk full',
      'dashboard showed 4 lines, from 2 workers',
    ]);
  });

  test('rpc.ts: a queue group serves requests in turn; every failure is a typed error', async () => {
    expect(await example('rpc')).toEqual([
      '5 (by worker a)',
      '3 (by worker b)',
      'remote error DIV_ZERO: division by zero',
      'VS_NO_RESPONDERS: nobody serves calc/sqrt',
      "VS_TIMEOUT: the handler's signal aborted too",
      'requestMap: 2 (by worker b), 2 (by worker a)',
    ]);
  });
});
