import {
  AbortedError,
  ClockSkewError,
  ClosedError,
  ConflictError,
  CycleError,
  ForbiddenError,
  InternalError,
  LimitError,
  NameError,
  NotFoundError,
  PortInUseError,
  ProtocolError,
  ReadOnlyError,
  ReservedNameError,
  StoreError,
  TimeoutError,
  UnauthenticatedError,
  UnmappedError,
  ValidationError,
  VarspaceError,
  VersionError,
  StoreUnavailableError,
  MissingPackageError,
  NoRespondersError,
  RemoteError,
} from './errors.js';

/** A typed error class, as the table holds it: its code, and a constructor of its instances. */
export type ErrorClass = { readonly code: string } & (new (...args: never[]) => VarspaceError);

/**
 * Every typed error class by its code, each code once (the class declares it): errors from the
 * wire are rebuilt from it (`remoteError`), and the README's error table lists every entry (a spec
 * checks both). A new error class in `errors.ts` is added here.
 */
export const ERROR_CLASSES: ReadonlyMap<string, ErrorClass> = new Map(
  [
    NameError,
    ReservedNameError,
    ValidationError,
    TimeoutError,
    AbortedError,
    ReadOnlyError,
    UnmappedError,
    ProtocolError,
    VersionError,
    ConflictError,
    ForbiddenError,
    UnauthenticatedError,
    LimitError,
    ClosedError,
    CycleError,
    StoreError,
    NotFoundError,
    PortInUseError,
    InternalError,
    ClockSkewError,
    StoreUnavailableError,
    MissingPackageError,
    NoRespondersError,
    RemoteError,
  ].map((errorClass): [string, ErrorClass] => [errorClass.code, errorClass]),
);
