import { Inbox } from './inbox.js';
import type { Transport, TransportHandlers } from './transport.js';

interface CloseMark {
  code: number;
  reason: string;
}

/** One end of a {@link memoryPair}. */
class MemoryEnd implements Transport {
  peer!: MemoryEnd;
  private readonly inbox = new Inbox();
  private transit: Array<string | CloseMark> = [];
  private scheduled = false;
  private open = true;

  get isOpen(): boolean {
    return this.open;
  }

  /** Always 0: frames are handed over immediately. */
  get bufferedAmount(): number {
    return 0;
  }

  send(frame: string): void {
    if (!this.open) return;
    this.peer.arrive(frame);
  }

  listen(handlers: TransportHandlers): void {
    this.inbox.listen(handlers);
  }

  close(code = 1000, reason = ''): void {
    if (!this.open) return;
    this.open = false;
    this.peer.open = false;
    this.inbox.close(code, reason, true);
    this.peer.arrive({ code, reason });
  }

  /** Queues an item from the peer; it reaches the inbox on a microtask, in order. */
  private arrive(item: string | CloseMark): void {
    this.transit.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.deliver);
    }
  }

  private readonly deliver = (): void => {
    this.scheduled = false;
    const items = this.transit;
    this.transit = [];
    for (const item of items) {
      if (typeof item === 'string') this.inbox.frame(item);
      else this.inbox.close(item.code, item.reason, false);
    }
  };
}

/**
 * Creates two connected in-process transports: what one end sends, the other receives —
 * asynchronously (on a microtask) and in order, like a network. Frames sent before the peer
 * calls `listen` wait for it. Closing either end closes both: the peer's `close` handler gets
 * the same code and reason, after any frames sent before the close; the closing end's own
 * `close` handler runs too (on a microtask). `isOpen` turns false on both ends at once, and
 * sends after that are dropped. `bufferedAmount` is always 0 and `drain` never fires.
 *
 * @returns the two ends, `[a, b]`.
 * @throws never.
 *
 * @example
 * const [a, b] = memoryPair();
 * b.listen({ frame: (f) => console.log('b got', f), close: (code, reason) => console.log(code, reason) });
 * a.send('hello');          // b logs "b got hello" on the next microtask
 * a.close(4000, 'done');    // b logs 4000 done
 */
export function memoryPair(): [Transport, Transport] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
