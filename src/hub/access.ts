import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { parseFqn, parsePattern } from '../core/names.js';
import { PatternTrie, patternsOverlap } from '../core/pattern-trie.js';
import { isToken } from '../identity/token.js';

/** Who a connection is, as `authenticate` returns it. */
export interface Principal {
  /** A name for logs, rules and `$sys.instances`. */
  readonly name: string;
  /** Roles that rules may name. */
  readonly roles?: readonly string[];
}

/**
 * What a principal or role may read (follow) and write (share, set, cas, unmap), as pattern
 * lists, and which logical identities (`attributes.identity`) it may carry.
 */
export interface AccessRule {
  readonly read?: readonly string[];
  readonly write?: readonly string[];
  /** Channels it may publish events to (and, for services, send requests to), as patterns. */
  readonly publish?: readonly string[];
  /**
   * Identities it may claim (and take over from another principal's instance): an exact identity
   * (`dashboard-prod`), a prefix ending in `*` (`dashboard-*`), or `*` (any). On a hub with
   * rules, an identity no key of the connection lists is refused (`VS_FORBIDDEN`, close 4003).
   */
  readonly identities?: readonly string[];
  /** Services (FQNs or patterns) it may serve (pattern list; on a hub without rules: all). */
  readonly serve?: readonly string[];
}

/**
 * Rules keyed by principal name or role; the key `*` applies to every connection, including
 * anonymous ones. A connection may do what any of its keys allows.
 * @example { '*': { read: ['public.>'] }, admin: { read: ['>', '$sys.>'], write: ['>'], identities: ['dashboard-*'] } }
 */
export type AccessRules = Readonly<Record<string, AccessRule>>;

const rulesSchema = z.record(
  z.string().min(1),
  z.strictObject({
    read: z.array(z.string()).optional(),
    write: z.array(z.string()).optional(),
    publish: z.array(z.string()).optional(),
    identities: z
      .array(z.string().refine(isIdentityPattern, 'an identity pattern is an identity, a prefix of one followed by *, or *'))
      .optional(),
    serve: z.array(z.string()).optional(),
  }),
);

/** `*`, an identity (one token), or an identity's prefix followed by `*`. */
function isIdentityPattern(pattern: string): boolean {
  if (pattern === '*') return true;
  return isToken(pattern.endsWith('*') ? pattern.slice(0, -1) : pattern);
}

/**
 * Checks access rules at the boundary (`startHub`): the shape and every pattern.
 * @throws {ValidationError} for a malformed rule set; {@link NameError} for a bad pattern.
 */
export function checkAccessRules(rules: unknown): AccessRules {
  const parsed = rulesSchema.safeParse(rules);
  if (!parsed.success)
    throw new ValidationError(`access rules: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  for (const rule of Object.values(parsed.data))
    for (const pattern of [...(rule.read ?? []), ...(rule.write ?? []), ...(rule.publish ?? []), ...(rule.serve ?? [])])
      parsePattern(pattern);
  return parsed.data;
}

/** One connection's permissions, decided once at `hello`. @internal */
export class Access {
  private readonly readTrie = new PatternTrie<true>();
  private readonly writeTrie = new PatternTrie<true>();
  private readonly publishTrie = new PatternTrie<true>();
  private readonly publishCache = new Map<string, boolean>();
  private readonly readPatterns: (readonly string[])[] = [];
  private readonly readCache = new Map<string, boolean>();
  private readonly identities: string[] = [];
  private readonly servePatterns: (readonly string[])[] = [];
  private readonly serveTrie = new PatternTrie<true>();

  constructor(principal: Principal | undefined, rules: AccessRules) {
    const keys = ['*', ...(principal ? [principal.name, ...(principal.roles ?? [])] : [])];
    for (const key of keys) {
      const rule = Object.prototype.hasOwnProperty.call(rules, key) ? rules[key] : undefined;
      for (const pattern of rule?.read ?? []) {
        const { tokens } = parsePattern(pattern);
        this.readTrie.add(tokens, true);
        this.readPatterns.push(tokens);
      }
      for (const pattern of rule?.write ?? []) this.writeTrie.add(parsePattern(pattern).tokens, true);
      for (const pattern of rule?.publish ?? []) this.publishTrie.add(parsePattern(pattern).tokens, true);
      this.identities.push(...(rule?.identities ?? []));
      for (const pattern of rule?.serve ?? []) {
        const { tokens } = parsePattern(pattern);
        this.serveTrie.add(tokens, true);
        this.servePatterns.push(tokens);
      }
    }
  }

  /** May this connection carry (claim, or take over) the logical identity `identity`? */
  canClaim(identity: string): boolean {
    return this.identities.some((pattern) => (pattern.endsWith('*') ? identity.startsWith(pattern.slice(0, -1)) : identity === pattern));
  }

  /** May this connection receive the var with these tokens? */
  canRead(fqn: string, tokens: readonly string[]): boolean {
    let allowed = this.readCache.get(fqn);
    if (allowed === undefined) {
      allowed = matchesAny(this.readTrie, tokens);
      this.readCache.set(fqn, allowed);
    }
    return allowed;
  }

  /** May this connection write the var with these tokens? */
  canWrite(tokens: readonly string[]): boolean {
    return matchesAny(this.writeTrie, tokens);
  }

  /**
   * May this connection publish to the channel `fqn` (a valid name: the caller parsed it)?
   * @example access.mayPublish('logs.api/error')
   */
  mayPublish(fqn: string): boolean {
    let allowed = this.publishCache.get(fqn);
    if (allowed === undefined) {
      allowed = matchesAny(this.publishTrie, parseFqn(fqn, { system: true }).tokens);
      this.publishCache.set(fqn, allowed);
    }
    return allowed;
  }

  /** May this connection serve the service with these tokens? */
  canServe(tokens: readonly string[]): boolean {
    return matchesAny(this.serveTrie, tokens);
  }

  /** May this connection register a service pattern: does it overlap anything it may serve? */
  canServePattern(patternTokens: readonly string[]): boolean {
    return this.servePatterns.some((allowed) => patternsOverlap(allowed, patternTokens));
  }

  /** May this connection follow a pattern: does it overlap anything it may read? */
  canFollow(patternTokens: readonly string[]): boolean {
    return this.readPatterns.some((allowed) => patternsOverlap(allowed, patternTokens));
  }
}

function matchesAny(trie: PatternTrie<true>, tokens: readonly string[]): boolean {
  let found = false;
  trie.forEachMatch(tokens, () => (found = true));
  return found;
}
