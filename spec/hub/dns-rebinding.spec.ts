import { request } from 'node:http';
import { startHub, type HubHandle, type StartHubOptions } from '../../src/index.js';
import { loopbackHub } from '../support/loopback-hub.js';

// A page from evil.example whose name was rebound to 127.0.0.1: the browser sends the page's own
// name as Host, and an Origin that matches it, to the hub's real address.
const hubs: HubHandle[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
});

function hubWith(options: StartHubOptions = {}): Promise<HubHandle> {
  return loopbackHub(hubs, options);
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A raw HTTP request to the hub's port, with the Host (and Origin) a browser would send; `upgrade` asks for a WebSocket. */
function raw(port: number, path: string, headers: Record<string, string>, upgrade = false): Promise<Answer> {
  const upgradeHeaders = upgrade
    ? {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-protocol': 'varspace',
      }
    : {};
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { ...upgradeHeaders, ...headers }, agent: false, timeout: 10_000 });
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, body: '' });
    });
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });
}

const evil = (port: number) => ({ host: `evil.example:${port}`, origin: `http://evil.example:${port}` });

test('DNS rebinding: Host evil.example gets 403 VS_FORBIDDEN on the inspector, /health, /stats, /metrics and the WebSocket upgrade', async () => {
  const hub = await hubWith();
  for (const path of ['/', '/inspector.js', '/health', '/stats', '/metrics']) {
    const answer = await raw(hub.port, path, evil(hub.port));
    expect({ path, status: answer.status }).toEqual({ path, status: 403 });
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'VS_FORBIDDEN', message: expect.stringContaining('evil.example') });
    // The same request under the hub's own name is served.
    expect({ path, status: (await raw(hub.port, path, { host: `127.0.0.1:${hub.port}` })).status }).toEqual({ path, status: 200 });
  }
  const upgrade = await raw(hub.port, '/', evil(hub.port), true);
  expect(upgrade.status).toBe(403);
  expect(JSON.parse(upgrade.body)).toMatchObject({ error: 'VS_FORBIDDEN', message: expect.stringContaining('evil.example') });
  // Without an Origin too (a rebinding page's fetch always sends Host; Origin is not needed to be refused).
  expect((await raw(hub.port, '/health', { host: 'evil.example' })).status).toBe(403);
  expect(hub.stats().connections).toBe(0);
});

test('DNS rebinding: loopback Host names pass on any port (localhost, 127.x, [::1])', async () => {
  const hub = await hubWith();
  for (const host of [
    `localhost:${hub.port}`,
    'localhost',
    `127.0.0.1:${hub.port}`,
    '127.3.2.1:8080',
    `[::1]:${hub.port}`,
    'LOCALHOST:1',
  ]) {
    const answer = await raw(hub.port, '/health', { host });
    expect({ host, status: answer.status }).toEqual({ host, status: 200 });
  }
  // A browser page served by the hub itself (same Host and Origin) upgrades.
  const upgrade = await raw(hub.port, '/', { host: `localhost:${hub.port}`, origin: `http://localhost:${hub.port}` }, true);
  expect(upgrade.status).toBe(101);
});

test('DNS rebinding: allowedHosts lets the named hosts in on any port, every other name still gets 403', async () => {
  const hub = await hubWith({ allowedHosts: ['hub.example', 'FE80::1'] });
  expect((await raw(hub.port, '/health', { host: 'hub.example:8443' })).status).toBe(200);
  expect((await raw(hub.port, '/health', { host: 'HUB.example' })).status).toBe(200);
  expect((await raw(hub.port, '/health', { host: '[fe80::1]:7070' })).status).toBe(200);
  expect((await raw(hub.port, '/', { host: 'hub.example', origin: 'http://hub.example' }, true)).status).toBe(101);
  expect((await raw(hub.port, '/health', { host: `localhost:${hub.port}` })).status).toBe(200);
  expect((await raw(hub.port, '/health', evil(hub.port))).status).toBe(403);
  expect((await raw(hub.port, '/', evil(hub.port), true)).status).toBe(403);
  // A name that only starts like an allowed one, or smuggles it past a parser, is another name.
  expect((await raw(hub.port, '/health', { host: 'hub.example.evil.example' })).status).toBe(403);
  expect((await raw(hub.port, '/health', { host: 'evil.example@hub.example' })).status).toBe(403);
});

test('DNS rebinding: allowedHosts entries carry no port; one with a port is refused before the port is bound', async () => {
  await expect(startHub({ port: 0, host: '127.0.0.1', allowedHosts: ['hub.example:8443'] })).rejects.toMatchObject({
    code: 'VS_INVALID_VALUE',
    message: expect.stringContaining('hub.example:8443'),
  });
  await expect(startHub({ port: 0, host: '127.0.0.1', allowedHosts: ['[::1]:80'] })).rejects.toMatchObject({ code: 'VS_INVALID_VALUE' });
  await expect(startHub({ port: 0, host: '127.0.0.1', allowedHosts: ['evil.example/x'] })).rejects.toMatchObject({
    code: 'VS_INVALID_VALUE',
  });
});

test('DNS rebinding: a hub bound to all interfaces accepts any Host unless allowedHosts lists its names', async () => {
  const open = await hubWith({ host: '0.0.0.0' });
  expect((await raw(open.port, '/health', { host: 'hub.lan:7070' })).status).toBe(200);
  const listed = await hubWith({ host: '0.0.0.0', allowedHosts: ['hub.lan'] });
  expect((await raw(listed.port, '/health', { host: 'hub.lan:7070' })).status).toBe(200);
  expect((await raw(listed.port, '/health', { host: `127.0.0.1:${listed.port}` })).status).toBe(200);
  expect((await raw(listed.port, '/health', evil(listed.port))).status).toBe(403);
  expect((await raw(listed.port, '/', evil(listed.port), true)).status).toBe(403);
});
