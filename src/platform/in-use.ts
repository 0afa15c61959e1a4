/**
 * Something one process at a time may hold (a data directory, the embedded log) is held by
 * another. The command line says it in one line and exits 2, as for a configuration error.
 */
export class InUseError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
