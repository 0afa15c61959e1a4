import type { z } from "zod";
import { getProfile, listUsers, registerUser } from "../../../src/contracts/accounts/index.ts";
import { activationConfirmed, confirmActivation } from "../../../src/contracts/activation/index.ts";
import type { TemplateData, TemplateName } from "../../../src/contracts/mailer/send-email.ts";
import { sendEmail } from "../../../src/contracts/mailer/send-email.ts";
import type { Contract } from "../../../src/messaging/contracts.ts";
import type { Envelope } from "../../../src/messaging/envelope.ts";
import { createEnvelope } from "../../../src/messaging/envelope.ts";
import type { CommandContract } from "../../../src/messaging/request-reply.ts";
import type { ServiceName } from "../../../src/platform/config.ts";
import type { Clock } from "../../../src/platform/clock.ts";
import { hashToken } from "../../../src/platform/secrets.ts";
import { Platform } from "../../../src/runtime/platform.ts";
import type { ServiceContext } from "../../../src/runtime/service-context.ts";
import { createAccountsService } from "../../../src/services/accounts/service.ts";
import { createActivationService } from "../../../src/services/activation/service.ts";
import { createPasswordService } from "../../../src/services/password/service.ts";
import { testConfig, unique, waitFor } from "../../support/index.ts";

/** Real time shifted by an offset the test moves: token lifetimes without sleeping. */
export class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  reset(): void {
    this.offsetMs = 0;
  }
}

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** A password the policy accepts (long, uncommon, not containing the email). */
export const strongPassword = (): string => `Harbor-${unique("lamp")}-Sunlit`;

export const newEmail = (prefix = "user"): string => `${unique(prefix)}@example.test`;

/**
 * accounts, activation and password on one platform (in-memory PGlite, embedded log), with a
 * requester as the gateway has, and a test clock shared by the three. The mailer does not run:
 * the send-email requests are read from the log.
 */
export class Harness {
  readonly clock = new TestClock();
  readonly platform: Platform;

  /** `sweepEveryMs`: the activation expiry timer, off unless asked for (tests call sweepExpired). */
  constructor(env: Record<string, string> = {}, options: { sweepEveryMs?: number } = {}) {
    this.platform = new Platform({
      config: testConfig({
        ARGON2_MEMORY_KIB: "8192",
        ARGON2_ITERATIONS: "1",
        PUBLIC_URL: "http://app.test",
        ...env,
      }),
      services: [
        createAccountsService({ clock: this.clock }),
        createActivationService({ clock: this.clock, sweepEveryMs: options.sweepEveryMs ?? 0 }),
        createPasswordService({ clock: this.clock }),
      ],
      inMemory: true,
      requester: true,
    });
  }

  start(): Promise<void> {
    return this.platform.start();
  }

  stop(): Promise<void> {
    return this.platform.stop();
  }

  context(service: ServiceName): ServiceContext {
    const ctx = this.platform.contexts.get(service);
    if (!ctx) throw new Error(`${service} is not running`);
    return ctx;
  }

  seal(secret: string): string {
    return this.platform.sealer.seal(secret);
  }

  request<Req extends z.ZodType, Res extends z.ZodType>(
    command: CommandContract<Req, Res>,
    key: string,
    payload: z.input<Req>,
  ): Promise<z.infer<Res>> {
    if (!this.platform.requester) throw new Error("no requester");
    return this.platform.requester.request(command, key, payload as z.infer<Req>);
  }

  /** Puts a fire-and-forget command (or an event) on the log, as the gateway would. */
  async send<S extends z.ZodType>(
    contract: Contract<S>,
    key: string,
    payload: z.infer<S>,
  ): Promise<Envelope> {
    const envelope = createEnvelope({
      type: contract.type,
      version: contract.version,
      key,
      payload,
      source: "test",
    });
    await this.platform.transport.publish([{ topic: contract.topic, key, envelope }]);
    return envelope;
  }

  /** Resolves once a service's consumers have handled the message (its inbox holds the id). */
  async handled(service: ServiceName, envelope: Envelope): Promise<void> {
    const db = await this.platform.databases.forService(service);
    await waitFor(`${service} to handle ${envelope.type}`, async () => {
      const rows = await db.query(
        `select 1 from "${this.platform.schemaOf(service)}".inbox where message_id = $1`,
        [envelope.id],
      );
      return rows.length > 0;
    });
  }

  /** Payloads of every message on a topic, of one type, in log order. */
  async messages<S extends z.ZodType>(contract: Contract<S>): Promise<z.infer<S>[]> {
    const deliveries = await this.platform.transport.read(contract.topic, { limit: 100_000 });
    return deliveries
      .filter((d) => d.envelope.type === contract.type)
      .map((d) => d.envelope.payload as z.infer<S>);
  }

  async mails<T extends TemplateName>(to: string, template: T): Promise<TemplateData<T>[]> {
    const all = await this.messages(sendEmail);
    return all.filter((m) => m.to === to && m.template === template).map((m) => m.data as TemplateData<T>);
  }

  /** Waits for the `count`-th mail of a template to one recipient and returns it. */
  async mail<T extends TemplateName>(to: string, template: T, count = 1): Promise<TemplateData<T>> {
    const mails = await waitFor(`${template} mail #${count} to ${to}`, async () => {
      const all = await this.mails(to, template);
      return all.length >= count ? all : undefined;
    });
    const mail = mails[count - 1];
    if (!mail) throw new Error("unreachable");
    return mail;
  }

  /** Opens a sealed link and returns the URL and the hash of its token (what the gateway sends). */
  openLink(sealedLink: string): { url: URL; token: string; tokenHash: string } {
    const url = new URL(this.platform.sealer.unseal(sealedLink));
    const token = url.searchParams.get("token");
    if (!token) throw new Error(`no token in ${url.pathname}`);
    return { url, token, tokenHash: hashToken(token) };
  }

  signUp(
    email: string,
    password: string,
    profile: { fullName?: string; phone?: string; address?: string } = {},
  ): Promise<Envelope> {
    return this.send(registerUser, email, { email, password: this.seal(password), ...profile });
  }

  /** The id of the (non-expired) user holding an email, once accounts has stored it. */
  async userIdOf(email: string): Promise<string> {
    return waitFor(`accounts to store ${email}`, async () => {
      const { users } = await this.request(listUsers, "test", { query: email, limit: 10 });
      return users.find((u) => u.email === email && u.status !== "EXPIRED")?.id;
    });
  }

  async waitForStatus(userId: string, status: string): Promise<void> {
    await waitFor(
      `user ${userId} to be ${status}`,
      async () => (await this.request(getProfile, userId, { userId })).status === status,
    );
  }

  /** The whole signup: register, the activation mail, its link redeemed, accounts ACTIVE. */
  async activeUser(
    email = newEmail(),
    password = strongPassword(),
  ): Promise<{ userId: string; email: string; password: string }> {
    await this.signUp(email, password);
    const { tokenHash } = this.openLink((await this.mail(email, "activation")).link);
    const { userId } = await this.request(confirmActivation, tokenHash, { tokenHash });
    await this.waitForStatus(userId, "ACTIVE");
    return { userId, email, password };
  }

  /**
   * An ACTIVE user through accounts' own contracts only: register-user, then activation.confirmed
   * put on the log as the activation service would (accounts tests do not depend on the saga).
   */
  async activatedInAccounts(
    email = newEmail(),
    password = strongPassword(),
  ): Promise<{ userId: string; email: string; password: string }> {
    await this.signUp(email, password);
    const userId = await this.userIdOf(email);
    await this.send(activationConfirmed, userId, { userId, email, at: new Date().toISOString() });
    await this.waitForStatus(userId, "ACTIVE");
    return { userId, email, password };
  }
}
