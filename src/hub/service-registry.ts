import { PatternTrie } from '../core/pattern-trie.js';
import type { Space } from '../core/space.js';
import type { LocalWrites } from './hub-presence.js';
import type { Session } from './session.js';

/** The namespace of the hub's service presence vars: `$sys.services/<instance id>`, the services one instance serves. */
export const SERVICES_PREFIX = '$sys.services/';

/** One `svadd` of a session: the name (FQN or pattern) it serves, in which queue group. @internal */
export interface Registration {
  readonly session: Session;
  readonly sv: number;
  readonly name: string;
  readonly tokens: readonly string[];
  readonly queue: string;
}

/** What `$sys.services/<id>` holds for each registration (an instance's list of them). */
export interface ServiceEntry {
  readonly name: string;
  readonly queue: string;
}

/** The servers of one queue group for one FQN, and whose turn it is. */
interface Group {
  readonly members: Registration[];
  next: number;
}

/** The queue groups that serve one FQN (made on the first request for it, dropped on any change of registrations). */
interface Route {
  readonly groups: Group[];
  next: number;
}

/** Past this many FQNs with a route, the cache is emptied (a flood of distinct names cannot grow it without end). */
const MAX_ROUTES = 10_000;
const NO_ROUTE: Route = { groups: [], next: 0 };

/**
 * The hub's services: who serves which FQN or pattern (a trie of registrations), the round robin
 * of each FQN's queue groups (a request goes to the next group, then to that group's next member),
 * and the presence of services as hub-written vars `$sys.services/<instance id>` (followed like
 * `$sys.instances`). @internal
 *
 * @example
 * registry.add({ session, sv: 1, name: 'calc/add', tokens, queue: 'calc/add' });
 * registry.pick('calc/add', tokens, (r) => true); // the registration whose turn it is
 */
export class ServiceRegistry {
  private readonly trie = new PatternTrie<Registration>();
  private readonly routes = new Map<string, Route>();

  /**
   * @param hubId - the origin of the presence vars' writes in the hub's space: the hub stores and
   *   routes them itself (as `HubPresence` does), so the space mirror leaves them alone.
   */
  constructor(
    private readonly space: Space,
    private readonly writes: LocalWrites,
    private readonly hubId: string,
  ) {}

  /** Adds a registration (its session's presence var is written again). */
  add(registration: Registration, all: Iterable<Registration>): void {
    this.trie.add(registration.tokens, registration);
    this.routes.clear();
    this.publish(registration.session, all);
  }

  /** Removes a registration; `all` is what the session serves after it. */
  remove(registration: Registration, all: Iterable<Registration>): void {
    this.trie.remove(registration.tokens, registration);
    this.routes.clear();
    this.publish(registration.session, all);
  }

  /** Removes every registration of a session that left (its presence var is unmapped). */
  removeAll(session: Session, all: Iterable<Registration>): void {
    for (const registration of all) this.trie.remove(registration.tokens, registration);
    this.routes.clear();
    this.unpublish(`${SERVICES_PREFIX}${session.id}`);
  }

  /**
   * The registration whose turn it is to serve `fqn`, among those `may` admits (checked once per
   * route, not per request), or undefined when none serves it.
   */
  pick(fqn: string, tokens: readonly string[], may: (registration: Registration) => boolean): Registration | undefined {
    let route = this.routes.get(fqn);
    if (route === undefined) route = this.makeRoute(fqn, tokens, may);
    const { groups } = route;
    if (groups.length === 0) return undefined;
    const group = groups[route.next++ % groups.length];
    return group.members[group.next++ % group.members.length];
  }

  private makeRoute(fqn: string, tokens: readonly string[], may: (registration: Registration) => boolean): Route {
    const byQueue = new Map<string, Group>();
    this.trie.forEachMatch(tokens, (registration) => {
      if (!may(registration)) return;
      let group = byQueue.get(registration.queue);
      if (group === undefined) byQueue.set(registration.queue, (group = { members: [], next: 0 }));
      group.members.push(registration);
    });
    const route = byQueue.size === 0 ? NO_ROUTE : { groups: [...byQueue.values()], next: 0 };
    if (this.routes.size >= MAX_ROUTES) this.routes.clear();
    this.routes.set(fqn, route);
    return route;
  }

  /** Writes the session's presence var: the list of what it serves (unmapped when empty). */
  private publish(session: Session, all: Iterable<Registration>): void {
    const fqn = `${SERVICES_PREFIX}${session.id}`;
    const entries: ServiceEntry[] = [];
    for (const { name, queue } of all) entries.push({ name, queue });
    if (entries.length === 0) {
      this.unpublish(fqn);
      return;
    }
    this.space.ensure(fqn, { system: true, origin: this.hubId }, entries);
    this.writes.localWrite(fqn, entries);
  }

  private unpublish(fqn: string): void {
    if (this.space.unmap(fqn, { origin: this.hubId })) this.writes.localUnmap(fqn);
  }
}
