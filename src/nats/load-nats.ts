import { MissingPackageError } from '../core/errors.js';

/** The optional peer packages `varspace/nats` needs. */
export const NATS_PACKAGES = ['@nats-io/transport-node', '@nats-io/kv', '@nats-io/jetstream'] as const;

/** The NATS modules `natsStore` uses, loaded on demand. @internal */
export interface NatsModules {
  readonly transport: typeof import('@nats-io/transport-node');
  readonly kv: typeof import('@nats-io/kv');
  readonly jetstream: typeof import('@nats-io/jetstream');
}

/** Imports a module by name (a parameter so that a spec can make one fail). */
export type Importer = (name: string) => Promise<unknown>;

const importModule: Importer = (name) => import(name);

/**
 * Loads the `@nats-io/*` packages with dynamic imports, so that `varspace` itself never loads NATS
 * and they can stay optional peer dependencies.
 * @param importer - how to import a module (default: `import()`).
 * @throws rejects with {@link MissingPackageError} naming the packages to install when one is missing.
 * @example const { transport, kv, jetstream } = await loadNats();
 */
export async function loadNats(importer: Importer = importModule): Promise<NatsModules> {
  try {
    const [transport, kv, jetstream] = await Promise.all(NATS_PACKAGES.map((name) => importer(name)));
    return { transport, kv, jetstream } as NatsModules;
  } catch (error) {
    throw new MissingPackageError(
      `varspace/nats needs the NATS client packages: npm install ${NATS_PACKAGES.join(' ')} (${(error as Error)?.message ?? error})`,
      { packages: [...NATS_PACKAGES] },
    );
  }
}
