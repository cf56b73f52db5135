import type { z, ZodType } from 'zod';
import { ValidationError } from '../core/errors.js';
import { joinFqn, parseNs } from '../core/names.js';
import type { Space } from '../core/space.js';
import { checkValue } from '../core/validator.js';
import type { Var } from '../core/var.js';
import { parseToken } from './token.js';

/** The resources of an app type: for each resource name (a token), a zod schema of its value. */
export type AppResources = Readonly<Record<string, ZodType>>;

/** The contract of a kind of process: its name and one schema per resource. Frozen. */
export interface AppType<R extends AppResources = AppResources> {
  readonly name: string;
  readonly resources: R;
  /** The payload schema of each channel it publishes to, by the channel's last token (see {@link AppTypeOptions}). */
  readonly channels?: AppResources;
  /** Its services' contracts by service name (the last token of the FQN), checked by the hub on requests and replies. */
  readonly services?: ServiceContracts;
}

/** The contract of a service: zod schemas of its requests and of its replies. */
export interface ServiceContract {
  readonly request: ZodType;
  readonly reply: ZodType;
}

/** Service contracts by service name (a token: the last token of the services' FQNs). */
export type ServiceContracts = Readonly<Record<string, ServiceContract>>;

/** What an app type declares beside its vars (`defineAppType`'s third argument). */
export interface AppTypeOptions {
  /**
   * Channel name (one token: the last token of the channels it publishes to, as a resource is of
   * its var) → zod schema of an event's payload; a hub refuses an event its instances publish
   * that the schema refuses (`VS_INVALID_VALUE`).
   */
  readonly channels?: AppResources;
  /** Services its instances serve: name → `{ request, reply }` schemas; a hub checks each request and reply (`VS_INVALID_VALUE`). */
  readonly services?: ServiceContracts;
}

/** The vars `instantiate` returns: one `Var` per resource, typed by its schema. */
export type AppVars<R extends AppResources> = { readonly [K in keyof R]: Var<z.infer<R[K]>> };

/** The initial values `instantiate` takes: one per resource, typed by its schema. */
export type AppInitial<R extends AppResources> = { readonly [K in keyof R]: z.infer<R[K]> };

const defined = new WeakSet<object>();

function isSchema(value: unknown): value is ZodType {
  return value !== null && typeof value === 'object' && typeof (value as ZodType).safeParse === 'function';
}

/**
 * Defines an app type: the contract of a kind of process (“all dashboard-servers have
 * app-state and user-prefs”), as one zod schema per resource. Use schemas that check without
 * transforming: vars keep the values they are given.
 *
 * @param name the app type's name, one token (e.g. `dashboard-server`).
 * @param resources resource name (one token; it becomes a var name) → zod schema.
 * @param options.channels channel name (one token) → zod schema of the events published there.
 * @param options `services`: service name (one token) → `{ request, reply }` zod schemas.
 * @throws {NameError} for a bad name, resource or service name; {@link ValidationError} when a resource or contract is not a zod schema.
 * @example
 * const Dashboard = defineAppType('dashboard-server', {
 *   'app-state': z.object({ status: z.enum(['starting', 'up']) }),
 *   'user-prefs': z.object({ theme: z.enum(['light', 'dark']) }),
 * }, {
 *   channels: { clicks: z.object({ x: z.number(), y: z.number() }) },
 *   services: { add: { request: z.tuple([z.number(), z.number()]), reply: z.number() } },
 * });
 */
export function defineAppType<const R extends AppResources>(name: string, resources: R, options: AppTypeOptions = {}): AppType<R> {
  parseToken(name, 'app type name');
  const copy = checkSchemas(name, 'resource', resources);
  const channels = options.channels === undefined ? undefined : checkSchemas(name, 'channel', options.channels);
  const appType: AppType<R> = Object.freeze({
    name,
    resources: copy as R,
    ...(channels === undefined ? {} : { channels }),
    ...(options.services === undefined ? {} : { services: checkServiceContracts(name, options.services) }),
  });
  defined.add(appType);
  return appType;
}

/** The `kind` schemas of app type `name`, checked (token names, zod schemas) and frozen. */
function checkSchemas(name: string, kind: string, schemas: AppResources): AppResources {
  if (schemas === null || typeof schemas !== 'object' || Array.isArray(schemas))
    throw new ValidationError(`app type ${name}: ${kind}s must be an object of zod schemas`, { appType: name });
  const copy: Record<string, ZodType> = {};
  for (const [key, schema] of Object.entries(schemas)) {
    parseToken(key, `app type ${name}: ${kind} name`);
    if (!isSchema(schema))
      throw new ValidationError(`app type ${name}: ${kind} ${key} must be a zod schema`, { appType: name, [kind]: key });
    copy[key] = schema;
  }
  return Object.freeze(copy);
}

/** A copy of `services`, frozen, each name a token and each schema a zod schema. */
function checkServiceContracts(appType: string, services: ServiceContracts): ServiceContracts {
  const copy: Record<string, ServiceContract> = {};
  for (const [service, contract] of Object.entries(services ?? {})) {
    parseToken(service, `app type ${appType}: service name`);
    if (!isSchema(contract?.request) || !isSchema(contract?.reply))
      throw new ValidationError(`app type ${appType}: service ${service} needs zod schemas request and reply`, { appType, service });
    copy[service] = Object.freeze({ request: contract.request, reply: contract.reply });
  }
  return Object.freeze(copy);
}

/**
 * Interns one var per resource of `appType` under the namespace `nsName` (`nsName/resource`),
 * each with the resource's schema as validator, and returns them typed. Like `defonce`, a var
 * that already exists and is bound keeps its value (which must pass the schema); the others
 * get their value from `initial`. Everything is checked before anything is created, and the
 * values are set in one transaction.
 *
 * @param space where to intern the vars.
 * @param appType from {@link defineAppType}.
 * @param nsName the namespace for this instance's resources, e.g. `dashboard.prod`.
 * @param initial one value per resource (checked against its schema).
 * @returns `{ [resource]: Var<z.infer<schema>> }`, frozen.
 * @throws {NameError} for a bad `nsName`; {@link ValidationError} for a value the schema refuses, a missing or unknown key, or an `appType` not made by `defineAppType`.
 * @example
 * const app = instantiate(space, Dashboard, 'dashboard.prod', { 'app-state': { status: 'starting' }, 'user-prefs': { theme: 'dark' } });
 * app['app-state'].reset({ status: 'up' });
 */
export function instantiate<R extends AppResources>(space: Space, appType: AppType<R>, nsName: string, initial: AppInitial<R>): AppVars<R> {
  if (!defined.has(appType)) throw new ValidationError('instantiate: appType must come from defineAppType');
  parseNs(nsName);
  if (initial === null || typeof initial !== 'object') {
    throw new ValidationError(`instantiate ${appType.name} at ${nsName}: initial must be an object with one value per resource`, {
      appType: appType.name,
    });
  }
  const resources = Object.entries(appType.resources as Record<string, ZodType>);
  for (const key of Object.keys(initial)) {
    if (!Object.prototype.hasOwnProperty.call(appType.resources, key)) {
      throw new ValidationError(
        `instantiate ${appType.name} at ${nsName}: unknown resource "${key}" (resources: ${resources.map(([r]) => r).join(', ')})`,
        {
          appType: appType.name,
          resource: key,
        },
      );
    }
  }
  const plan = resources.map(([resource, schema]) => {
    const fqn = joinFqn(nsName, resource);
    const existing = space.resolve(fqn);
    if (existing?.bound) {
      checkValue(fqn, schema, existing.deref());
      return { resource, schema, fqn, keep: true, value: undefined as unknown };
    }
    if (!Object.prototype.hasOwnProperty.call(initial, resource)) {
      throw new ValidationError(`instantiate ${appType.name} at ${nsName}: missing initial value for resource "${resource}"`, {
        appType: appType.name,
        resource,
        fqn,
      });
    }
    const value = (initial as Record<string, unknown>)[resource];
    checkValue(fqn, schema, value);
    return { resource, schema, fqn, keep: false, value };
  });
  const vars: Record<string, Var<any>> = {};
  space.transact(() => {
    for (const step of plan) {
      const target = space.intern<unknown>(step.fqn);
      if (!step.keep) target.reset(step.value);
      target.setValidator(step.schema);
      vars[step.resource] = target;
    }
  });
  return Object.freeze(vars) as AppVars<R>;
}
