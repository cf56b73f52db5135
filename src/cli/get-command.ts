import { NotFoundError } from '../core/errors.js';
import { withLink } from './client-command.js';

/**
 * `varspace get <fqn>`: prints the hub's value of one var as JSON.
 * @throws {VarspaceError} `VS_NOT_FOUND` when the hub has no such var (the CLI checks the FQN first).
 */
export async function getCommand(fqn: string, url: string, print: (line: string) => void): Promise<void> {
  await withLink(url, async (link, space) => {
    await link.follow(fqn).synced;
    const found = space.resolve(fqn);
    if (!found?.bound) throw new NotFoundError(`${fqn} is not on the hub`, { fqn });
    print(JSON.stringify(found.deref()));
  });
}
