// An in-memory network for property tests: many client connections to one hub, every frame and
// every close notification delivered when a fast-check scheduler says so, with faults on a plan
// chosen by fast-check. Deterministic for a given seed (nothing here reads a clock or Math.random).
//
// The model. The protocol assumes what a WebSocket gives: per connection, an ordered, reliable,
// message-framed channel. So the network never breaks that promise *within* a connection; what it
// does instead is what real networks do to such channels:
//
// - delay: every frame (and every close notification) is a task of the fast-check scheduler, run
//   whenever the scheduler picks it. Frames of one connection direction keep their order (a task
//   delivers the head of its queue), but the connections interleave arbitrarily: writes from
//   different replicas reach the hub, and updates reach the replicas, in any order. Connecting
//   takes a scheduler task too.
// - drop / reorder: losing a frame, or overtaking it, is impossible on an intact TCP stream: it can
//   only mean the connection broke. A planned `lose` fault drops the frame being delivered and cuts
//   the connection: every frame in flight either way is lost. Each end hears of the cut (close
//   1006) in its own scheduler task, so one side may keep sending into the void for a while
//   (half-open), and the hub may still hold the old session when the client comes back.
// - duplicate: a planned `dup` fault delivers the frame and then cuts the connection before any
//   answer can come back. The sender cannot know the frame arrived, so it sends it again on the
//   next connection: the receiver processes it twice, once per connection. (Duplicating a frame
//   inside one connection would break the channel contract, so it is not done.)
// - disconnect: `cut(client)` breaks a client's current connection at an arbitrary moment (the
//   property test does this between operations); `refuse` faults make connection attempts fail.
// - hub crash: `replaceHub(hub)` breaks every connection; reconnects reach the new hub.
//
// `heal()` stops every fault: the links reconnect and resync, and the network runs until no frame
// is in flight.
import type { Scheduler } from 'fast-check';
import { Inbox } from '../../src/transport/inbox.js';
import type { Transport, TransportFactory, TransportHandlers } from '../../src/transport/transport.js';

/** What a planned fault does to the frame it hits (see the model above). */
export type FrameFault = 'lose' | 'dup';

/** Faults chosen up front (by fast-check), keyed by counters the network keeps. */
export interface FaultPlan {
  /** `deliveries`-th frame delivered (0-based, counted over all connections) → fault. */
  readonly frames: ReadonlyMap<number, FrameFault>;
  /** Connection attempts (0-based, counted over all clients) that are refused. */
  readonly refusals: ReadonlySet<number>;
}

/** Something that accepts the hub side of a connection (a `Hub`). */
export interface Acceptor {
  accept(transport: Transport): unknown;
}

type Item = { readonly frame: string } | { readonly code: number; readonly reason: string };

/** One end of a {@link Connection}. */
class End implements Transport {
  readonly inbox = new Inbox();
  open = true;
  readonly bufferedAmount = 0;

  constructor(
    private readonly connection: Connection,
    readonly side: 'client' | 'hub',
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  send(frame: string): void {
    if (!this.open) return;
    this.connection.transmit(this.side, frame);
  }

  listen(handlers: TransportHandlers): void {
    this.inbox.listen(handlers);
  }

  close(code = 1000, reason = ''): void {
    if (!this.open) return;
    this.open = false;
    this.inbox.close(code, reason, true);
    this.connection.closedBy(this.side, code, reason);
  }

  /** The peer's close (or the network's cut) reached this end. */
  hearClose(code: number, reason: string): void {
    if (!this.open) return;
    this.open = false;
    this.inbox.close(code, reason, false);
  }
}

/** A client ↔ hub connection with one FIFO queue per direction. */
export class Connection {
  readonly client: End;
  readonly hub: End;
  /** Frames travelling to the hub / to the client, in order. */
  private readonly toHub: Item[] = [];
  private readonly toClient: Item[] = [];
  /** Once cut, nothing more is delivered either way. */
  cut = false;

  constructor(
    private readonly network: FaultyNetwork,
    readonly clientName: string,
    readonly id: number,
  ) {
    this.client = new End(this, 'client');
    this.hub = new End(this, 'hub');
  }

  /** Frames and closes not yet delivered. */
  get inFlight(): number {
    return this.toHub.length + this.toClient.length;
  }

  transmit(from: 'client' | 'hub', frame: string): void {
    if (this.cut) return; // sent into a broken connection: lost
    if (from === 'client') this.network.onClientFrame(this.clientName, frame);
    this.enqueue(from === 'client' ? this.toHub : this.toClient, { frame }, from);
  }

  closedBy(side: 'client' | 'hub', code: number, reason: string): void {
    if (this.cut) return;
    this.enqueue(side === 'client' ? this.toHub : this.toClient, { code, reason }, side);
  }

  /** Breaks the connection: whatever is in flight is lost; each end hears of it (1006) in its own task. */
  breakNow(): void {
    if (this.cut) return;
    this.cut = true;
    this.toHub.length = 0;
    this.toClient.length = 0;
    for (const end of [this.client, this.hub]) {
      if (!end.open) continue;
      this.network.task(`c${this.id} ${this.clientName}: ${end.side} hears the cut`, () => end.hearClose(1006, 'connection lost'));
    }
  }

  private enqueue(queue: Item[], item: Item, from: 'client' | 'hub'): void {
    queue.push(item);
    const label = `c${this.id} ${from === 'client' ? `${this.clientName}→hub` : `hub→${this.clientName}`}`;
    this.network.task(label, () => this.deliver(queue === this.toHub ? 'hub' : 'client'));
  }

  private deliver(to: 'client' | 'hub'): void {
    const queue = to === 'hub' ? this.toHub : this.toClient;
    const item = queue.shift();
    if (item === undefined || this.cut) return;
    const end = to === 'hub' ? this.hub : this.client;
    if (!('frame' in item)) {
      end.hearClose(item.code, item.reason);
      return;
    }
    const fault = this.network.nextDeliveryFault();
    if (fault === 'lose') {
      this.breakNow();
      return;
    }
    if (end.open) end.inbox.frame(item.frame);
    if (fault === 'dup') this.breakNow();
  }
}

/** A message a client put on the wire (parsed), with the client's name. */
export interface SentMessage {
  readonly client: string;
  readonly message: { readonly t: string; readonly [key: string]: unknown };
}

/**
 * The network: a {@link TransportFactory} per client, all connecting to one hub, under the control
 * of a fast-check scheduler and a fault plan.
 */
export class FaultyNetwork {
  /** Every message clients sent (including those lost on the way), in order of sending. */
  readonly sent: SentMessage[] = [];
  /** Counts, for the report of a failing run. */
  readonly counts = { connections: 0, refused: 0, delivered: 0, lost: 0, duplicated: 0, cuts: 0 };
  private readonly connections: Connection[] = [];
  private readonly current = new Map<string, Connection>();
  private pendingTasks = 0;
  private attempts = 0;
  private faulty = false;

  constructor(
    private readonly scheduler: Scheduler,
    private hub: Acceptor,
    private readonly plan: FaultPlan,
  ) {}

  /** The hub crashed and another took its place: every connection breaks, new ones go to `hub`. */
  replaceHub(hub: Acceptor): void {
    for (const connection of this.connections) connection.breakNow();
    this.hub = hub;
  }

  /** Starts applying the fault plan (the initial connections are made without faults). */
  startFaults(): void {
    this.faulty = true;
  }

  /** Stops every fault: from now on, connections are made and frames delivered. */
  heal(): void {
    this.faulty = false;
  }

  /** True when no frame, close or connection attempt is in flight. */
  get quiet(): boolean {
    return this.pendingTasks === 0;
  }

  /** Opens connections for client `name` (called again on each reconnect). */
  factory(name: string): TransportFactory {
    return () => {
      const attempt = this.attempts++;
      const refused = this.faulty && this.plan.refusals.has(attempt);
      return this.taskResult(`${name} connects (attempt ${attempt}${refused ? ', refused' : ''})`, () => {
        if (refused) {
          this.counts.refused++;
          throw new Error(`connection refused (attempt ${attempt})`);
        }
        const connection = new Connection(this, name, this.connections.length);
        this.connections.push(connection);
        this.current.set(name, connection);
        this.counts.connections++;
        this.hub.accept(connection.hub);
        return connection.client as Transport;
      });
    };
  }

  /** Breaks the current connection of client `name`, if it has one. */
  cut(name: string): void {
    const connection = this.current.get(name);
    if (connection && !connection.cut) {
      this.counts.cuts++;
      connection.breakNow();
    }
  }

  /** @internal a client frame goes on the wire. */
  onClientFrame(client: string, frame: string): void {
    for (const message of JSON.parse(frame) as SentMessage['message'][]) this.sent.push({ client, message });
  }

  /** @internal the fault (if any) for the next delivered frame. */
  nextDeliveryFault(): FrameFault | undefined {
    const index = this.counts.delivered++;
    if (!this.faulty) return undefined;
    const fault = this.plan.frames.get(index);
    if (fault === 'lose') this.counts.lost++;
    if (fault === 'dup') this.counts.duplicated++;
    return fault;
  }

  /** @internal runs `run` when the scheduler picks this task. */
  task(label: string, run: () => void): void {
    this.pendingTasks++;
    void this.scheduler.schedule(Promise.resolve(), label).then(() => {
      this.pendingTasks--;
      run();
    });
  }

  private taskResult<T>(label: string, run: () => T): Promise<T> {
    this.pendingTasks++;
    return this.scheduler.schedule(Promise.resolve(), label).then(() => {
      this.pendingTasks--;
      return run();
    });
  }

  /** Closes every connection (end of a run). */
  closeAll(): void {
    for (const connection of this.connections) {
      connection.breakNow();
    }
  }
}
