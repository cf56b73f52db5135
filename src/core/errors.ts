/**
 * Base class of every error varspace throws or reports; `code` is stable (`VS_…`).
 *
 * @example
 * try { space.intern('bad name/x') } catch (e) { if (e instanceof VarspaceError) console.log(e.code) }
 */
export class VarspaceError extends Error {
  /** Stable machine-readable code, e.g. `VS_BAD_NAME`. */
  readonly code: string;
  /** Extra structured data about the failure (never secrets). */
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

/** A namespace name, FQN, token or pattern is malformed (`VS_BAD_NAME`). */
export class NameError extends VarspaceError {
  static readonly code = 'VS_BAD_NAME';

  constructor(message: string, details?: Record<string, unknown>) {
    super(NameError.code, message, details);
  }
}

/** A name in the reserved `$…` space was used by app code (`VS_RESERVED_NAME`). */
export class ReservedNameError extends VarspaceError {
  static readonly code = 'VS_RESERVED_NAME';

  constructor(name: string) {
    super(ReservedNameError.code, `"${name}" is reserved for the system (names beginning with "$")`, { name });
  }
}

/** A value was refused by a var's validator or a schema (`VS_INVALID_VALUE`). */
export class ValidationError extends VarspaceError {
  static readonly code = 'VS_INVALID_VALUE';

  constructor(message: string, details?: Record<string, unknown>) {
    super(ValidationError.code, message, details);
  }
}

/** `await` (or another wait) ran out of time (`VS_TIMEOUT`). */
export class TimeoutError extends VarspaceError {
  static readonly code = 'VS_TIMEOUT';

  constructor(message: string, details?: Record<string, unknown>) {
    super(TimeoutError.code, message, details);
  }
}

/** A wait was cancelled by its `AbortSignal` (`VS_ABORTED`). */
export class AbortedError extends VarspaceError {
  static readonly code = 'VS_ABORTED';

  constructor(message = 'aborted') {
    super(AbortedError.code, message);
  }
}

/** App code wrote to a read-only (derived or remote-owned) var (`VS_READ_ONLY`). */
export class ReadOnlyError extends VarspaceError {
  static readonly code = 'VS_READ_ONLY';

  constructor(fqn: string) {
    super(ReadOnlyError.code, `${fqn} is read-only`, { fqn });
  }
}

/** A write reached a var that was unmapped (`VS_UNMAPPED`); intern the FQN again for a new var. */
export class UnmappedError extends VarspaceError {
  static readonly code = 'VS_UNMAPPED';

  constructor(fqn: string) {
    super(UnmappedError.code, `${fqn} was unmapped; intern it again to get a new var`, { fqn });
  }
}

/** A wire frame or message failed validation (`VS_BAD_FRAME`); it was dropped and changed nothing. */
export class ProtocolError extends VarspaceError {
  static readonly code = 'VS_BAD_FRAME';

  constructor(message: string, details?: Record<string, unknown>) {
    super(ProtocolError.code, message, details);
  }
}

/** The peer speaks a protocol version this side does not support (`VS_UNSUPPORTED_VERSION`). */
export class VersionError extends VarspaceError {
  static readonly code = 'VS_UNSUPPORTED_VERSION';

  constructor(message: string, details?: Record<string, unknown>) {
    super(VersionError.code, message, details);
  }
}

/** A compare-and-set lost a race (`VS_CONFLICT`); `details` holds the current value and revision. */
export class ConflictError extends VarspaceError {
  static readonly code = 'VS_CONFLICT';

  constructor(message: string, details?: Record<string, unknown>) {
    super(ConflictError.code, message, details);
  }
}

/** The hub's rules do not allow this read or write (`VS_FORBIDDEN`). */
export class ForbiddenError extends VarspaceError {
  static readonly code = 'VS_FORBIDDEN';

  constructor(message: string, details?: Record<string, unknown>) {
    super(ForbiddenError.code, message, details);
  }
}

/** The hub refused the connection's credentials (`VS_UNAUTHENTICATED`). */
export class UnauthenticatedError extends VarspaceError {
  static readonly code = 'VS_UNAUTHENTICATED';

  constructor(message: string, details?: Record<string, unknown>) {
    super(UnauthenticatedError.code, message, details);
  }
}

/** A limit (frame size, rate, count, depth) was exceeded (`VS_LIMIT`). */
export class LimitError extends VarspaceError {
  static readonly code = 'VS_LIMIT';

  constructor(message: string, details?: Record<string, unknown>) {
    super(LimitError.code, message, details);
  }
}

/** The link or transport is closed, or closed before an answer came (`VS_CLOSED`). */
export class ClosedError extends VarspaceError {
  static readonly code = 'VS_CLOSED';

  constructor(message = 'closed', details?: Record<string, unknown>) {
    super(ClosedError.code, message, details);
  }
}

/** A derived var would depend on itself, directly or through other derived vars (`VS_CYCLE`). */
export class CycleError extends VarspaceError {
  static readonly code = 'VS_CYCLE';

  constructor(message: string, details?: Record<string, unknown>) {
    super(CycleError.code, message, details);
  }
}

/**
 * A durable store could not read or write its files, found them damaged and was told to refuse,
 * or is held by another process (`VS_STORE`). After a failed write the store refuses further writes.
 */
export class StoreError extends VarspaceError {
  static readonly code = 'VS_STORE';

  constructor(message: string, details?: Record<string, unknown>) {
    super(StoreError.code, message, details);
  }
}

/** A var or record that was asked for does not exist (`VS_NOT_FOUND`). */
export class NotFoundError extends VarspaceError {
  static readonly code = 'VS_NOT_FOUND';

  constructor(message: string, details?: Record<string, unknown>) {
    super(NotFoundError.code, message, details);
  }
}

/** `startHub` could not listen: another hub or program holds the port (`VS_PORT_IN_USE`). */
export class PortInUseError extends VarspaceError {
  static readonly code = 'VS_PORT_IN_USE';

  constructor(message: string, details?: Record<string, unknown>) {
    super(PortInUseError.code, message, details);
  }
}

/** Something failed that is not the caller's fault (`VS_INTERNAL`); details stay in the logs. */
export class InternalError extends VarspaceError {
  static readonly code = 'VS_INTERNAL';

  constructor(message = 'internal error', details?: Record<string, unknown>) {
    super(InternalError.code, message, details);
  }
}

/**
 * A write's stamp is further ahead of the hub's clock than the hub allows (`VS_CLOCK_SKEW`, see
 * the hub option `maxClockDriftMs`): it was refused and changed nothing.
 */
export class ClockSkewError extends VarspaceError {
  static readonly code = 'VS_CLOCK_SKEW';

  constructor(message: string, details?: Record<string, unknown>) {
    super(ClockSkewError.code, message, details);
  }
}

/**
 * A shared store (NATS JetStream) cannot be reached (`VS_STORE_UNAVAILABLE`): `natsStore` could not
 * connect within its timeout, or a running hub lost its NATS connection and refuses writes until it
 * comes back. Nothing was changed.
 */
export class StoreUnavailableError extends VarspaceError {
  static readonly code = 'VS_STORE_UNAVAILABLE';

  constructor(message: string, details?: Record<string, unknown>) {
    super(StoreUnavailableError.code, message, details);
  }
}

/** An optional package that a feature needs is not installed (`VS_MISSING_PACKAGE`); the message says what to install. */
export class MissingPackageError extends VarspaceError {
  static readonly code = 'VS_MISSING_PACKAGE';

  constructor(message: string, details?: Record<string, unknown>) {
    super(MissingPackageError.code, message, details);
  }
}

/** A request found no instance serving its name (`VS_NO_RESPONDERS`, answered at once, as NATS answers 503). */
export class NoRespondersError extends VarspaceError {
  static readonly code = 'VS_NO_RESPONDERS';

  constructor(message: string, details?: Record<string, unknown>) {
    super(NoRespondersError.code, message, details);
  }
}

/**
 * A service's handler threw (`VS_REMOTE`): `remoteCode` is the code it threw with (a
 * `VarspaceError`'s, an `Error`'s string `code`, or `VS_REMOTE`) and `message` its message;
 * never a stack.
 */
export class RemoteError extends VarspaceError {
  static readonly code = 'VS_REMOTE';

  constructor(message: string, details?: Record<string, unknown>) {
    super(RemoteError.code, message, details);
  }

  /** The code the handler threw with (in `details.code`). */
  get remoteCode(): string {
    return String(this.details?.code ?? RemoteError.code);
  }
}
