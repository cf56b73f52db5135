import { NameError, ReservedNameError } from './errors.js';

// The only module that splits name strings. Everything else works on its results.

const TOKEN = /^[A-Za-z0-9_][A-Za-z0-9_\-+!?']*$/;
const SYSTEM_TOKEN = /^\$[A-Za-z0-9_][A-Za-z0-9_\-+!?']*$/;
const FORBIDDEN_TOKENS = new Set(['__proto__', 'prototype', 'constructor']);

/** A parsed fully-qualified var name. */
export interface ParsedFqn {
  readonly fqn: string;
  readonly ns: string;
  readonly name: string;
  /** Namespace tokens followed by the name: `ui.buttons/b1` → `['ui', 'buttons', 'b1']`. */
  readonly tokens: readonly string[];
}

/** A parsed pattern: a token list where `*` and `>` are wildcards. */
export interface ParsedPattern {
  readonly source: string;
  readonly tokens: readonly string[];
  /** True when the pattern names one FQN (no wildcards). */
  readonly literal: boolean;
}

interface NameOptions {
  /** Allow `$`-prefixed (system) tokens. */
  readonly system?: boolean;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function checkToken(token: string, whole: string, what: string, options: NameOptions): void {
  if (token === '') {
    throw new NameError(`${what} ${describe(whole)} has an empty token`, { name: whole });
  }
  if (token.charCodeAt(0) === 36 /* $ */) {
    if (!SYSTEM_TOKEN.test(token)) {
      throw new NameError(`${what} ${describe(whole)}: token ${describe(token)} is not a valid token`, { name: whole, token });
    }
    if (!options.system) throw new ReservedNameError(whole);
    return;
  }
  if (!TOKEN.test(token)) {
    const hint =
      token === '*' || token === '>' || /[*>]/.test(token)
        ? ' (wildcards are allowed only in patterns, as whole tokens)'
        : " (a token is [A-Za-z0-9_] followed by [A-Za-z0-9_-+!?'], no spaces)";
    throw new NameError(`${what} ${describe(whole)}: token ${describe(token)} is not a valid token${hint}`, { name: whole, token });
  }
  if (FORBIDDEN_TOKENS.has(token)) {
    throw new NameError(`${what} ${describe(whole)}: token ${describe(token)} is forbidden`, { name: whole, token });
  }
}

function requireString(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') throw new NameError(`${what} must be a string, got ${typeof value}`);
  if (value === '') throw new NameError(`${what} is empty`);
}

/**
 * Parses a namespace name (`ui.buttons`) into its tokens.
 *
 * @throws {NameError} when the name is malformed; {@link ReservedNameError} for `$…` names unless `system`.
 * @example parseNs('ui.buttons') // ['ui', 'buttons']
 */
export function parseNs(name: string, options: NameOptions = {}): string[] {
  requireString(name, 'namespace name');
  if (name.includes('/')) throw new NameError(`namespace name ${describe(name)} must not contain "/"`, { name });
  const tokens = name.split('.');
  for (const token of tokens) checkToken(token, name, 'namespace name', options);
  return tokens;
}

/**
 * Parses a fully-qualified var name (`namespace/name`).
 *
 * @throws {NameError} naming the bad part; {@link ReservedNameError} for `$…` names unless `system`.
 * @example parseFqn('ui.buttons/b1').name // 'b1'
 */
export function parseFqn(fqn: string, options: NameOptions = {}): ParsedFqn {
  requireString(fqn, 'FQN');
  const slash = fqn.indexOf('/');
  if (slash < 0) throw new NameError(`FQN ${describe(fqn)} needs a namespace and a name: "namespace/name"`, { name: fqn });
  if (fqn.indexOf('/', slash + 1) >= 0) throw new NameError(`FQN ${describe(fqn)} has more than one "/"`, { name: fqn });
  const ns = fqn.slice(0, slash);
  const name = fqn.slice(slash + 1);
  if (ns === '') throw new NameError(`FQN ${describe(fqn)} has an empty namespace part`, { name: fqn });
  if (name === '') throw new NameError(`FQN ${describe(fqn)} has an empty var name part`, { name: fqn });
  const tokens = ns.split('.');
  for (const token of tokens) checkToken(token, fqn, 'FQN namespace of', options);
  checkToken(name, fqn, 'FQN var name of', options);
  tokens.push(name);
  return { fqn, ns, name, tokens };
}

// The whole-FQN check of the intern path, as one regular expression: V8 runs it over the string's
// characters in compiled code. Measured against the `charCodeAt` scan it replaced: about 45 vs
// 55 ns per 17-character name when the string is flat, 45 vs 90 ns when it is a flattened rope.
// `checkToken` stays the reference (and writes the error messages); the spec checks that the two
// accept the same names. A token is not one of the forbidden words (the lookahead), a system
// token is `$` followed by a token (forbidden words allowed, as in `checkToken`).
const TOKEN_BODY = "[A-Za-z0-9_][A-Za-z0-9_\\-+!?']*";
const NOT_FORBIDDEN = "(?!(?:__proto__|prototype|constructor)(?![A-Za-z0-9_\\-+!?']))";
function fqnPattern(token: string): RegExp {
  return new RegExp(`^(?:${token}\\.)*${token}/${token}$`);
}
const FQN = fqnPattern(`${NOT_FORBIDDEN}${TOKEN_BODY}`);
const SYSTEM_FQN = fqnPattern(`(?:\\$|${NOT_FORBIDDEN})${TOKEN_BODY}`);

/** One pass over a would-be FQN: the index of its `/` when valid, else -1. */
function scanFqn(fqn: string, system: boolean): number {
  return (system ? SYSTEM_FQN : FQN).test(fqn) ? fqn.indexOf('/') : -1;
}

/**
 * Validates an FQN in one pass and returns the index of its `/`, for hot paths that need no
 * token list; it accepts and refuses exactly what {@link parseFqn} does, with the same errors.
 * @internal
 */
export function checkFqn(fqn: string, options: NameOptions = {}): number {
  const slash = typeof fqn === 'string' ? scanFqn(fqn, options.system === true) : -1;
  if (slash > 0) return slash;
  parseFqn(fqn, options); // throws the descriptive error
  throw new NameError(`FQN ${describe(fqn)} is not valid`, { name: fqn });
}

/**
 * `name` itself, as a flat (sequential) string when V8 holds it as a rope. A name made by
 * concatenation (a template literal) is a rope: hashing it for a Map is fine, but each
 * `charCodeAt` or RegExp over it goes through the rope, and the first such read makes V8 build
 * a flat copy behind it. `normalize()` flattens and, for a string that is already in NFC (every
 * valid name: they are ASCII), returns that flat string itself. The content never changes: a
 * string that normalization would change comes back as it was. @internal
 */
export function flatName(name: string): string {
  if (typeof name !== 'string') return name;
  const flat = name.normalize();
  return flat === name ? flat : name;
}

/**
 * Parses a pattern (`ui.>`, `ui.buttons/*`, `*.buttons/*`, or a literal FQN).
 *
 * A pattern with `/` has a namespace part (tokens or `*`) and a name part (token or `*`);
 * without `/` it is matched against the FQN's whole token list, and `>` may end it.
 * `$…` tokens are allowed (reading system vars is a matter of permissions, not syntax).
 *
 * @throws {NameError} when the pattern is malformed.
 * @example parsePattern('ui.>').tokens // ['ui', '>']
 */
export function parsePattern(pattern: string): ParsedPattern {
  requireString(pattern, 'pattern');
  const slash = pattern.indexOf('/');
  let tokens: string[];
  if (slash >= 0) {
    if (pattern.indexOf('/', slash + 1) >= 0) throw new NameError(`pattern ${describe(pattern)} has more than one "/"`, { name: pattern });
    const ns = pattern.slice(0, slash);
    const name = pattern.slice(slash + 1);
    if (ns === '' || name === '') throw new NameError(`pattern ${describe(pattern)} has an empty part around "/"`, { name: pattern });
    tokens = ns.split('.');
    if (tokens.includes('>') || name === '>') {
      throw new NameError(`pattern ${describe(pattern)}: ">" is not allowed in a pattern with "/"; write "${ns.replace(/\.?>$/, '')}.>"`, {
        name: pattern,
      });
    }
    if (name.includes('.')) throw new NameError(`pattern ${describe(pattern)}: the name part after "/" is one token`, { name: pattern });
    tokens.push(name);
  } else {
    tokens = pattern.split('.');
  }
  let literal = true;
  tokens.forEach((token, i) => {
    if (token === '*') {
      literal = false;
      return;
    }
    if (token === '>') {
      if (i !== tokens.length - 1) throw new NameError(`pattern ${describe(pattern)}: ">" must be the last token`, { name: pattern });
      literal = false;
      return;
    }
    checkToken(token, pattern, 'pattern', { system: true });
  });
  if (literal && slash < 0) {
    // `a.b.c` is a valid pattern (it matches `a.b/c`) but needs two tokens to name a var.
    if (tokens.length < 2)
      throw new NameError(`pattern ${describe(pattern)} cannot match any var (a var needs a namespace and a name)`, { name: pattern });
  }
  return { source: pattern, tokens, literal };
}

/** Joins a namespace name and a var name into an FQN (both already valid). */
export function joinFqn(ns: string, name: string): string {
  return `${ns}/${name}`;
}

/** The parent namespace name of `a.b.c` (`a.b`), or `undefined` for a top-level namespace. */
export function parentNs(ns: string): string | undefined {
  const dot = ns.lastIndexOf('.');
  return dot < 0 ? undefined : ns.slice(0, dot);
}

/** True when a token (the first of a name) is a system `$…` token. */
export function isSystemToken(token: string): boolean {
  return token.charCodeAt(0) === 36;
}
