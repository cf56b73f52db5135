import { randomUuid } from '../identity/uuid.js';
import { ValidationError, VersionError, type VarspaceError } from '../core/errors.js';
import type { AppType } from '../identity/app-type.js';
import { instanceAttributesSchema, parseInstanceAttributes } from '../identity/instance.js';
import { PROTOCOL_VERSIONS, type HelloMessage } from '../wire/messages.js';
import { Access, type AccessRules, type Principal } from './access.js';
import type { HubPresence } from './hub-presence.js';
import type { Identities, Refuse } from './identities.js';
import { TokenBucket, type ResolvedLimits } from './limits.js';
import type { Logger } from './logger.js';
import type { Ownership } from './ownership.js';
import { resumeToken, verifyResumeToken } from './resume-token.js';
import type { Session } from './session.js';
import type { Store } from './store.js';

const ATTRIBUTE_KEYS: readonly string[] = Object.keys(instanceAttributesSchema.shape);

/**
 * The attributes of a `hello` that this hub knows: others are dropped, as unknown fields are (a
 * newer client may describe itself with more); the known ones are then checked.
 */
function knownAttributes(given: Readonly<Record<string, string>> = {}): Record<string, string> {
  const known: Record<string, string> = {};
  for (const key of ATTRIBUTE_KEYS) if (Object.hasOwn(given, key)) known[key] = given[key];
  return known;
}

/** What {@link Handshake} works with. @internal */
export interface HandshakeParts {
  /** The hub's instance id (never given to a client). */
  readonly hubId: string;
  /** The key of resume tokens. */
  readonly secret: string;
  readonly store: Store;
  /** The store's revision when the hub started (see `welcome`). */
  readonly startRev: number | undefined;
  /** The hub's wall clock (the `time` of `welcome`). */
  readonly now: () => number;
  readonly authorize: AccessRules | undefined;
  readonly appTypes: readonly AppType[] | undefined;
  readonly limits: ResolvedLimits;
  readonly identities: Identities;
  readonly ownership: Ownership;
  readonly presence: HubPresence;
  readonly logger: Logger;
  readonly refuse: Refuse;
  /** Closes a session that a resume replaced (its transport closed already). */
  readonly drop: (session: Session) => void;
}

/**
 * The hub's side of `hello`: picks the protocol version, gives an instance id (a fresh one, or
 * the resumed one for the right resume token), checks the attributes, the identity claim and the
 * app type, then welcomes the session and publishes its presence. Any refusal closes the
 * connection (4002 bad hello, 4003 forbidden). @internal
 *
 * @example
 * const handshake = new Handshake({ hubId, secret, store, startRev, now, authorize, appTypes, limits, identities, ownership, presence, logger, refuse, drop });
 * if (handshake.hello(session, hello)) processTheRestOfTheFrame();
 */
export class Handshake {
  constructor(private readonly parts: HandshakeParts) {}

  /**
   * Answers a `hello` with `welcome`, or refuses the connection.
   * @returns whether the session was welcomed.
   */
  hello(session: Session, hello: HelloMessage): boolean {
    const { parts } = this;
    const version = Math.max(...hello.versions.filter((v) => PROTOCOL_VERSIONS.includes(v)));
    if (!Number.isFinite(version)) {
      parts.refuse(
        session,
        new VersionError(`unsupported protocol versions ${hello.versions.join(',')}; this hub speaks ${PROTOCOL_VERSIONS.join(',')}`),
        4002,
      );
      return false;
    }
    const principal = session.info.principal as Principal | undefined;
    let id: string = randomUuid();
    let stale: Session | undefined;
    if (hello.resume) {
      const { id: claimed, token: presented } = hello.resume;
      const verified = claimed !== parts.hubId && verifyResumeToken(parts.secret, claimed, principal?.name, presented);
      if (!parts.identities.mayResume(session, claimed, verified)) return false;
      // The right token for a live id: the client lost that connection and the hub has not noticed
      // yet (a half-open socket). The new connection replaces it (below). Otherwise (a token this
      // hub's secret did not make, or made for another principal): a fresh id.
      if (verified) {
        stale = parts.identities.sessionOf(claimed);
        id = claimed;
      }
    }
    const token = resumeToken(parts.secret, id, principal?.name);
    let attributes: Readonly<Record<string, string>>;
    try {
      attributes = parseInstanceAttributes(knownAttributes(hello.attributes)) as Record<string, string>;
    } catch (error) {
      parts.refuse(session, error as VarspaceError, 4002);
      return false;
    }
    if (parts.authorize) session.access = new Access(principal, parts.authorize);
    if (
      attributes.identity !== undefined &&
      !parts.identities.mayCarry(session, { identity: attributes.identity, takeover: hello.takeover === true, stale, id })
    )
      return false;
    if (stale) {
      parts.logger.log('info', 'resumed-elsewhere', { instanceId: stale.id });
      stale.transport.close(4009, 'VS_FORBIDDEN resumed on a new connection');
      parts.drop(stale);
    }
    let appType: AppType | undefined;
    if (attributes.appType !== undefined && parts.appTypes) {
      appType = parts.appTypes.find((type) => type.name === attributes.appType);
      if (!appType) {
        parts.refuse(session, new ValidationError(`unknown app type ${attributes.appType}`), 4002);
        return false;
      }
    }
    parts.ownership.returned(id);
    session.welcome({ id, token, attributes, appType, bucket: new TokenBucket(parts.limits.messagesPerSecond, parts.limits.burst) });
    parts.identities.join(session);
    session.send({
      t: 'welcome',
      version,
      id,
      token,
      hub: parts.hubId,
      epoch: parts.store.epoch,
      ...(parts.startRev !== undefined ? { startRev: parts.startRev } : {}),
      time: parts.now(),
    });
    parts.presence.publish(session);
    parts.logger.log('info', 'join', { instanceId: id, attributes, principal: principal?.name, remoteAddress: session.info.remoteAddress });
    return true;
  }
}
