import { readFileSync } from 'node:fs';
import * as api from '../../src/index.js';
import { remoteError } from '../../src/wire/remote-error.js';
import {
  AbortedError,
  ClockSkewError,
  ClosedError,
  ConflictError,
  CycleError,
  ForbiddenError,
  LimitError,
  NameError,
  NoRespondersError,
  PortInUseError,
  ProtocolError,
  ReadOnlyError,
  RemoteError,
  ReservedNameError,
  TimeoutError,
  UnauthenticatedError,
  UnmappedError,
  ValidationError,
  VarspaceError,
  VersionError,
} from '../../src/index.js';
import * as coreErrors from '../../src/core/errors.js';
// Not (yet) exported by the package; the hub and its stores use them.
import { InternalError, MissingPackageError, NotFoundError, StoreError, StoreUnavailableError } from '../../src/core/errors.js';
import { ERROR_CLASSES } from '../../src/core/error-classes.js';

// [class, code, an instance made as the library makes it]
const CASES: ReadonlyArray<readonly [abstract new (...args: never[]) => VarspaceError, string, VarspaceError]> = [
  [NameError, 'VS_BAD_NAME', new NameError('bad name "a b"', { name: 'a b' })],
  [ReservedNameError, 'VS_RESERVED_NAME', new ReservedNameError('$sys/x')],
  [ValidationError, 'VS_INVALID_VALUE', new ValidationError('app/n: value refused', { fqn: 'app/n' })],
  [TimeoutError, 'VS_TIMEOUT', new TimeoutError('app/n was not interned within 5 ms', { fqn: 'app/n' })],
  [AbortedError, 'VS_ABORTED', new AbortedError()],
  [ReadOnlyError, 'VS_READ_ONLY', new ReadOnlyError('app/derived')],
  [UnmappedError, 'VS_UNMAPPED', new UnmappedError('app/n')],
  [ProtocolError, 'VS_BAD_FRAME', new ProtocolError('bad frame')],
  [VersionError, 'VS_UNSUPPORTED_VERSION', new VersionError('no common version')],
  [ConflictError, 'VS_CONFLICT', new ConflictError('lost the race', { version: 3 })],
  [ForbiddenError, 'VS_FORBIDDEN', new ForbiddenError('not allowed')],
  [UnauthenticatedError, 'VS_UNAUTHENTICATED', new UnauthenticatedError('bad token')],
  [LimitError, 'VS_LIMIT', new LimitError('frame too large')],
  [ClosedError, 'VS_CLOSED', new ClosedError()],
  [CycleError, 'VS_CYCLE', new CycleError('a depends on itself')],
  [StoreError, 'VS_STORE', new StoreError('damaged store', { dir: '/tmp/store' })],
  [NotFoundError, 'VS_NOT_FOUND', new NotFoundError('no such var', { fqn: 'app/n' })],
  [PortInUseError, 'VS_PORT_IN_USE', new PortInUseError('port 7070 on 127.0.0.1 is in use', { host: '127.0.0.1', port: 7070 })],
  [InternalError, 'VS_INTERNAL', new InternalError()],
  [ClockSkewError, 'VS_CLOCK_SKEW', new ClockSkewError('app/n: stamp too far ahead', { fqn: 'app/n' })],
  [StoreUnavailableError, 'VS_STORE_UNAVAILABLE', new StoreUnavailableError('NATS connection lost', { fqn: 'app/n' })],
  [MissingPackageError, 'VS_MISSING_PACKAGE', new MissingPackageError('npm install @nats-io/kv', { packages: ['@nats-io/kv'] })],
  [NoRespondersError, 'VS_NO_RESPONDERS', new NoRespondersError('nobody serves calc/add', { fqn: 'calc/add' })],
  [RemoteError, 'VS_REMOTE', new RemoteError('division by zero', { code: 'DIV_ZERO', fqn: 'calc/div' })],
];

describe('errors', () => {
  test.each(CASES)('%p has code %s, is a VarspaceError and an Error, and names itself', (errorClass, code, error) => {
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toBeInstanceOf(VarspaceError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.name).toBe(errorClass.name);
    expect(error.message.length).toBeGreaterThan(0);
    expect(error.stack).toContain(errorClass.name);
  });

  test('messages and details name what went wrong', () => {
    expect(new ReservedNameError('$sys/x').message).toContain('$sys/x');
    expect(new ReservedNameError('$sys/x').details).toEqual({ name: '$sys/x' });
    expect(new ReadOnlyError('app/derived').message).toContain('app/derived');
    expect(new UnmappedError('app/n').details).toEqual({ fqn: 'app/n' });
    expect(new ConflictError('lost', { version: 3 }).details).toEqual({ version: 3 });
    expect(new AbortedError().message).toBe('aborted');
    expect(new ClosedError().message).toBe('closed');
    expect(new InternalError().message).toBe('internal error');
    expect(new LimitError('x').details).toBeUndefined();
  });

  test('codes are distinct', () => {
    const codes = CASES.map(([, code]) => code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  test('the table covers every error class of src/core/errors.ts', () => {
    const classes = Object.values(coreErrors).filter((value) => typeof value === 'function' && value !== VarspaceError);
    expect(classes.map((c) => c.name).sort()).toEqual(CASES.map(([c]) => c.name).sort());
  });

  test('every error class the package exports is in the table', () => {
    const exported = (Object.values(api) as unknown[]).filter(
      (value): value is abstract new (...args: never[]) => VarspaceError =>
        typeof value === 'function' && value.prototype instanceof VarspaceError,
    );
    const tested = new Set(CASES.map(([c]) => c));
    expect(exported.filter((c) => !tested.has(c)).map((c) => c.name)).toEqual([]);
  });

  test('the table of codes holds every class once, under the code its instances carry', () => {
    expect([...ERROR_CLASSES].map(([code, errorClass]) => [errorClass.name, code]).sort()).toEqual(
      CASES.map(([c, code]) => [c.name, code]).sort(),
    );
  });

  test.each(CASES)('an err from the wire with the code of %p becomes that class again', (errorClass, code) => {
    const error = remoteError({ t: 'err', code, message: 'refused there', fqn: 'app/n' });
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toBeInstanceOf(VarspaceError);
    expect(error.name).toBe(errorClass.name);
    expect(error.code).toBe(code);
    expect(error.message).toBe('refused there');
    expect(error.details).toEqual({ fqn: 'app/n' });
    expect(error.stack).toContain(errorClass.name);
  });

  test('an err with an unknown code stays a VarspaceError with that code', () => {
    const error = remoteError({ t: 'err', code: 'VS_SOMETHING_NEW', message: 'new' });
    expect(Object.getPrototypeOf(error)).toBe(VarspaceError.prototype);
    expect(error).toMatchObject({ code: 'VS_SOMETHING_NEW', message: 'new', name: 'VarspaceError' });
  });

  test("the README's error table lists every code of the table, with its class", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = new Set([...readme.matchAll(/^\| `(VS_[A-Z_]+)` \| `(\w+)` \|/gm)].map(([, code, name]) => `${code} ${name}`));
    const missing = [...ERROR_CLASSES].map(([code, errorClass]) => `${code} ${errorClass.name}`).filter((row) => !rows.has(row));
    expect(missing).toEqual([]);
  });

  test('the base class keeps a code and a message', () => {
    const error = new VarspaceError('VS_SOMETHING', 'something happened', { a: 1 });
    expect(error.code).toBe('VS_SOMETHING');
    expect(error.name).toBe('VarspaceError');
    expect(error.details).toEqual({ a: 1 });
  });
});
