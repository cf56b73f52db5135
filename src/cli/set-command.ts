import { ValidationError } from '../core/errors.js';
import { withLink } from './client-command.js';

/**
 * Reads the `<json>` argument of `varspace set`.
 * @throws {ValidationError} when `text` is not JSON (a usage error: the CLI exits 2).
 * @example jsonArgument('{"mode":"dark"}') // { mode: 'dark' }
 */
export function jsonArgument(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(`not JSON: ${text} (quote strings: '"text"')`);
  }
}

/**
 * `varspace set <fqn> <json>`: writes a value (from {@link jsonArgument}) through the hub and prints its revision.
 * @throws the hub's typed errors when it refuses.
 */
export async function setCommand(fqn: string, value: unknown, url: string, print: (line: string) => void): Promise<void> {
  await withLink(url, async (link) => {
    const ack = await link.set(fqn, value);
    print(`ok ${fqn} rev ${ack.rev}`);
  });
}
