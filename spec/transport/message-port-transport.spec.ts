import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Transport } from '../../src/transport/transport.js';
import { messagePortTransport, type MessagePortLike } from '../../src/transport/message-port-transport.js';
import { record, tick } from './helpers.js';

const opened: Transport[] = [];
afterEach(() => {
  for (const t of opened.splice(0)) t.close();
});

function pair(wrap: (p: MessagePort) => MessagePortLike = (p) => p): [Transport, Transport] {
  const { port1, port2 } = new MessageChannel();
  const a = messagePortTransport(wrap(port1));
  const b = messagePortTransport(wrap(port2));
  opened.push(a, b);
  return [a, b];
}

/** Shows only the Web `MessagePort` surface (addEventListener + start), hiding Node's `on`. */
const webStyle = (p: MessagePort): MessagePortLike => ({
  postMessage: (m) => p.postMessage(m),
  addEventListener: (type, l) => (p as unknown as EventTarget).addEventListener(type, l as EventListener),
  removeEventListener: (type, l) => (p as unknown as EventTarget).removeEventListener(type, l as EventListener),
  start: () => p.start(),
  close: () => p.close(),
});

/** Shows only `onmessage`. */
const onmessageStyle = (p: MessagePort): MessagePortLike => {
  const target = p as unknown as { onmessage: ((ev: unknown) => void) | null };
  return {
    postMessage: (m) => p.postMessage(m),
    get onmessage() {
      return target.onmessage;
    },
    set onmessage(fn) {
      target.onmessage = fn;
    },
    close: () => p.close(),
  };
};

describe.each([
  ['Node MessagePort', undefined],
  ['Web-style port', webStyle],
  ['onmessage-only port', onmessageStyle],
] as const)('messagePortTransport over a %s', (_name, wrap) => {
  test('frames both ways, in order; queued before listen', async () => {
    const [a, b] = pair(wrap);
    for (let i = 0; i < 500; i++) a.send(`a${i}`);
    await tick(20);
    const rb = record(b);
    const ra = record(a);
    b.send('from b');
    await rb.frameCount(500);
    await ra.frameCount(1);
    expect(rb.frames).toEqual(Array.from({ length: 500 }, (_, i) => `a${i}`));
    expect(ra.frames).toEqual(['from b']);
    expect(a.bufferedAmount).toBe(0);
  });

  test('close propagates with code and reason, after earlier frames; once each', async () => {
    const [a, b] = pair(wrap);
    const ra = record(a);
    const rb = record(b);
    a.send('before close');
    a.close(4020, 'port bye');
    expect(a.isOpen).toBe(false);
    expect(await rb.closed()).toEqual([4020, 'port bye']);
    expect(await ra.closed()).toEqual([4020, 'port bye']);
    expect(rb.frames).toEqual(['before close']);
    expect(b.isOpen).toBe(false);
    expect(() => a.send('x')).not.toThrow();
    expect(() => b.send('y')).not.toThrow();
    b.close();
    await tick(20);
    expect(ra.closes).toHaveLength(1);
    expect(rb.closes).toHaveLength(1);
    expect(ra.frames).toEqual([]);
  });
});

describe('messagePortTransport (Node specifics)', () => {
  test('the raw port closing without the control message reports 1006', async () => {
    const { port1, port2 } = new MessageChannel();
    const b = messagePortTransport(port2);
    const rb = record(b);
    port1.close();
    expect(await rb.closed()).toEqual([1006, 'the port was closed']);
  });

  test('foreign non-string messages are ignored', async () => {
    const { port1, port2 } = new MessageChannel();
    const b = messagePortTransport(port2);
    opened.push(b);
    const rb = record(b);
    port1.postMessage({ something: 'else' });
    port1.postMessage({ varspace: 'close' }); // no code: not a close message
    port1.postMessage('real');
    await rb.frameCount(1);
    expect(rb.frames).toEqual(['real']);
    expect(b.isOpen).toBe(true);
    port1.close();
    await rb.closed();
  });
});

describe('messagePortTransport with a real worker_threads Worker', () => {
  interface Running {
    t: Transport;
    status: MessagePort;
    worker: Worker;
    exited: Promise<number>;
  }

  async function startWorker(): Promise<Running> {
    const { port1, port2 } = new MessageChannel();
    const st = new MessageChannel();
    const worker = new Worker(new URL('./fixtures/echo-worker-boot.mjs', import.meta.url), {
      workerData: { port: port2, statusPort: st.port2 },
      transferList: [port2, st.port2],
    });
    const exited = new Promise<number>((r) => worker.once('exit', r));
    worker.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('worker not ready')), 15000);
      worker.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    return { t: messagePortTransport(port1), status: st.port1, worker, exited };
  }

  async function stop(w: Running): Promise<number> {
    w.status.close();
    const timer = setTimeout(() => void w.worker.terminate(), 5000);
    const code = await w.exited;
    clearTimeout(timer);
    return code;
  }

  const nextStatus = (port: MessagePort): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no status')), 5000);
      port.once('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });

  test('echoes 2,000 frames in order; our close reaches the worker, which then exits', async () => {
    const w = await startWorker();
    const r = record(w.t);
    const N = 2000;
    for (let i = 0; i < N; i++) w.t.send(JSON.stringify({ i }));
    await r.frameCount(N, 10000);
    expect(r.frames).toEqual(Array.from({ length: N }, (_, i) => JSON.stringify({ i })));
    const saw = nextStatus(w.status);
    w.t.close(4030, 'main done');
    expect(await saw).toEqual({ workerSaw: [4030, 'main done'] });
    expect(await r.closed()).toEqual([4030, 'main done']);
    expect(await stop(w)).toBe(0); // nothing left open in the worker: it ended by itself
  });

  test('a close from the worker reaches us with its code and reason', async () => {
    const w = await startWorker();
    const r = record(w.t);
    w.t.send('one');
    w.t.send('close:4031:worker bye');
    w.t.send('never echoed');
    expect(await r.closed(10000)).toEqual([4031, 'worker bye']);
    expect(r.frames).toEqual(['one']);
    expect(w.t.isOpen).toBe(false);
    expect(await stop(w)).toBe(0);
  });

  test('a worker that dies without closing: we see 1006', async () => {
    const w = await startWorker();
    const r = record(w.t);
    w.t.send('exit');
    expect(await r.closed(10000)).toEqual([1006, 'the port was closed']);
    expect(await stop(w)).toBe(0);
  });
});
