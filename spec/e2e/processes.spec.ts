import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startHub, type HubHandle } from '../../src/index.js';

const fixture = fileURLToPath(new URL('./fixtures/peer.ts', import.meta.url));

/** A separate Node process running a link, driven by JSON lines. */
class Peer {
  readonly messages: any[] = [];
  private waiters: (() => void)[] = [];
  private n = 0;
  constructor(readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.messages.push(JSON.parse(line));
      this.waiters.splice(0).forEach((w) => w());
    });
  }
  static start(url: string, name: string): Peer {
    return new Peer(spawn(process.execPath, ['--import', 'tsx', fixture, url, name], { stdio: ['pipe', 'pipe', 'inherit'] }));
  }
  async waitFor(predicate: (m: any) => boolean, timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out; saw ${JSON.stringify(this.messages.slice(-10))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
  async run(command: object): Promise<void> {
    const n = ++this.n;
    this.child.stdin.write(`${JSON.stringify({ ...command, n })}\n`);
    await this.waitFor((m) => m.event === 'done' && m.n === n);
  }
  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.write(`${JSON.stringify({ cmd: 'exit' })}\n`);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

let hub: HubHandle;
const peers: Peer[] = [];

beforeAll(async () => {
  hub = await startHub({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await Promise.all(peers.map((p) => p.stop()));
  await hub.close();
});

test('values and namespace events cross between two Node processes both ways, with the right from', async () => {
  const a = Peer.start(hub.url, 'proc-a');
  const b = Peer.start(hub.url, 'proc-b');
  peers.push(a, b);
  const { id: idA } = await a.waitFor((m) => m.event === 'welcome');
  const { id: idB } = await b.waitFor((m) => m.event === 'welcome');
  expect(idA).not.toBe(idB);

  await a.run({ cmd: 'share', pattern: 'from-a.>' });
  await a.run({ cmd: 'follow', pattern: 'from-b.>' });
  await b.run({ cmd: 'share', pattern: 'from-b.>' });
  await b.run({ cmd: 'follow', pattern: 'from-a.>' });

  // a → b: a new namespace and var appear in b, created there on receipt, tagged with a's id
  await a.run({ cmd: 'intern', fqn: 'from-a.ui.buttons/b1', value: { pressed: false } });
  const ns = await b.waitFor((m) => m.event === 'space' && m.type === 'ns-created' && m.ns === 'from-a.ui.buttons');
  expect(ns.origin).toBe(idA);
  const interned = await b.waitFor((m) => m.event === 'space' && m.type === 'var-interned' && m.fqn === 'from-a.ui.buttons/b1');
  expect(interned.origin).toBe(idA);
  await a.run({ cmd: 'reset', fqn: 'from-a.ui.buttons/b1', value: { pressed: true } });
  const change = await b.waitFor((m) => m.event === 'change' && m.fqn === 'from-a.ui.buttons/b1' && m.value.pressed === true);
  expect(change.origin).toBe(idA);

  // b → a
  await b.run({ cmd: 'intern', fqn: 'from-b/reply', value: 42 });
  const back = await a.waitFor((m) => m.event === 'space' && m.type === 'var-interned' && m.fqn === 'from-b/reply');
  expect(back.origin).toBe(idB);
  await b.run({ cmd: 'reset', fqn: 'from-b/reply', value: 43 });
  const reply = await a.waitFor((m) => m.event === 'change' && m.fqn === 'from-b/reply' && m.value === 43);
  expect(reply.origin).toBe(idB);

  // neither process got its own writes echoed back
  expect(a.messages.some((m) => m.event === 'change' && m.fqn.startsWith('from-a') && m.origin !== undefined)).toBe(false);
  expect(b.messages.some((m) => m.event === 'change' && m.fqn.startsWith('from-b') && m.origin !== undefined)).toBe(false);
}, 30_000);
