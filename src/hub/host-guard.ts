import { ValidationError } from '../core/errors.js';

// What a Host header may hold: a name, IPv4 or bracketed IPv6, and a port. Anything else (`@`, `/`,
// spaces) is no host a browser sends, and would make URL parsing read a different host.
const HOST_CHARS = /^[a-z0-9._~\-[\]:]+$/i;
const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** The host name of a Host header (or an `allowedHosts` entry): lower case, IPv6 without brackets, no trailing dot. */
function hostnameOf(host: string): string | undefined {
  if (!HOST_CHARS.test(host)) return undefined;
  try {
    // URL parsing normalizes the forms a browser would also normalize (`127.1`, `0x7f.0.0.1`, `LOCALHOST`).
    const name = new URL(`http://${host}`).hostname;
    return name.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

/** True for a loopback host name or address: `localhost`, `127.x.x.x`, `::1`. */
export function isLoopbackHost(name: string): boolean {
  const host = name.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host === '::1' || IPV4_LOOPBACK.test(host);
}

/**
 * Checks `allowedHosts`: host names, IPv4 or IPv6 addresses, without a port (`*`: any host).
 * @returns the entries as `hostGuard` compares them.
 * @throws {ValidationError} for an entry with a port or that is no host name.
 * @example checkAllowedHosts(['hub.example', '10.0.0.5']) // ['hub.example', '10.0.0.5']
 */
export function checkAllowedHosts(entries: readonly string[]): string[] {
  return entries.map((entry) => {
    if (entry === '*') return entry;
    // An IPv6 address may be given bare (`fe80::1`); a single colon can only start a port.
    const host = !entry.startsWith('[') && entry.split(':').length > 2 ? `[${entry}]` : entry;
    const name = /^\[[^\]]*\]:|^[^[:]*:/.test(host) ? undefined : hostnameOf(host);
    if (!name)
      throw new ValidationError(
        `allowedHosts: ${JSON.stringify(entry)} is not a host name without a port (e.g. "hub.example"; any port is accepted)`,
        { entry },
      );
    return name;
  });
}

/**
 * The DNS-rebinding guard: a page from `evil.example` whose name was rebound to 127.0.0.1 reaches
 * a loopback hub with `Host: evil.example` (its Origin matches that Host, so the origin check
 * passes). Returns whether a request's `Host` header is acceptable:
 * - a loopback Host (`localhost`, `127.x.x.x`, `[::1]`, any port) always is;
 * - a name in `allowedHosts` (any port) is; `*` there accepts any Host;
 * - any other is refused by a hub bound to a loopback address, and by any hub given `allowedHosts`;
 *   a hub bound elsewhere without `allowedHosts` accepts it (its names are not known to it).
 * A request without `Host` (HTTP/1.0, not a browser) passes.
 * @param boundAddress the address the server listens on.
 * @param allowedHosts checked entries (see {@link checkAllowedHosts}).
 * @example hostGuard('127.0.0.1', undefined)('evil.example:7070') // false
 */
export function hostGuard(boundAddress: string, allowedHosts: readonly string[] | undefined): (host: string | undefined) => boolean {
  const allowed = allowedHosts ? new Set(checkAllowedHosts(allowedHosts)) : undefined;
  if (allowed?.has('*')) return () => true;
  const othersPass = !allowed && !isLoopbackHost(boundAddress);
  return (host) => {
    if (host === undefined || othersPass) return true;
    const name = hostnameOf(host);
    return name !== undefined && (isLoopbackHost(name) || allowed?.has(name) === true);
  };
}
