import { ValidationError } from '../core/errors.js';
import { withLink } from './client-command.js';

/**
 * `varspace set <fqn> <json>`: writes a value through the hub and prints its revision.
 * @throws {ValidationError} when `json` is not JSON; the hub's typed errors when it refuses.
 */
export async function setCommand(fqn: string, json: string, url: string, print: (line: string) => void): Promise<void> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ValidationError(`not JSON: ${json} (quote strings: '"text"')`);
  }
  await withLink(url, async (link) => {
    const ack = await link.set(fqn, value);
    print(`ok ${fqn} rev ${ack.rev}`);
  });
}
