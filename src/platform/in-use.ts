/**
 * The process refuses to start, for a reason the operator can act on (something another process
 * holds, a database a newer version migrated). The command line says it in one line and exits
 * 2, as for a configuration error.
 */
export class RefusedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Something one process at a time may hold (a data directory, the embedded log) is held by another. */
export class InUseError extends RefusedError {}
