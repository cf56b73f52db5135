import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { parsePattern } from '../core/names.js';
import { PatternTrie, patternsOverlap } from '../core/pattern-trie.js';

/** Who a connection is, as `authenticate` returns it. */
export interface Principal {
  /** A name for logs, rules and `$sys.instances`. */
  readonly name: string;
  /** Roles that rules may name. */
  readonly roles?: readonly string[];
}

/** What a principal or role may read (follow) and write (share, set, cas, unmap), as pattern lists. */
export interface AccessRule {
  readonly read?: readonly string[];
  readonly write?: readonly string[];
}

/**
 * Rules keyed by principal name or role; the key `*` applies to every connection, including
 * anonymous ones. A connection may do what any of its keys allows.
 * @example { '*': { read: ['public.>'] }, admin: { read: ['>', '$sys.>'], write: ['>'] } }
 */
export type AccessRules = Readonly<Record<string, AccessRule>>;

const rulesSchema = z.record(
  z.string().min(1),
  z.strictObject({ read: z.array(z.string()).optional(), write: z.array(z.string()).optional() }),
);

/**
 * Checks access rules at the boundary (`startHub`): the shape and every pattern.
 * @throws {ValidationError} for a malformed rule set; {@link NameError} for a bad pattern.
 */
export function checkAccessRules(rules: unknown): AccessRules {
  const parsed = rulesSchema.safeParse(rules);
  if (!parsed.success) throw new ValidationError(`access rules: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  for (const rule of Object.values(parsed.data)) for (const pattern of [...(rule.read ?? []), ...(rule.write ?? [])]) parsePattern(pattern);
  return parsed.data;
}

/** One connection's permissions, decided once at `hello`. @internal */
export class Access {
  private readonly readTrie = new PatternTrie<true>();
  private readonly writeTrie = new PatternTrie<true>();
  private readonly readPatterns: (readonly string[])[] = [];
  private readonly readCache = new Map<string, boolean>();

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
    }
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
