import type { AddressInfo } from "node:net";
import type { Gateway } from "../../src/gateway/gateway.ts";
import { buildGateway } from "../../src/gateway/gateway.ts";
import { bootstrapAdmin } from "../../src/cli/admin.ts";
import type { Logger } from "../../src/platform/logger.ts";
import { Platform } from "../../src/runtime/platform.ts";
import { allServices } from "../../src/services/index.ts";
import { kafkaBrokers, postgresUrl, testConfig, unique } from "../support/index.ts";

export const ADMIN = { email: "admin@ledgerline.test", password: "the keeper of the ledger, e2e" };

export interface Stack {
  readonly url: string;
  readonly platform: Platform;
  readonly gateway: Gateway;
  stop(): Promise<void>;
}

export type StackKind = "embedded" | "kafka+postgres";

/** Stack kinds this run can start: embedded always; Kafka + PostgreSQL when both are configured. */
export function stackKinds(): StackKind[] {
  return kafkaBrokers && postgresUrl ? ["embedded", "kafka+postgres"] : ["embedded"];
}

/**
 * The whole platform in this process, its gateway on 127.0.0.1 and an ephemeral port.
 * `options.log`: the logger every part writes to (the security suite captures log lines).
 */
export async function startStack(
  kind: StackKind,
  env: Record<string, string> = {},
  options: { log?: Logger } = {},
): Promise<Stack> {
  const distributed = kind === "kafka+postgres";
  const config = testConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    ARGON2_MEMORY_KIB: "8192",
    ARGON2_ITERATIONS: "1",
    LEDGERLINE_ADMIN_EMAIL: ADMIN.email,
    LEDGERLINE_ADMIN_PASSWORD: ADMIN.password,
    // Generous: a loaded 2-core CI machine can take seconds per hop; a timeout here is a 504, not a bug.
    REQUEST_TIMEOUT_MS: distributed ? "30000" : "20000",
    ...(distributed
      ? {
          KAFKA_BROKERS: kafkaBrokers!,
          DATABASE_URL: postgresUrl!,
          KAFKA_CLIENT_ID: unique("e2e"),
          // Stacks of test files running at once share the broker, never each other's groups.
          KAFKA_NAMESPACE: unique("e2e"),
        }
      : {}),
    ...env,
  });
  const platform = new Platform({
    config,
    services: allServices,
    inMemory: true,
    requester: true,
    ...(options.log ? { log: options.log } : {}),
    ...(distributed ? { schemaPrefix: `${unique("e2e")}_` } : {}),
  });
  await platform.start();
  const gateway = await buildGateway(platform);
  await platform.lifecycle.startPart({
    name: "gateway",
    start: () => gateway.start(),
    stop: () => gateway.stop(),
  });
  await gateway.app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = gateway.app.server.address() as AddressInfo;
  await bootstrapAdmin(platform);
  return { url: `http://127.0.0.1:${port}`, platform, gateway, stop: () => platform.stop() };
}

export interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
  headers: Headers;
}

/** A small HTTP client that keeps cookies like a browser and sends the CSRF header. */
export class Client {
  private readonly cookies = new Map<string, string>();
  bearer: string | undefined;

  constructor(private readonly base: string) {}

  async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const csrf = this.cookies.get("ll_csrf");
    const response = await fetch(this.base + path, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(cookie ? { cookie } : {}),
        ...(csrf && method !== "GET" ? { "x-csrf-token": csrf } : {}),
        ...(this.bearer ? { authorization: `Bearer ${this.bearer}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, ...rest] = (pair ?? "").split("=");
      if (!name) continue;
      const value = rest.join("=");
      if (value === "" || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    const text = await response.text();
    let parsed: Answer["body"];
    try {
      parsed = text ? (JSON.parse(text) as Answer["body"]) : {};
    } catch {
      parsed = { raw: text };
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }

  get = (path: string) => this.call("GET", path);
  post = (path: string, body: unknown = {}) => this.call("POST", path, body);
  patch = (path: string, body: unknown) => this.call("PATCH", path, body);
  delete = (path: string) => this.call("DELETE", path);

  hasSession(): boolean {
    return this.cookies.has("ll_session");
  }
}

/** The newest mail to `to` whose subject matches, from the dev mailbox (the SMTP catcher). */
export async function mailTo(
  base: string,
  to: string,
  subject: RegExp,
  after = 0,
): Promise<{ subject: string; links: string[]; text: string }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await fetch(`${base}/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`);
    const { messages } = (await response.json()) as {
      messages: { subject: string; links: string[]; text: string }[];
    };
    const matching = messages.filter((m) => subject.test(m.subject));
    if (matching.length > after) return matching[0]!;
    if (Date.now() > deadline)
      throw new Error(
        `no mail "${subject}" to ${to}; mailbox has: ${messages.map((m) => m.subject).join(", ")}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function tokenFrom(links: string[], path: string): string {
  const link = links.find((l) => l.includes(path));
  if (!link) throw new Error(`no ${path} link in ${links.join(", ")}`);
  return new URL(link).searchParams.get("token") ?? "";
}

/** Repeats `fn` until `done` says its answer is final (eventual consistency across services). */
export async function until(
  fn: () => Promise<Answer>,
  done: (a: Answer) => boolean,
  timeoutMs = 15_000,
): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await fn();
    if (done(answer) || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 50));
  }
}
