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
    const hint = token === '*' || token === '>' || /[*>]/.test(token)
      ? ' (wildcards are allowed only in patterns, as whole tokens)'
      : ' (a token is [A-Za-z0-9_] followed by [A-Za-z0-9_-+!?\'], no spaces)';
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

// Token characters by char code: 1 may start a token, 2 may only follow. Used by the one-pass
// scanner of the intern path; `checkToken` stays the reference (and writes the error messages).
const TOKEN_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9_]/.test(ch)) TOKEN_CHAR[c] = 1;
  else if ("-+!?'".includes(ch)) TOKEN_CHAR[c] = 2;
}
const DOT = 46;
const SLASH = 47;
const DOLLAR = 36;

function isTokenStart(code: number): boolean {
  return code < 128 && TOKEN_CHAR[code] === 1;
}

function tokenEndsWell(fqn: string, start: number, end: number): boolean {
  const length = end - start;
  if (length === 0) return false;
  // Only the forbidden words have these lengths worth a slice: `__proto__`, `prototype`, `constructor`.
  return (length !== 9 && length !== 11) || !FORBIDDEN_TOKENS.has(fqn.slice(start, end));
}

/** One pass over a would-be FQN: the index of its `/` when valid, else -1. */
function scanFqn(fqn: string, system: boolean): number {
  const length = fqn.length;
  let slash = -1;
  let tokenStart = 0;
  for (let i = 0; i < length; i++) {
    const code = fqn.charCodeAt(i);
    if (code === DOT || code === SLASH) {
      if (!tokenEndsWell(fqn, tokenStart, i)) return -1;
      if (slash >= 0) return -1; // a second "/", or a "." in the name part
      if (code === SLASH) slash = i;
      tokenStart = i + 1;
    } else if (i === tokenStart) {
      if (code === DOLLAR) {
        if (!system || i + 1 >= length || !isTokenStart(fqn.charCodeAt(i + 1))) return -1;
        i++;
      } else if (!isTokenStart(code)) return -1;
    } else if (code >= 128 || TOKEN_CHAR[code] === 0) return -1;
  }
  return slash >= 0 && tokenEndsWell(fqn, tokenStart, length) ? slash : -1;
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
      throw new NameError(`pattern ${describe(pattern)}: ">" is not allowed in a pattern with "/"; write "${ns.replace(/\.?>$/, '')}.>"`, { name: pattern });
    }
    if (name.includes('.')) throw new NameError(`pattern ${describe(pattern)}: the name part after "/" is one token`, { name: pattern });
    tokens.push(name);
  } else {
    tokens = pattern.split('.');
  }
  let literal = true;
  tokens.forEach((token, i) => {
    if (token === '*') { literal = false; return; }
    if (token === '>') {
      if (i !== tokens.length - 1) throw new NameError(`pattern ${describe(pattern)}: ">" must be the last token`, { name: pattern });
      literal = false;
      return;
    }
    checkToken(token, pattern, 'pattern', { system: true });
  });
  if (literal && slash < 0) {
    // `a.b.c` is a valid pattern (it matches `a.b/c`) but needs two tokens to name a var.
    if (tokens.length < 2) throw new NameError(`pattern ${describe(pattern)} cannot match any var (a var needs a namespace and a name)`, { name: pattern });
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
