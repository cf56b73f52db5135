import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Space, connect, startHub, type HubHandle } from '../../src/index.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', main, ...args], { timeout: 20_000 });

let hub: HubHandle;
beforeAll(async () => {
  hub = await startHub({ port: 0, host: '127.0.0.1' });
});
afterAll(() => hub.close());

test('set, get and ls talk to the hub at --url (the URL the hub prints works as it is)', async () => {
  const set = await cli('set', 'app.ui/theme', '{"mode":"dark"}', '--url', hub.url);
  expect(set.stdout).toMatch(/^ok app\.ui\/theme rev \d+\n$/);
  expect(hub.space.resolve('app.ui/theme')!.deref()).toEqual({ mode: 'dark' });
  const get = await cli('get', 'app.ui/theme', '--url', hub.url);
  expect(JSON.parse(get.stdout)).toEqual({ mode: 'dark' });
  await cli('set', 'app.ui/lang', '"en"', '--url', hub.url);
  const ls = await cli('ls', 'app.>', '--url', hub.url);
  expect(ls.stdout.trim().split('\n')).toEqual(['app.ui/lang', 'app.ui/theme']);
}, 60_000);

test('errors are typed, on stderr, with exit code 1 (an unreachable hub too)', async () => {
  await expect(cli('get', 'nothing/here', '--url', hub.url)).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringMatching(/^error VS_NOT_FOUND/),
  });
  await expect(cli('ls', '--url', 'ws://127.0.0.1:1')).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringMatching(/^error VS_CLOSED/),
  });
}, 60_000);

test('usage errors exit 2 with one line on stderr: bad JSON value, bad name, missing argument, unknown command or option, --url not-a-url', async () => {
  const usage: Array<[string[], RegExp]> = [
    [['set', 'a/b', '{not json', '--url', hub.url], /VS_INVALID_VALUE: not JSON/],
    [['get', 'bad..name/x', '--url', hub.url], /VS_BAD_NAME/],
    [['get'], /missing required argument 'fqn'/],
    [['set', 'a/b'], /missing required argument 'json'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['ls', '--colour'], /unknown option '--colour'/],
    [['ls', '--url', 'not-a-url'], /not-a-url.*not a hub URL/],
    [['hub', '--port', 'x'], /--port/],
    [['hub', '--allow-host', 'hub.example:80'], /allowedHosts/],
  ];
  for (const [args, message] of usage) {
    const failure = await cli(...args).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect({ args, code: failure?.code }).toEqual({ args, code: 2 });
    expect(failure!.stderr).toMatch(message);
    expect(failure!.stderr.trimEnd().split('\n')).toHaveLength(1);
  }
  // No write reached the hub.
  expect(hub.space.resolve('a/b')).toBeUndefined();
}, 120_000);

test('--version prints the package version; --help documents the exit codes', async () => {
  const { version } = JSON.parse(await readFile(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'));
  expect((await cli('--version')).stdout.trim()).toBe(version);
  const help = (await cli('--help')).stdout;
  expect(help).toMatch(/Exit codes:[\s\S]*1 +the command failed[\s\S]*2 +usage error/);
}, 60_000);

test('port in use: a second hub on a busy port prints error VS_PORT_IN_USE naming host and port, and exits 1', async () => {
  await expect(cli('hub', '--port', String(hub.port), '--host', '127.0.0.1')).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringMatching(new RegExp(`^error VS_PORT_IN_USE: port ${hub.port} on 127\\.0\\.0\\.1 is in use`)),
  });
}, 60_000);

test('watch prints one line per update: time, fqn, from, JSON value', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'watch', 'w.>', '--url', hub.url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  const space = new Space();
  const writer = await connect(hub.url, { space });
  try {
    const deadline = Date.now() + 15_000;
    while (hub.stats().follows === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await writer.set('w/x', { n: 1 });
    while (lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const [time, fqn, from, value] = lines[0].split(' ');
    expect(new Date(time).getTime()).not.toBeNaN();
    expect(fqn).toBe('w/x');
    expect(from).toBe(writer.instanceId);
    expect(JSON.parse(value)).toEqual({ n: 1 });
  } finally {
    await writer.close();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}, 60_000);

test('hub logs connections as JSON lines', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'hub', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: any[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(JSON.parse(line)));
  try {
    const deadline = Date.now() + 15_000;
    while (!lines.some((l) => l.event === 'listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const { url } = lines.find((l) => l.event === 'listening');
    const link = await connect(url, { space: new Space(), attributes: { appName: 'logged' } });
    while (!lines.some((l) => l.event === 'join') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await link.close();
    while (!lines.some((l) => l.event === 'leave') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(lines.find((l) => l.event === 'join')).toMatchObject({ instanceId: link.instanceId, attributes: { appName: 'logged' } });
    expect(lines.find((l) => l.event === 'leave')).toMatchObject({ instanceId: link.instanceId });
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}, 60_000);
