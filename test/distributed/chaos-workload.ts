import { randomUUID } from "node:crypto";
import type { Answer } from "./support.ts";
import { call, findMail, tokenIn } from "./support.ts";

/**
 * The chaos workload: virtual users who sign up, activate from the emailed link, sign in, issue
 * invoices, and reset their password, against any gateway, retrying what failed.
 *
 * How an answer counts:
 * - 2xx: acknowledged. The effect must exist at the end (else it is lost).
 * - 503: not done (the gateway could not hand the command over). Retried.
 * - 504 or no answer at all (a gateway killed mid-request, a timeout): the outcome is unknown —
 *   a lost acknowledgement. Retried idempotently where the API allows it (invoices carry an
 *   Idempotency-Key; a second signup of the same email only mails "already registered"; a token
 *   already redeemed answers TOKEN_INVALID). An operation whose every answer was unknown is
 *   counted as "unacknowledged": it may or may not have taken effect, but never twice.
 */
export interface UserRecord {
  readonly email: string;
  password: string;
  signup: Outcome;
  /** Activation: confirmed (200), or redeemed by an attempt whose answer was lost (then TOKEN_INVALID). */
  activation: Outcome & { mailMissing?: boolean };
  loggedIn: boolean;
  readonly invoices: (Outcome & { key: string })[];
  forgot: Outcome;
  reset: Outcome & { mailMissing?: boolean };
  /** Signed in with the new password after the reset. */
  resetVerified: boolean;
  /** What stopped the journey early, if anything. */
  stoppedAt?: string;
  /** Milliseconds each step took. */
  readonly steps: Record<string, number>;
}

export interface Outcome {
  acked: boolean;
  attempts: number;
  /** Attempts whose outcome is unknown (504 or no answer). */
  unknown: number;
}

const outcome = (): Outcome => ({ acked: false, attempts: 0, unknown: 0 });

export interface WorkloadOptions {
  readonly gateways: readonly string[];
  /** The run's unique part of every email. */
  readonly tag: string;
  /** How long one step may keep retrying before the journey gives up on it. */
  readonly stepTimeoutMs: number;
  readonly invoicesPerUser: number;
}

export class Workload {
  readonly users: UserRecord[] = [];
  private next = 0;
  private counter = 0;
  /** Every answer's status, for the report. */
  readonly statuses = new Map<string, number>();

  constructor(private readonly options: WorkloadOptions) {}

  /** Until when a gateway that gave no answer is avoided (a client's load balancer would). */
  private readonly avoidUntil = new Map<string, number>();

  private gateway(): string {
    const { gateways } = this.options;
    for (let i = 0; i < gateways.length; i++) {
      const candidate = gateways[this.next++ % gateways.length]!;
      if ((this.avoidUntil.get(candidate) ?? 0) < Date.now()) return candidate;
    }
    return gateways[this.next++ % gateways.length]!;
  }

  private async send(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const gateway = this.gateway();
    const answer = await call(gateway, method, path, body, headers, 15_000);
    if (answer.status === 0) this.avoidUntil.set(gateway, Date.now() + 3_000);
    const key = `${answer.status || "no answer"}${answer.body.error ? ` ${answer.body.error.code}` : ""}`;
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
    return answer;
  }

  /**
   * Repeats a request until `done` says its answer is final; 503, 504, 5xx and lost answers are
   * retried (on the next gateway). Returns the final answer, or undefined after the step timeout.
   */
  private async retry(
    record: Outcome,
    attempt: () => Promise<Answer>,
    final: (a: Answer) => boolean = (a) => a.status >= 200 && a.status < 300,
  ): Promise<Answer | undefined> {
    const deadline = Date.now() + this.options.stepTimeoutMs;
    while (Date.now() < deadline) {
      const answer = await attempt();
      record.attempts++;
      if (answer.status === 0 || answer.status === 504) record.unknown++;
      if (answer.status >= 200 && answer.status < 300) record.acked = true;
      if (final(answer)) return answer;
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 400));
    }
    return undefined;
  }

  /** One user's journey; never throws (what went wrong is recorded). */
  async journey(): Promise<UserRecord> {
    const n = ++this.counter;
    const user: UserRecord = {
      email: `chaos-${this.options.tag}-${n}@example.test`,
      password: `chaos ledger number ${n} v1`,
      signup: outcome(),
      activation: outcome(),
      loggedIn: false,
      invoices: [],
      forgot: outcome(),
      reset: outcome(),
      resetVerified: false,
      steps: {},
    };
    this.users.push(user);
    let stepStart = Date.now();
    const step = (name: string): void => {
      user.steps[name] = Date.now() - stepStart;
      stepStart = Date.now();
    };
    const stop = (step: string): UserRecord => {
      user.stoppedAt = step;
      return user;
    };
    const { email } = user;
    const gateways = this.options.gateways;

    const signedUp = await this.retry(user.signup, () =>
      this.send("POST", "/api/v1/signup", { email, password: user.password }),
    );
    if (!signedUp) return stop("signup");
    step("signup");

    const mail = await findMail(gateways, email, /^Activate/, this.options.stepTimeoutMs * 2);
    if (!mail) {
      user.activation.mailMissing = true;
      return stop("activation mail");
    }
    step("activation mail");
    const token = tokenIn(mail[0]!.links, "/activate");
    const confirmed = await this.retry(
      user.activation,
      () => this.send("POST", "/api/v1/activation/confirm", { token }),
      (a) => (a.status >= 200 && a.status < 300) || (a.status === 400 && user.activation.unknown > 0),
    );
    if (!confirmed) return stop("activation");
    step("activation");

    const bearer = await this.login(user);
    if (!bearer) return stop("login");
    user.loggedIn = true;
    step("login");
    if (!user.activation.acked) user.activation.acked = true; // a redeemed token, confirmed by the login

    for (let i = 0; i < this.options.invoicesPerUser; i++) {
      const invoice = { ...outcome(), key: randomUUID() };
      user.invoices.push(invoice);
      const issued = await this.retry(invoice, () =>
        this.send(
          "POST",
          "/api/v1/invoices",
          {
            customer: { name: `Customer ${n}.${i}` },
            items: [{ description: "Ledger keeping", quantity: 1 + i, unitPriceCents: 12_345 }],
            currency: "EUR",
            taxRatePercent: 20,
          },
          { authorization: `Bearer ${bearer}`, "idempotency-key": invoice.key },
        ),
      );
      if (!issued) return stop("invoice");
    }
    step("invoices");

    // A reset request for an account the password service does not know as ACTIVE yet (its view
    // lags) mails nothing, by design; a user would ask again, and so does this one.
    let resetMail: { subject: string; links: string[] }[] | undefined;
    const resetDeadline = Date.now() + this.options.stepTimeoutMs * 2;
    while (!resetMail && Date.now() < resetDeadline) {
      const forgot = await this.retry(user.forgot, () =>
        this.send("POST", "/api/v1/password/forgot", { email }),
      );
      if (!forgot) return stop("forgot");
      resetMail = await findMail(gateways, email, /^Reset/, 20_000);
    }
    if (!resetMail) {
      user.reset.mailMissing = true;
      return stop("reset mail");
    }
    step("reset mail");
    // A second request voids the first token: on TOKEN_INVALID use the newest mail's token.
    const newPassword = `chaos ledger number ${n} v2`;
    let reset: Answer | undefined;
    const deadline = Date.now() + this.options.stepTimeoutMs;
    while (!reset && Date.now() < deadline) {
      const newest = (await findMail(gateways, email, /^Reset/, 10_000)) ?? resetMail;
      const resetToken = tokenIn(newest[0]!.links, "/reset");
      const answer = await this.retry(
        user.reset,
        () => this.send("POST", "/api/v1/password/reset", { token: resetToken, password: newPassword }),
        (a) => (a.status >= 200 && a.status < 300) || a.status === 400,
      );
      if (!answer) break;
      if (answer.status !== 400 || user.reset.unknown > 0) reset = answer;
      else await new Promise((r) => setTimeout(r, 1_000));
    }
    if (!reset) return stop("reset");
    step("reset");
    user.password = newPassword;
    user.resetVerified = (await this.login(user)) !== undefined;
    if (user.resetVerified) user.reset.acked = true;
    step("login after reset");
    return user;
  }

  /** Signs in, waiting for login's view to know the account (ACCOUNT_NOT_ACTIVE, INVALID_CREDENTIALS). */
  private async login(user: UserRecord): Promise<string | undefined> {
    const record = outcome();
    const answer = await this.retry(
      record,
      () => this.send("POST", "/api/v1/login", { email: user.email, password: user.password }),
      (a) => a.status === 200,
    );
    return answer?.body.token as string | undefined;
  }
}
