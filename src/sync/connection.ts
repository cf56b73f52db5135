import { BehaviorSubject } from 'rxjs';
import { ClosedError, TimeoutError, type VarspaceError } from '../core/errors.js';
import { Outbox } from '../transport/outbox.js';
import type { Transport, TransportFactory } from '../transport/transport.js';
import { PING_TEXT } from '../wire/heartbeat-text.js';
import type { HybridClock } from '../wire/hybrid-clock.js';
import { Liveness, checkPeriodMs } from '../wire/liveness.js';
import { PROTOCOL_VERSIONS, type WelcomeMessage } from '../wire/messages.js';
import { remoteError } from '../wire/remote-error.js';
import { PUBS_HEAD } from '../wire/state-text.js';
import { backoffDelay } from './backoff.js';
import type { LinkOptions, LinkStatus } from './link.js';

/** What a {@link Connection} tells the link it serves. @internal */
export interface ConnectionHooks {
  /** A new transport is open, before the hello: nothing sent on an earlier one will be answered. */
  opening(): void;
  /** A frame from the hub. */
  frame(data: string): void;
  /** A welcome, before the connection takes its token, time and epoch (the link adopts its id here). */
  welcomed(message: WelcomeMessage, sameHubState: boolean): void;
  /** After the welcome of a reconnect, before the status is `open`: send what the hub may lack. */
  resync(sameHubState: boolean): void;
  /** The connection ended for good, not by `close()`: why, and whether it is an error to report. */
  ended(reason: VarspaceError, report: boolean): void;
  /** An error with no caller to throw to. */
  fail(error: unknown): void;
  /** Before each flush of the outbox (see `Outbox`'s `beforeFlush`): the write marks' turn. Called unbound. */
  readonly beforeFlush: (lone: boolean) => void;
}

/** Options of {@link Connection}. @internal */
export interface ConnectionOptions {
  /** Opens a transport to the hub (once, or at every reconnect). */
  readonly factory: TransportFactory;
  /** Whether the factory can open new transports (a given transport cannot be reopened). */
  readonly canReconnect: boolean;
  /** The link's options: attributes, takeover, reconnect, welcome timeout, heartbeat. */
  readonly link: LinkOptions;
  /** Set to the hub's time at each welcome. */
  readonly clock: HybridClock;
  readonly hooks: ConnectionHooks;
}

/**
 * A link's connection to its hub: the handshake (`hello` → `welcome`, resuming the instance id
 * with its token), reconnects with backoff, the heartbeat, close codes, and the outbox that every
 * frame leaves through (moved to each new transport at its welcome). @internal
 *
 * @example
 * const connection = new Connection({ factory, canReconnect: true, link: options, clock, hooks });
 * await connection.open();   // resolves at the welcome
 */
export class Connection {
  /** `connecting → open → reconnecting → open … → closed`. */
  readonly status$ = new BehaviorSubject<LinkStatus>('connecting');
  /** Every frame to the hub goes through it. */
  readonly outbox: Outbox;
  /** The hub state's epoch of the last welcome ('' before the first). */
  epoch = '';
  /** Set once the link closes: nothing more is sent or reconnected. */
  closing = false;
  /** Reconnect attempts made. */
  reconnects = 0;
  private transport: Transport | undefined;
  /** The id and token of the last welcome, to resume with. */
  private resume: { id: string; token: string } | undefined;
  /** Failed attempts in a row (reset once the hub answers on a connection). */
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private welcomeWaiter: { resolve(): void; reject(error: Error): void } | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  /** When the hub was last heard from. */
  private readonly liveness = new Liveness(Date.now());
  private lastPing = 0;
  private readonly options: ConnectionOptions;

  constructor(options: ConnectionOptions) {
    this.options = options;
    const placeholder: Transport = { isOpen: false, bufferedAmount: 0, send() {}, listen() {}, close() {} };
    this.outbox = new Outbox(placeholder, () => PUBS_HEAD, { beforeFlush: options.hooks.beforeFlush, sendLoneAtOnce: true });
  }

  /** The resume token of the last welcome ('' before one). */
  get resumeToken(): string {
    return this.resume?.token ?? '';
  }

  /**
   * Continues a persisted connection (before the first open): resume `resume`'s instance, in the
   * hub state `epoch`. The first welcome is then a reconnect's: what the hub may lack is sent again.
   */
  restore(resume: { id: string; token: string } | undefined, epoch: string): void {
    this.resume = resume;
    this.epoch = epoch;
  }

  /** After a first open failed to reach the hub (`offline`): reconnecting, with backoff, as after a lost connection. */
  retry(): void {
    if (this.status$.value !== 'connecting') return;
    this.status$.next('reconnecting');
    this.scheduleReconnect();
  }

  /** Whether the link is open (welcomed on its current transport). */
  get isOpen(): boolean {
    return this.status$.value === 'open';
  }

  /** Opens a transport and waits for `welcome`. @throws what closed it before the welcome, or {@link TimeoutError}. */
  async open(): Promise<void> {
    const transport = await this.options.factory();
    if (this.closing) {
      transport.close(1000, 'bye');
      return;
    }
    this.transport = transport;
    this.options.hooks.opening();
    // The outbox moves to the new transport at the welcome, not before: a flush between the
    // hello and the welcome would send writes and a mark ahead of the resync, and the hub's
    // `marked` for that mark would then clear unacked writes that had not been sent again yet.
    const welcomed = new Promise<void>((resolve, reject) => (this.welcomeWaiter = { resolve, reject }));
    const timeoutMs = this.options.link.welcomeTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      this.welcomeWaiter?.reject(new TimeoutError(`no welcome from the hub within ${timeoutMs} ms`));
      transport.close(4000, 'no welcome');
    }, timeoutMs);
    const { hooks, link } = this.options;
    transport.listen({
      frame: (data) => {
        this.liveness.hear();
        hooks.frame(data);
      },
      close: (code, reason) => this.onClose(transport, code, reason),
      drain: () => this.outbox.flush(),
    });
    const resume = this.resume ? { resume: { ...this.resume } } : {};
    const attributes = link.attributes ? { attributes: { ...link.attributes } } : {};
    const takeover = link.takeover ? { takeover: true } : {};
    transport.send(JSON.stringify([{ t: 'hello', versions: PROTOCOL_VERSIONS, ...attributes, ...resume, ...takeover }]));
    try {
      await welcomed;
    } finally {
      clearTimeout(timer);
      this.welcomeWaiter = undefined;
    }
  }

  /** The hub answered on this connection (anything but a welcome or an error): the backoff starts over. */
  answered(): void {
    this.attempt = 0;
  }

  /** Takes the hub's welcome: the link adopts it, the clock takes the hub's time, and the link is open. */
  onWelcome(message: WelcomeMessage): void {
    const sameHubState = this.epoch !== '' && this.epoch === message.epoch;
    // A persisted connection (restored) continues: its first welcome resyncs as a reconnect's does.
    const continues = this.status$.value !== 'connecting' || this.epoch !== '';
    this.options.hooks.welcomed(message, sameHubState);
    this.resume = message.id && message.token ? { id: message.id, token: message.token } : undefined;
    // The hub's time, as it sent the welcome: the estimate is behind by the welcome's way here,
    // never ahead (a stamp too far ahead is refused; one a little behind is only counted on from).
    this.options.clock.syncTo(message.time);
    this.epoch = message.epoch;
    // The backoff starts over once the hub answers on this connection (see `answered`), not at
    // the welcome: a hub that welcomes and then drops the link at once (e.g. over a limit) must
    // not get a reconnect at the first, shortest delay every time.
    this.startHeartbeat();
    if (this.transport) this.outbox.reset(this.transport);
    if (continues) this.options.hooks.resync(sameHubState);
    this.status$.next('open');
    this.welcomeWaiter?.resolve();
  }

  /** Says goodbye to the hub (a clean close); {@link stop} follows. */
  close(): void {
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.transport?.isOpen) {
      this.outbox.push(JSON.stringify({ t: 'bye' }));
      this.outbox.flush();
      this.transport.close(1000, 'bye');
    }
  }

  /** Stops the heartbeat and the outbox for good (the link closes). */
  stop(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    this.closing = true;
    this.outbox.dispose();
  }

  private onClose(transport: Transport, code: number, reason: string): void {
    if (transport !== this.transport) return;
    if (this.welcomeWaiter) {
      this.welcomeWaiter.reject(
        code >= 4000 && reason ? closeError(code, reason) : new ClosedError(`closed before welcome (${code} ${reason})`, { code }),
      );
    }
    if (this.closing || this.status$.value === 'closed') return;
    const { hooks, link } = this.options;
    if (code === 4009) {
      // Replaced by another connection: reconnecting would only take the place back from it.
      hooks.ended(closeError(code, reason), true);
      return;
    }
    if (!this.options.canReconnect || link.reconnect === false || (this.status$.value === 'connecting' && !link.offline)) {
      hooks.ended(code >= 4000 && reason ? closeError(code, reason) : new ClosedError(`closed (${code} ${reason})`, { code }), false);
      return;
    }
    // A reconnect attempt that opened a transport and then lost it is still the same 'reconnecting'
    // (as is a first open of an `offline` link, which `retry` would otherwise schedule).
    if (this.status$.value !== 'reconnecting') this.status$.next('reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const backoff = typeof this.options.link.reconnect === 'object' ? this.options.link.reconnect : {};
    if (backoff.maxAttempts !== undefined && this.attempt >= backoff.maxAttempts) {
      this.options.hooks.ended(new ClosedError(`gave up reconnecting after ${this.attempt} attempts`), false);
      return;
    }
    const attempt = this.attempt++;
    const delay = backoffDelay(attempt, backoff);
    try {
      backoff.onRetry?.(attempt, delay);
    } catch (error) {
      this.options.hooks.fail(error);
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.reconnects++;
      this.open().catch(() => {
        const alreadyScheduled = this.reconnectTimer !== undefined;
        if (!alreadyScheduled && !this.closing && this.status$.value !== 'closed') this.scheduleReconnect();
      });
    }, delay);
  }

  private startHeartbeat(): void {
    const { heartbeat } = this.options.link;
    if (heartbeat === false || this.heartbeatTimer) return;
    const intervalMs = heartbeat?.intervalMs ?? 10_000;
    const timeoutMs = heartbeat?.timeoutMs ?? 30_000;
    const periodMs = checkPeriodMs(intervalMs, timeoutMs);
    // The hub pings a quiet link itself, at most a check period late: the link pings only when the
    // hub has been quieter than that, so that an idle connection carries one ping, not one each way
    // (but early enough that the answer still comes before the timeout).
    const pingAfterMs = Math.max(intervalMs, Math.min(intervalMs + periodMs, timeoutMs - periodMs));
    this.heartbeatTimer = setInterval(() => {
      const transport = this.transport;
      if (this.status$.value !== 'open' || !transport?.isOpen) return;
      const now = Date.now();
      const quiet = this.liveness.quietFor(now);
      if (quiet >= timeoutMs) {
        // The hub stopped answering: drop the connection, and reconnect.
        transport.close(4000, `VS_TIMEOUT no answer from the hub for ${quiet} ms`);
      } else if (quiet >= pingAfterMs && now - this.lastPing >= intervalMs) {
        this.lastPing = now;
        this.outbox.push(PING_TEXT);
      }
    }, periodMs);
    (this.heartbeatTimer as { unref?: () => void }).unref?.();
  }
}

/** Maps a hub's close code (4xxx, with the error code as reason) to a typed error. */
function closeError(code: number, reason: string): VarspaceError {
  const [errorCode, ...rest] = reason.split(' ');
  if (errorCode.startsWith('VS_')) return remoteError({ t: 'err', code: errorCode, message: rest.join(' ') || errorCode });
  return new ClosedError(`closed (${code} ${reason})`, { code });
}
