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
  constructor(message: string, details?: Record<string, unknown>) {
    super('VS_BAD_NAME', message, details);
  }
}

/** A name in the reserved `$…` space was used by app code (`VS_RESERVED_NAME`). */
export class ReservedNameError extends VarspaceError {
  constructor(name: string) {
    super('VS_RESERVED_NAME', `"${name}" is reserved for the system (names beginning with "$")`, { name });
  }
}

/** A value was refused by a var's validator or a schema (`VS_INVALID_VALUE`). */
export class ValidationError extends VarspaceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VS_INVALID_VALUE', message, details);
  }
}

/** `await` (or another wait) ran out of time (`VS_TIMEOUT`). */
export class TimeoutError extends VarspaceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VS_TIMEOUT', message, details);
  }
}

/** A wait was cancelled by its `AbortSignal` (`VS_ABORTED`). */
export class AbortedError extends VarspaceError {
  constructor(message = 'aborted') {
    super('VS_ABORTED', message);
  }
}

/** App code wrote to a read-only (derived or remote-owned) var (`VS_READ_ONLY`). */
export class ReadOnlyError extends VarspaceError {
  constructor(fqn: string) {
    super('VS_READ_ONLY', `${fqn} is read-only`, { fqn });
  }
}

/** A write reached a var that was unmapped (`VS_UNMAPPED`); intern the FQN again for a new var. */
export class UnmappedError extends VarspaceError {
  constructor(fqn: string) {
    super('VS_UNMAPPED', `${fqn} was unmapped; intern it again to get a new var`, { fqn });
  }
}

/** A wire frame or message failed validation (`VS_BAD_FRAME`); it was dropped and changed nothing. */
export class ProtocolError extends VarspaceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VS_BAD_FRAME', message, details);
  }
}

/** The peer speaks a protocol version this side does not support (`VS_UNSUPPORTED_VERSION`). */
export class VersionError extends VarspaceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VS_UNSUPPORTED_VERSION', message, details);
  }
}

/** A compare-and-set lost a race (`VS_CONFLICT`); `details` holds the current value and revision. */
export class ConflictError extends VarspaceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VS_CONFLICT', message, details);
  }
}

/** The hub's rules do not allow this read or write (`VS_FORBIDDEN`). */
export class ForbiddenError extends VarspaceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VS_FORBIDDEN', message, details);
  }
}

/** The hub refused the connection's credentials (`VS_UNAUTHENTICATED`). */
export class UnauthenticatedError extends VarspaceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VS_UNAUTHENTICATED', message, details);
  }
}

/** A limit (frame size, rate, count, depth) was exceeded (`VS_LIMIT`). */
export class LimitError extends VarspaceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VS_LIMIT', message, details);
  }
}

/** The link or transport is closed, or closed before an answer came (`VS_CLOSED`). */
export class ClosedError extends VarspaceError {
  constructor(message = 'closed', details?: Record<string, unknown>) {
    super('VS_CLOSED', message, details);
  }
}

/** A derived var would depend on itself, directly or through other derived vars (`VS_CYCLE`). */
export class CycleError extends VarspaceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VS_CYCLE', message, details);
  }
}

/**
 * A durable store could not read or write its files, found them damaged and was told to refuse,
 * or is held by another process (`VS_STORE`). After a failed write the store refuses further writes.
 */
export class StoreError extends VarspaceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VS_STORE', message, details);
  }
}

/** A var or record that was asked for does not exist (`VS_NOT_FOUND`). */
export class NotFoundError extends VarspaceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VS_NOT_FOUND', message, details);
  }
}

/** `startHub` could not listen: another hub or program holds the port (`VS_PORT_IN_USE`). */
export class PortInUseError extends VarspaceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VS_PORT_IN_USE', message, details);
  }
}

/** Something failed that is not the caller's fault (`VS_INTERNAL`); details stay in the logs. */
export class InternalError extends VarspaceError {
  constructor(message = 'internal error', details?: Record<string, unknown>) {
    super('VS_INTERNAL', message, details);
  }
}

/**
 * A write's stamp is further ahead of the hub's clock than the hub allows (`VS_CLOCK_SKEW`, see
 * the hub option `maxClockDriftMs`): it was refused and changed nothing.
 */
export class ClockSkewError extends VarspaceError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VS_CLOCK_SKEW', message, details);
  }
}
