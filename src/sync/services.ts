import type { Subscription } from 'rxjs';
import { AbortedError, ClosedError, RemoteError, TimeoutError, VarspaceError } from '../core/errors.js';
import { checkJsonValue } from '../core/json-value.js';
import { parseFqn, parsePattern } from '../core/names.js';
import type { Tagged } from '../rx/tagged.js';
import type { ErrMessage } from '../wire/messages.js';
import { remoteError } from '../wire/remote-error.js';
import type { RpErrMessage, RqInMessage, SvNoMessage } from '../wire/service-messages.js';
import type { Connection } from './connection.js';

/** Options of `Link.serve`. */
export interface ServeOptions {
  /** The queue group (default: the served name): each request goes to one group, then to one of its members, in turn. */
  readonly queue?: string;
}

/** Options of `Link.request`. */
export interface RequestOptions {
  /** Reject with `TimeoutError` after this long (default 5,000 ms); the server's handler sees its signal abort. */
  readonly timeoutMs?: number;
  /** Aborting rejects with `AbortedError`, and aborts the server handler's signal. */
  readonly signal?: AbortSignal;
}

/** What a service handler gets besides the request: `signal` aborts when the requester gives up (abort, timeout, disconnect). */
export interface ServiceContext {
  readonly signal: AbortSignal;
}

/** A service: answers a request (tagged with its requester's instance id) with a value, a promise of one, or a throw. */
export type ServiceHandler<Req = unknown, Res = unknown> = (request: Tagged<Req>, context: ServiceContext) => Res | PromiseLike<Res>;

/** The handle `Link.serve` returns: `unsubscribe()` withdraws the service (requests already delivered still answer). */
export interface ServiceSubscription extends Subscription {
  /** Resolves when the hub has registered it; rejects with the hub's refusal (`ForbiddenError`, `NameError`, `LimitError`). */
  readonly ready: Promise<void>;
}

/** One served name. */
interface Served {
  readonly text: string;
  readonly name: string;
  readonly handler: ServiceHandler<any, any>;
  settle?: { resolve(): void; reject(error: Error): void };
}

/** One request of this link the hub has not answered. */
interface Pending {
  readonly fqn: string;
  readonly text: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
  sent: boolean;
}

/** What {@link LinkServices} works with. @internal */
export interface LinkServicesOptions {
  readonly connection: Connection;
  /** Reports an error that has no caller to reject (on the link's `errors$`). */
  readonly fail: (error: unknown) => void;
}

/** A request being served, and its handler's context: the signal is made only when the handler asks for it (most never do). */
class Handling implements ServiceContext {
  private controller: AbortController | undefined;
  private reason: unknown;

  get signal(): AbortSignal {
    const controller = (this.controller ??= new AbortController());
    if (this.reason !== undefined && !controller.signal.aborted) controller.abort(this.reason);
    return controller.signal;
  }

  abort(reason: Error): void {
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/** The code and message of what a handler threw, as they cross the wire (never a stack). */
function thrown(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    code:
      error instanceof VarspaceError || (typeof code === 'string' && code.length > 0 && code.length <= 64) ? (code as string) : 'VS_REMOTE',
    message: String((error as Error | null)?.message ?? error).slice(0, 2000),
  };
}

/**
 * A link's services: what it serves (registered again after every reconnect) and the requests it
 * made, each settled by one reply, a refusal, its timeout, its signal, or the connection's end.
 * At most once: a request whose connection is lost before its reply rejects with `ClosedError`
 * (it is not sent again). @internal
 *
 * @example
 * const services = new LinkServices({ connection, fail });
 * services.serve('calc/add', ({ value: [a, b] }) => a + b);
 * await services.request('calc/add', [1, 2]); // 3
 */
export class LinkServices {
  private readonly served = new Map<number, Served>();
  private readonly pending = new Map<number, Pending>();
  /** Requests being served, by the hub's id: aborted when the requester gives up. */
  private readonly handling = new Map<number, Handling>();
  private nextSv = 1;
  private nextId = 1;
  private readonly connection: Connection;
  private readonly fail: (error: unknown) => void;

  constructor(options: LinkServicesOptions) {
    this.connection = options.connection;
    this.fail = options.fail;
    options.connection.status$.subscribe((status) => {
      if (status === 'reconnecting') this.lost();
    });
  }

  /** See `Link.serve`. */
  serve<Req, Res>(name: string, handler: ServiceHandler<Req, Res>, options: ServeOptions): ServiceSubscription {
    parsePattern(name);
    const sv = this.nextSv++;
    const text = JSON.stringify({ t: 'svadd', sv, name, ...(options.queue !== undefined ? { queue: options.queue } : {}) });
    const served: Served = { text, name, handler };
    const ready = new Promise<void>((resolve, reject) => (served.settle = { resolve, reject }));
    ready.catch(() => {}); // reported on errors$ too: no unhandled rejection when nobody awaits it
    if (this.connection.status$.value === 'closed') served.settle!.reject(new ClosedError('link is closed'));
    else this.served.set(sv, served);
    if (this.connection.isOpen) this.connection.outbox.push(text);
    const subscription = {
      ready,
      closed: false,
      unsubscribe: () => {
        if (subscription.closed) return;
        subscription.closed = true;
        if (this.served.delete(sv) && this.connection.isOpen) this.connection.outbox.push(`{"t":"svdel","sv":${sv}}`);
      },
    };
    return subscription as unknown as ServiceSubscription;
  }

  /** See `Link.request`. */
  request<Res>(fqn: string, payload: unknown, options: RequestOptions): Promise<Res> {
    const { signal } = options;
    try {
      if (this.connection.status$.value === 'closed') throw new ClosedError('link is closed');
      parseFqn(fqn);
      checkJsonValue(payload, fqn);
      if (signal?.aborted) throw new AbortedError(`request ${fqn} aborted`);
    } catch (error) {
      return Promise.reject(error);
    }
    const id = this.nextId++;
    const text = payload === undefined ? JSON.stringify({ t: 'rq', id, fqn }) : JSON.stringify({ t: 'rq', id, fqn, value: payload });
    return new Promise<Res>((resolve, reject) => {
      const onAbort = signal ? () => this.giveUp(id, new AbortedError(`request ${fqn} aborted`)) : undefined;
      const pending: Pending = {
        fqn,
        text,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: undefined,
        signal,
        onAbort,
        sent: false,
      };
      const timeoutMs = options.timeoutMs ?? 5000;
      pending.timer = setTimeout(() => this.giveUp(id, new TimeoutError(`request ${fqn}: no reply within ${timeoutMs} ms`)), timeoutMs);
      signal?.addEventListener('abort', onAbort!, { once: true });
      this.pending.set(id, pending);
      if (this.connection.isOpen) {
        pending.sent = true;
        this.connection.outbox.push(text);
      }
    });
  }

  /** `svok`: a registration is in place. */
  onServing(sv: number): void {
    const served = this.served.get(sv);
    served?.settle?.resolve();
  }

  /** `svno`: the hub refused a registration; it is dropped. */
  onRefused(message: SvNoMessage): void {
    const served = this.served.get(message.sv);
    if (!served) return;
    this.served.delete(message.sv);
    const error = remoteError({ t: 'err', code: message.code, message: `serve ${served.name}: ${message.message}` } as ErrMessage);
    served.settle?.reject(error);
    this.fail(error);
  }

  /** `rqin`: a request for a service of this link; its handler's answer goes back as `rp` or `rperr`. */
  onRequest(message: RqInMessage): void {
    const { id } = message;
    const served = this.served.get(message.sv);
    if (!served) {
      this.send({ t: 'rperr', id, code: 'VS_NO_RESPONDERS', message: `${message.fqn} was withdrawn` });
      return;
    }
    const context = new Handling();
    this.handling.set(id, context);
    let result: unknown;
    try {
      result = served.handler({ value: message.value, fqn: message.fqn, from: message.from, stamp: message.stamp }, context);
    } catch (error) {
      this.answer(id, context, undefined, error);
      return;
    }
    if (typeof (result as PromiseLike<unknown> | null)?.then === 'function')
      (result as PromiseLike<unknown>).then(
        (value) => this.answer(id, context, value, undefined),
        (error: unknown) => this.answer(id, context, undefined, error ?? new Error('rejected')),
      );
    else this.answer(id, context, result, undefined);
  }

  /** `rqx`: the requester gave up on a request this link serves: its handler's signal aborts. */
  onCancel(id: number): void {
    const context = this.handling.get(id);
    if (!context) return;
    this.handling.delete(id);
    context.abort(new AbortedError('the requester gave up'));
  }

  /** `rp` or `rperr`: the answer to a request of this link. */
  onReply(id: number, value: unknown, refusal: RpErrMessage | undefined): void {
    const pending = this.take(id);
    if (!pending) return;
    if (refusal === undefined) pending.resolve(value);
    else if (refusal.remote) pending.reject(new RemoteError(refusal.message, { code: refusal.code, fqn: pending.fqn }));
    else pending.reject(remoteError({ t: 'err', code: refusal.code, message: refusal.message, fqn: pending.fqn } as ErrMessage));
  }

  /** After a welcome: the services are registered again, and requests made while away are sent. */
  resync(): void {
    for (const served of this.served.values()) this.connection.outbox.push(served.text);
    for (const pending of this.pending.values()) {
      if (pending.sent) continue;
      pending.sent = true;
      this.connection.outbox.push(pending.text);
    }
  }

  /** The link closed: every request rejects with `ClosedError`, every handler's signal aborts. */
  close(): void {
    this.lost();
    for (const id of [...this.pending.keys()]) this.take(id)!.reject(new ClosedError('link closed before the reply'));
    for (const served of this.served.values()) served.settle?.reject(new ClosedError('link closed before the hub registered the service'));
    this.served.clear();
  }

  /** The connection was lost: the hub forgot every request of it (sent ones reject: at most once) and to it (aborted). */
  private lost(): void {
    for (const [id, pending] of [...this.pending])
      if (pending.sent) this.giveUp(id, new ClosedError(`request ${pending.fqn}: the connection was lost before the reply`));
    for (const context of this.handling.values()) context.abort(new ClosedError('the connection to the hub was lost'));
    this.handling.clear();
  }

  /** Rejects a request of this link (timeout, abort, lost); the hub is told, so that the server's handler aborts. */
  private giveUp(id: number, error: Error): void {
    const pending = this.take(id);
    if (!pending) return;
    if (pending.sent && this.connection.isOpen) this.connection.outbox.push(`{"t":"rqx","id":${id}}`);
    pending.reject(error);
  }

  private take(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.signal?.removeEventListener('abort', pending.onAbort!);
    return pending;
  }

  /** Sends a handler's answer, unless the request was cancelled meanwhile (its signal aborted: nobody waits). */
  private answer(id: number, context: Handling, value: unknown, error: unknown): void {
    if (this.handling.get(id) !== context) return;
    this.handling.delete(id);
    if (error === undefined) {
      try {
        this.connection.outbox.push(value === undefined ? `{"t":"rp","id":${id}}` : JSON.stringify({ t: 'rp', id, value }));
        return;
      } catch (failure) {
        error = failure; // not JSON (a BigInt, a cycle): the requester gets the reason
      }
    }
    this.send({ t: 'rperr', id, ...thrown(error) });
  }

  private send(message: object): void {
    if (this.connection.isOpen) this.connection.outbox.push(JSON.stringify(message));
  }
}
