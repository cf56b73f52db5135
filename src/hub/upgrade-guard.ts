import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Principal } from './access.js';

/** What `authenticate` sees of a WebSocket upgrade request. */
export interface AuthRequest {
  readonly headers: IncomingHttpHeaders;
  /** The request URL (path and query). */
  readonly url: URL;
  /** The token from `Authorization: Bearer …`, `?token=…` or a `token.…` WebSocket subprotocol. */
  readonly token: string | undefined;
  readonly origin: string | undefined;
  readonly remoteAddress: string | undefined;
}

/**
 * Decides who a connection is, before the upgrade. Return a principal to let it in; return
 * nothing (or throw) to refuse it with HTTP 401.
 * @example authenticate: ({ token }) => (token === secret ? { name: 'ops', roles: ['admin'] } : undefined)
 */
export type Authenticate = (request: AuthRequest) => Principal | undefined | null | false | Promise<Principal | undefined | null | false>;

/** The subprotocol a varspace client offers (browsers can send a token only this way or in the URL). */
export const SUBPROTOCOL = 'varspace';
const TOKEN_PROTOCOL_PREFIX = 'token.';

/** Reads the request as `authenticate` sees it. */
export function authRequestOf(request: IncomingMessage): AuthRequest {
  const url = new URL(request.url ?? '/', 'http://hub.invalid');
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const fromProtocol = String(request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX))
    ?.slice(TOKEN_PROTOCOL_PREFIX.length);
  return {
    headers: request.headers,
    url,
    token: bearer ?? url.searchParams.get('token') ?? fromProtocol ?? undefined,
    origin: request.headers.origin,
    remoteAddress: request.socket.remoteAddress,
  };
}

/**
 * Cross-site WebSocket hijacking guard (sente's CVE-2019-1000022): with no list, a browser
 * `Origin` must name the host the request was sent to; with a list, it must be in it (`*`
 * allows any). Requests without `Origin` (not from a browser) pass.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowedOrigins: readonly string[] | undefined,
): boolean {
  if (origin === undefined) return true;
  if (allowedOrigins) return allowedOrigins.includes('*') || allowedOrigins.includes(origin);
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
