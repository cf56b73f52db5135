import { withLink } from './client-command.js';

/** `varspace ls [pattern]`: prints the FQN of every var on the hub matching `pattern`, one a line, sorted. */
export async function lsCommand(pattern: string, url: string, print: (line: string) => void): Promise<void> {
  await withLink(url, async (link, space) => {
    await link.follow(pattern).synced;
    for (const fqn of space
      .match(pattern)
      .map((v) => v.fqn)
      .sort())
      print(fqn);
  });
}
