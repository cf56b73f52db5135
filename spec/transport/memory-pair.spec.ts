import { jest } from '@jest/globals';
import { memoryPair } from '../../src/transport/memory-pair.js';
import { record, tick } from './helpers.js';

describe('memoryPair', () => {
  test('delivers frames both ways, in order, asynchronously', async () => {
    const [a, b] = memoryPair();
    const ra = record(a);
    const rb = record(b);
    for (let i = 0; i < 1000; i++) a.send(`a${i}`);
    b.send('b0');
    b.send('b1');
    expect(rb.frames).toEqual([]); // not synchronous
    await rb.frameCount(1000);
    await ra.frameCount(2);
    expect(rb.frames).toEqual(Array.from({ length: 1000 }, (_, i) => `a${i}`));
    expect(ra.frames).toEqual(['b0', 'b1']);
    expect(a.isOpen && b.isOpen).toBe(true);
    expect(a.bufferedAmount).toBe(0);
    a.close();
    await ra.closed();
    await rb.closed();
  });

  test('frames sent before the peer listens are queued and delivered on listen, in order', async () => {
    const [a, b] = memoryPair();
    a.send('1');
    a.send('2');
    await tick();
    a.send('3');
    await tick();
    const seen: string[] = [];
    b.listen({ frame: (f) => seen.push(f), close: () => {} });
    expect(seen).toEqual(['1', '2', '3']); // delivered during listen
    a.send('4');
    await tick();
    expect(seen).toEqual(['1', '2', '3', '4']);
    a.close();
  });

  test('close from a: both handlers run once with the code and reason, after earlier frames', async () => {
    const [a, b] = memoryPair();
    const ra = record(a);
    const rb = record(b);
    a.send('last words');
    a.close(4001, 'bye');
    expect(a.isOpen).toBe(false);
    expect(b.isOpen).toBe(false);
    expect(ra.closes).toEqual([]); // never from inside close()
    await rb.closed();
    await ra.closed();
    expect(rb.frames).toEqual(['last words']);
    expect(rb.closes).toEqual([[4001, 'bye']]);
    expect(ra.closes).toEqual([[4001, 'bye']]);
    // closing again, from either side, changes nothing
    a.close(1000, 'again');
    b.close(1000, 'too');
    await tick();
    expect(ra.closes).toHaveLength(1);
    expect(rb.closes).toHaveLength(1);
  });

  test('close from b reaches a; default code is 1000', async () => {
    const [a, b] = memoryPair();
    const ra = record(a);
    const rb = record(b);
    b.close();
    expect(await ra.closed()).toEqual([1000, '']);
    expect(await rb.closed()).toEqual([1000, '']);
  });

  test('a close that happens before listen is delivered on listen', async () => {
    const [a, b] = memoryPair();
    a.send('x');
    a.close(4002, 'early');
    await tick();
    const rb = record(b);
    expect(rb.frames).toEqual(['x']);
    expect(rb.closes).toEqual([[4002, 'early']]);
  });

  test('send after close is dropped silently, both sides', async () => {
    const [a, b] = memoryPair();
    const ra = record(a);
    const rb = record(b);
    a.close(4003, 'done');
    expect(() => a.send('dropped-a')).not.toThrow();
    expect(() => b.send('dropped-b')).not.toThrow();
    await rb.closed();
    await ra.closed();
    await tick();
    expect(ra.frames).toEqual([]);
    expect(rb.frames).toEqual([]);
  });

  test('frames still in flight to the closing side are dropped; no frame after close', async () => {
    const [a, b] = memoryPair();
    const ra = record(a);
    record(b);
    b.send('in flight');
    a.close();
    await ra.closed();
    await tick();
    expect(ra.frames).toEqual([]);
  });

  test('listen twice throws', () => {
    const [a] = memoryPair();
    a.listen({ frame: () => {}, close: () => {} });
    expect(() => a.listen({ frame: () => {}, close: () => {} })).toThrow(/once/);
    a.close();
  });

  test('a throwing handler does not break delivery or crash', async () => {
    const err = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const [a, b] = memoryPair();
      const seen: string[] = [];
      let closes = 0;
      b.listen({
        frame: (f) => {
          seen.push(f);
          throw new Error('boom');
        },
        close: () => {
          closes++;
          throw new Error('boom on close');
        },
      });
      a.send('1');
      a.send('2');
      a.close();
      await tick();
      expect(seen).toEqual(['1', '2']);
      expect(closes).toBe(1);
      expect(err).toHaveBeenCalled();
    } finally {
      err.mockRestore();
    }
  });

  test('a handler that closes during delivery stops further frames', async () => {
    const [a, b] = memoryPair();
    for (let i = 0; i < 5; i++) a.send(String(i));
    const seen: string[] = [];
    const closes: number[] = [];
    await tick();
    b.listen({
      frame: (f) => {
        seen.push(f);
        if (f === '1') b.close(4004, 'enough');
      },
      close: (code) => closes.push(code),
    });
    await tick();
    expect(seen).toEqual(['0', '1']);
    expect(closes).toEqual([4004]);
  });
});
