/**
 * Errors are data: a stable UPPER_SNAKE code, a message safe to show a client, the HTTP
 * status it maps to, and whether retrying the same work can help. Consumers decide between
 * retry and dead-letter from `canRetry`, never from message text.
 */
export interface ErrorSpec {
  readonly message: string;
  readonly status: number;
  readonly canRetry?: boolean;
}

export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly canRetry: boolean;
  readonly details: readonly ErrorDetail[] | undefined;
  /** Extra response headers, e.g. Retry-After. */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(
    code: string,
    spec: ErrorSpec,
    options: {
      message?: string;
      details?: readonly ErrorDetail[];
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(options.message ?? spec.message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = spec.status;
    this.canRetry = spec.canRetry ?? false;
    this.details = options.details;
    this.headers = options.headers;
  }

  toJSON(): SerializedError {
    return {
      code: this.code,
      message: this.message,
      status: this.status,
      canRetry: this.canRetry,
      ...(this.details ? { details: this.details } : {}),
      ...(this.headers ? { headers: this.headers } : {}),
    };
  }
}

/** The wire form of an error, as carried in replies and dead letters. */
export interface SerializedError {
  code: string;
  message: string;
  status: number;
  canRetry: boolean;
  details?: readonly ErrorDetail[];
  headers?: Readonly<Record<string, string>>;
}

export type ErrorFactory = ((options?: ConstructorParameters<typeof AppError>[2]) => AppError) & {
  readonly code: string;
  readonly spec: ErrorSpec;
  is(error: unknown): error is AppError;
};

/** Every code declared through defineErrors, for the catalog test and the docs. */
export const errorCatalog = new Map<string, ErrorSpec & { owner: string }>();

/**
 * Declares one owner's error codes in one place:
 *   export const errors = defineErrors("login", { INVALID_CREDENTIALS: { status: 401, message: "…" } });
 *   throw errors.INVALID_CREDENTIALS();
 */
export function defineErrors<const T extends Record<string, ErrorSpec>>(
  owner: string,
  specs: T,
): { readonly [K in keyof T]: ErrorFactory } {
  const out: Record<string, ErrorFactory> = {};
  for (const [code, spec] of Object.entries(specs)) {
    const existing = errorCatalog.get(code);
    if (existing && (existing.status !== spec.status || existing.owner !== owner)) {
      throw new Error(`error code ${code} declared twice (${existing.owner} and ${owner})`);
    }
    errorCatalog.set(code, { ...spec, owner });
    const factory = ((options?: ConstructorParameters<typeof AppError>[2]) =>
      new AppError(code, spec, options)) as ErrorFactory;
    Object.assign(factory, {
      code,
      spec,
      is: (error: unknown): error is AppError => error instanceof AppError && error.code === code,
    });
    out[code] = factory;
  }
  return out as { readonly [K in keyof T]: ErrorFactory };
}

/** Rebuilds an AppError from its wire form (a reply from another service). */
export function fromSerialized(error: SerializedError): AppError {
  return new AppError(
    error.code,
    { message: error.message, status: error.status, canRetry: error.canRetry },
    {
      ...(error.details ? { details: error.details } : {}),
      ...(error.headers ? { headers: { ...error.headers } } : {}),
    },
  );
}

/** Platform-wide codes, used by every service and by the gateway. */
export const platformErrors = defineErrors("platform", {
  VALIDATION_FAILED: { status: 400, message: "The request is not valid." },
  NOT_FOUND: { status: 404, message: "Nothing is here." },
  PAYLOAD_TOO_LARGE: { status: 413, message: "The request body is too large." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "The request body must be JSON." },
  UNAUTHENTICATED: { status: 401, message: "Sign in first." },
  FORBIDDEN: { status: 403, message: "You are not allowed to do this." },
  CSRF_INVALID: {
    status: 403,
    message: "The CSRF token is missing or wrong; reload the page and try again.",
  },
  RATE_LIMITED: { status: 429, message: "Too many requests; try again later.", canRetry: true },
  UPSTREAM_TIMEOUT: { status: 504, message: "The service did not answer in time.", canRetry: true },
  UNAVAILABLE: { status: 503, message: "The service is unavailable; try again shortly.", canRetry: true },
  INTERNAL: { status: 500, message: "Something went wrong on our side." },
  CONTRACT_VIOLATION: { status: 500, message: "A message did not match its contract." },
});

/** Whether a retry of the same work can help: AppErrors say so; unknown errors are assumed transient. */
export function canRetry(error: unknown): boolean {
  if (error instanceof AppError) return error.canRetry;
  return true;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof AppError) return error.toJSON();
  const message = error instanceof Error ? error.message : String(error);
  return { code: "INTERNAL", message, status: 500, canRetry: true };
}
