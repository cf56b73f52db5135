import { MissingPackageError } from '../core/errors.js';

/** The optional peer packages `varspace/nats` needs. */
export const NATS_PACKAGES = ['@nats-io/transport-node', '@nats-io/kv', '@nats-io/jetstream'] as const;

/** Imports a module by name (a parameter so that a spec can make one fail). */
export type Importer = (name: string) => Promise<unknown>;

const importModule: Importer = (name) => import(name);

/**
 * Loads the `@nats-io/*` packages with dynamic imports, so that `varspace` itself never loads NATS
 * and they can stay optional peer dependencies.
 * @param importer - how to import a module (default: `import()`).
 * @returns the modules of {@link NATS_PACKAGES}, in that order (typed by their one user, `natsStore`:
 *   the published types of `varspace/nats` name no optional package).
 * @throws rejects with {@link MissingPackageError} naming the packages to install when one is missing.
 * @example const [transport, kv, jetstream] = await loadNats();
 */
export async function loadNats(importer: Importer = importModule): Promise<unknown[]> {
  try {
    return await Promise.all(NATS_PACKAGES.map((name) => importer(name)));
  } catch (error) {
    throw new MissingPackageError(
      `varspace/nats needs the NATS client packages: npm install ${NATS_PACKAGES.join(' ')} (${(error as Error)?.message ?? error})`,
      { packages: [...NATS_PACKAGES] },
    );
  }
}
