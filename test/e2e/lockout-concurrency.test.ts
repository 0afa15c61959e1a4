import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdmin } from "../../src/contracts/accounts/index.ts";
import { login } from "../../src/contracts/login/index.ts";
import { createEnvelope } from "../../src/messaging/envelope.ts";
import { newToken } from "../../src/platform/ids.ts";
import { hashToken } from "../../src/platform/secrets.ts";
import { Platform } from "../../src/runtime/platform.ts";
import { LoginRepository } from "../../src/services/login/db/repository.ts";
import { loginService } from "../../src/services/login/service.ts";
import { testConfig, unique, waitFor } from "../support/index.ts";
import type { Stack, StackKind } from "./stack.ts";
import { Client, stackKinds, startStack } from "./stack.ts";

async function verifications(platforms: Platform[]): Promise<number> {
  let total = 0;
  for (const platform of platforms) {
    const metric = platform.metrics.registry.getSingleMetric("ledgerline_password_verifications_total");
    total += metric ? (await metric.get()).values.reduce((sum, v) => sum + v.value, 0) : 0;
  }
  return total;
}

/**
 * The lock threshold is exact: 50 parallel wrong passwords against one account, with two
 * `login` instances in one consumer group, verify exactly 5 passwords; the rest get 423.
 */
describe.each(stackKinds())("exact lock threshold under parallel attempts (%s)", (kind: StackKind) => {
  let stack: Stack;
  let second: Platform;

  beforeAll(async () => {
    stack = await startStack(kind);
    const shared = stack.platform;
    // A second login instance in the same group: on Kafka its own client, on the embedded log
    // the same log and database (as a second process would share Kafka and PostgreSQL).
    second = new Platform({
      config: kind === "embedded" ? shared.config : testConfig(pick(shared)),
      services: [loginService],
      ...(kind === "embedded"
        ? { transport: shared.transport, databases: shared.databases }
        : { inMemory: true }),
      ...(kind === "embedded" ? {} : { schemaPrefix: shared.schemaOf("login").replace(/login$/, "") }),
    });
    await second.start();
  }, 180_000);

  afterAll(async () => {
    await second?.stop();
    await stack?.stop();
  });

  it("verifies exactly 5 passwords and answers 423 to the rest", { timeout: 120_000 }, async () => {
    const email = `${unique("target")}@example.test`;
    const password = "the one right answer here";
    const { platform } = stack;
    await platform.requester!.request(createAdmin, email, {
      email,
      password: platform.sealer.seal(password),
    });
    const client = new Client(stack.url);
    // Waits for login's view to hold the account without logging in: a right password tried
    // before the view has it is a failure, and five of them would lock the account.
    await untilLoginKnows(platform, email);
    expect((await client.post("/api/v1/login", { email, password })).status).toBe(200);
    const [first, other] = [platform.contexts.get("login")!, second.contexts.get("login")!];
    expect(first).toBeDefined();
    expect(other).toBeDefined();
    // Two members of each of login's groups, each holding some partitions of every topic, and
    // no rebalance for a while: the second instance's joins rebalance all seven groups, and
    // while the broker coordinates a rebalance (seconds on the test broker, longer when the
    // cores are busy) the parallel attempts would wait out their deadline behind it.
    await untilGroupsSettle([first, other], 90_000);
    const before = await verifications([platform, second]);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        new Client(stack.url).post("/api/v1/login", { email, password: `wrong ${i}` }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 423)).toHaveLength(45);
    expect((await verifications([platform, second])) - before).toBe(5);
    for (const a of answers.filter((x) => x.status === 423))
      expect(a.body.error?.code).toBe("ACCOUNT_LOCKED");
  });

  it("verifies a password once when its login command is delivered twice", { timeout: 120_000 }, async () => {
    const email = `${unique("twice")}@example.test`;
    const password = "the one right answer again";
    const { platform } = stack;
    const requester = platform.requester!;
    await requester.request(createAdmin, email, { email, password: platform.sealer.seal(password) });
    const client = new Client(stack.url);
    await untilLoginKnows(platform, email);
    expect((await client.post("/api/v1/login", { email, password })).status).toBe(200);
    const attempt = (guess: string) => ({
      email,
      password: platform.sealer.seal(guess),
      sessionTokenHash: hashToken(newToken()),
      ip: "127.0.0.1",
      userAgent: "test",
    });
    const before = await verifications([platform, second]);
    // One command delivered twice, as a redelivery after a crash before the offset commit would.
    const envelope = createEnvelope({
      type: login.request.type,
      version: login.request.version,
      key: email,
      payload: attempt("a wrong guess, delivered twice"),
      replyTo: requester.replyTopic,
      deadline: new Date(Date.now() + 60_000),
      source: "test",
    });
    for (let i = 0; i < 2; i++)
      await platform.transport.publish([{ topic: login.request.topic, key: email, envelope }]);
    // A later attempt for the same email is handled after both (one key, one partition, in order).
    await expect(requester.request(login, email, attempt("another wrong guess"))).rejects.toMatchObject({
      code: "INVALID_CREDENTIALS",
    });
    expect((await verifications([platform, second])) - before).toBe(2);
  });
});

/** Resolves once login's credentials view holds the account (read from its database, no login). */
async function untilLoginKnows(platform: Platform, email: string): Promise<void> {
  const ctx = platform.contexts.get("login")!;
  const repo = new LoginRepository(ctx.schema);
  await waitFor(
    `login's credentials view to hold ${email}`,
    async () => (await repo.credentialsByEmail(ctx.db, email)) !== undefined,
    30_000,
  );
}

/**
 * Resolves once every topic any of the contexts consumes has partitions held by each of them,
 * no partition by two, and the assignments have not changed for three seconds: a rebalance
 * clears a member's partitions within one heartbeat (500 ms), so this spans several.
 */
async function untilGroupsSettle(contexts: { assignment(): string[] }[], timeoutMs: number): Promise<void> {
  const stableMs = 3_000;
  const settled = () => {
    const held = contexts.map((ctx) => ctx.assignment());
    const all = held.flat();
    const topics = new Set(all.map((p) => p.slice(0, p.lastIndexOf(":"))));
    const split = [...topics].every((t) => held.every((mine) => mine.some((p) => p.startsWith(`${t}:`))));
    return split && new Set(all).size === all.length ? JSON.stringify(held) : undefined;
  };
  let seen: string | undefined;
  let since = Date.now();
  await waitFor(
    "every group of the instances to settle, each holding partitions of every topic",
    () => {
      const now = settled();
      if (now !== seen) [seen, since] = [now, Date.now()];
      return now !== undefined && Date.now() - since >= stableMs;
    },
    timeoutMs,
  );
}

/** The Kafka and PostgreSQL settings of a running platform, for a second instance. */
function pick(platform: Platform): Record<string, string> {
  const c = platform.config;
  return {
    ...(c.KAFKA_BROKERS ? { KAFKA_BROKERS: c.KAFKA_BROKERS } : {}),
    ...(c.KAFKA_NAMESPACE ? { KAFKA_NAMESPACE: c.KAFKA_NAMESPACE } : {}),
    ...(c.DATABASE_URL ? { DATABASE_URL: c.DATABASE_URL } : {}),
    LEDGERLINE_SECRET: c.LEDGERLINE_SECRET ?? "",
    ARGON2_MEMORY_KIB: String(c.ARGON2_MEMORY_KIB),
    ARGON2_ITERATIONS: String(c.ARGON2_ITERATIONS),
  };
}
