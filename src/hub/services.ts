import {
  ClosedError,
  ForbiddenError,
  LimitError,
  NoRespondersError,
  ProtocolError,
  ReservedNameError,
  ValidationError,
  VarspaceError,
} from '../core/errors.js';
import { parseFqn, parsePattern } from '../core/names.js';
import type { ServiceContract } from '../identity/app-type.js';
import type { HybridClock } from '../wire/hybrid-clock.js';
import { errMessage } from '../wire/remote-error.js';
import type { RpErrMessage, RpMessage, RqMessage, SvAddMessage } from '../wire/service-messages.js';
import type { HubCounters } from './hub-counters.js';
import type { LocalWrites } from './hub-presence.js';
import { checkValueLimits, type ResolvedLimits } from './limits.js';
import { ServiceRegistry, type Registration } from './service-registry.js';
import type { Session } from './session.js';
import type { Space } from '../core/space.js';

/** At most this many unanswered requests per requester (a requester cannot grow the hub's memory without end). */
const MAX_IN_FLIGHT = 10_000;
/** At most this many registrations per connection. */
const MAX_REGISTRATIONS = 1_000;

/** A request the hub routed and its server has not answered: who asked (and by which id), who serves it. */
interface InFlight {
  readonly id: number;
  readonly requester: Session;
  readonly requesterId: number;
  readonly server: Session;
  readonly contract: ServiceContract | undefined;
  readonly fqn: string;
}

/** One connection's part in services: what it serves, what it asked, what it was asked. */
class Peer {
  readonly registrations = new Map<number, Registration>();
  /** Its own unanswered requests, by its id. */
  readonly asked = new Map<number, InFlight>();
  /** Requests delivered to it, by the hub's id. */
  readonly serving = new Map<number, InFlight>();
  /** Queued for the flush at the end of the frame. */
  queued = false;

  constructor(readonly session: Session) {}
}

/** What {@link Services} works with. @internal */
export interface ServicesParts {
  readonly hubId: string;
  readonly space: Space;
  readonly writes: LocalWrites;
  readonly clock: HybridClock;
  readonly limits: ResolvedLimits;
  readonly counters: HubCounters;
}

/**
 * The hub's side of services (request/reply): registrations (`svadd`, `svdel`), requests routed
 * to one server of a queue group (`rq` → `rqin`), replies back to the requester (`rp`, `rperr`),
 * cancels both ways (`rqx`), and a prompt `VS_CLOSED` to requesters when their server leaves.
 * Request ids are each requester's own: the hub gives each routed request a number of its own,
 * and takes a reply only from the server it asked. The hub keeps nothing of a request once it is
 * answered. @internal
 *
 * @example
 * const services = new Services({ hubId, space, writes, clock, limits, counters });
 * services.request(session, { t: 'rq', id: 1, fqn: 'calc/add', value: [1, 2] }); // routed, or answered with rperr
 */
export class Services {
  private readonly peers = new Map<Session, Peer>();
  private readonly inFlight = new Map<number, InFlight>();
  private readonly registry: ServiceRegistry;
  private readonly clock: HybridClock;
  private readonly limits: ResolvedLimits;
  private readonly counters: HubCounters;
  /** Peers with messages queued during this frame. */
  private readonly toFlush: Peer[] = [];
  private nextId = 1;

  constructor(parts: ServicesParts) {
    this.registry = new ServiceRegistry(parts.space, parts.writes, parts.hubId);
    this.clock = parts.clock;
    this.limits = parts.limits;
    this.counters = parts.counters;
  }

  /** `svadd`: registers (or replaces) a service; answers `svok`, or `svno` and changes nothing. */
  add(session: Session, message: SvAddMessage): void {
    const peer = this.peerOf(session);
    try {
      if (message.name.charCodeAt(0) === 36) throw new ReservedNameError(message.name);
      const { tokens } = parsePattern(message.name);
      if (session.access && !session.access.canServePattern(tokens)) throw new ForbiddenError(`not allowed to serve ${message.name}`);
      if (!peer.registrations.has(message.sv) && peer.registrations.size >= MAX_REGISTRATIONS)
        throw new LimitError(`at most ${MAX_REGISTRATIONS} services per connection`);
      const old = peer.registrations.get(message.sv);
      if (old) this.withdraw(peer, old);
      const registration: Registration = { session, sv: message.sv, name: message.name, tokens, queue: message.queue ?? message.name };
      peer.registrations.set(message.sv, registration);
      this.registry.add(registration, peer.registrations.values());
      session.send({ t: 'svok', sv: message.sv });
    } catch (error) {
      this.counters.refused++;
      const { code, message: text } = errMessage(error);
      session.send({ t: 'svno', sv: message.sv, code, message: text });
    }
  }

  /** `svdel`: withdraws a registration (requests already delivered are still answered). */
  remove(session: Session, sv: number): void {
    const peer = this.peers.get(session);
    const registration = peer?.registrations.get(sv);
    if (peer && registration) this.withdraw(peer, registration);
  }

  /** `rq`: routes a request to one server, or answers it at once with `rperr`. */
  request(session: Session, message: RqMessage): void {
    this.counters.requestsIn++;
    const peer = this.peerOf(session);
    if (peer.asked.has(message.id)) throw new ProtocolError(`request id ${message.id} is already in flight`);
    const { fqn } = message;
    try {
      if (fqn.charCodeAt(0) === 36) throw new ReservedNameError(fqn);
      const { tokens } = parseFqn(fqn);
      if (session.access && !session.access.mayPublish(fqn)) throw new ForbiddenError(`not allowed to request ${fqn}`, { fqn });
      if (peer.asked.size >= MAX_IN_FLIGHT) throw new LimitError(`at most ${MAX_IN_FLIGHT} requests in flight per connection`, { fqn });
      checkValueLimits(fqn, message.value, session.frameBytes, this.limits);
      const registration = this.registry.pick(fqn, tokens, (r) => !r.session.access || r.session.access.canServe(tokens));
      if (registration === undefined) throw new NoRespondersError(`nobody serves ${fqn}`, { fqn });
      const server = registration.session;
      const contract = server.appType?.services?.[tokens[tokens.length - 1]];
      if (contract) checkContract(contract.request, message.value, `${fqn}: the request breaks the ${server.appType!.name} contract`);
      const id = this.nextId++;
      const entry: InFlight = { id, requester: session, requesterId: message.id, server, contract, fqn };
      this.inFlight.set(id, entry);
      peer.asked.set(message.id, entry);
      const serverPeer = this.peerOf(server);
      serverPeer.serving.set(id, entry);
      const { sv } = registration;
      this.queue(serverPeer, { t: 'rqin', id, sv, fqn, from: session.id, stamp: this.clock.tick(), value: message.value });
    } catch (error) {
      this.answerError(peer, message.id, error);
    }
  }

  /** `rqx` from a requester: its request is cancelled; the server is told (its handler's signal aborts). */
  cancel(session: Session, id: number): void {
    this.counters.requestsIn++;
    const entry = this.peers.get(session)?.asked.get(id);
    if (entry === undefined) return;
    this.forget(entry);
    this.queue(this.peerOf(entry.server), { t: 'rqx', id: entry.id });
  }

  /** `rp` or `rperr` from a server: passed to the requester, if this server was asked (a spoofed or late reply is dropped). */
  reply(session: Session, message: RpMessage | RpErrMessage): void {
    this.counters.requestsIn++;
    const entry = this.inFlight.get(message.id);
    if (entry === undefined || entry.server !== session) return;
    this.forget(entry);
    const requester = this.peerOf(entry.requester);
    if (message.t === 'rperr') {
      this.queue(requester, { t: 'rperr', id: entry.requesterId, code: message.code, message: message.message, remote: true });
      return;
    }
    if (entry.contract) {
      try {
        checkContract(entry.contract.reply, message.value, `${entry.fqn}: the reply breaks the ${session.appType!.name} contract`);
      } catch (error) {
        session.send(errMessage(error, { fqn: entry.fqn }));
        this.answerError(requester, entry.requesterId, error);
        return;
      }
    }
    this.queue(requester, { t: 'rp', id: entry.requesterId, value: message.value });
  }

  /** A session closed: its services are withdrawn, its requesters get `VS_CLOSED` at once, its servers are told to stop. */
  left(session: Session): void {
    const peer = this.peers.get(session);
    if (peer === undefined) return;
    this.peers.delete(session);
    if (peer.registrations.size > 0) this.registry.removeAll(session, peer.registrations.values());
    for (const entry of peer.serving.values()) {
      this.forget(entry);
      const error = new ClosedError(`${entry.fqn}: the serving instance disconnected before it answered`, { fqn: entry.fqn });
      this.answerError(this.peerOf(entry.requester), entry.requesterId, error);
    }
    for (const entry of peer.asked.values()) {
      this.forget(entry);
      this.queue(this.peerOf(entry.server), { t: 'rqx', id: entry.id });
    }
    this.flush();
  }

  /** Sends what this frame queued for other sessions (called as a frame ends). */
  flush(): void {
    const { toFlush } = this;
    if (toFlush.length === 0) return;
    for (const peer of toFlush) {
      peer.queued = false;
      peer.session.flush();
    }
    toFlush.length = 0;
  }

  private withdraw(peer: Peer, registration: Registration): void {
    peer.registrations.delete(registration.sv);
    this.registry.remove(registration, peer.registrations.values());
  }

  private forget(entry: InFlight): void {
    this.inFlight.delete(entry.id);
    this.peers.get(entry.requester)?.asked.delete(entry.requesterId);
    this.peers.get(entry.server)?.serving.delete(entry.id);
  }

  private answerError(peer: Peer, id: number, error: unknown): void {
    if (error instanceof VarspaceError) this.counters.refused++;
    else this.counters.errors++;
    const { code, message } = errMessage(error);
    this.queue(peer, { t: 'rperr', id, code, message });
  }

  /** Queues a message for a peer; its session is flushed as the frame ends. */
  private queue(peer: Peer, message: object): void {
    if (peer.session.closed) return;
    this.counters.requestsOut++;
    peer.session.send(message);
    if (peer.queued) return;
    peer.queued = true;
    this.toFlush.push(peer);
  }

  private peerOf(session: Session): Peer {
    let peer = this.peers.get(session);
    if (peer === undefined) this.peers.set(session, (peer = new Peer(session)));
    return peer;
  }
}

/** @throws {ValidationError} when `schema` refuses `value`. */
function checkContract(schema: ServiceContract['request'], value: unknown, what: string): void {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(`${what}: ${result.error.issues.map((i) => i.message).join('; ')}`);
}
