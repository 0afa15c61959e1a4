import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaTransport } from "../../src/messaging/kafka/kafka-transport.ts";
import { isDlqTopic } from "../../src/messaging/transport.ts";
import { CuttableProxy } from "../support/cuttable-proxy.ts";
import { postgresUrl, MOCK_BROKER_FETCH_WAIT_MS, testLogger, unique, waitFor } from "../support/index.ts";
import type { Deployment } from "./support.ts";
import { call, deploy, distributed, findMail, metricValue, tokenIn } from "./support.ts";

const PASSWORD = "a ledger kept through outages";
const OUTAGE_MS = 10_000;

async function signupAndActivate(gateway: string, email: string): Promise<void> {
  expect((await call(gateway, "POST", "/api/v1/signup", { email, password: PASSWORD })).status).toBe(202);
  const mail = await findMail([gateway], email, /activ/i, 60_000);
  expect(mail, `activation mail to ${email}`).toBeDefined();
  const token = tokenIn(mail![0]!.links, "/activate");
  expect((await call(gateway, "POST", "/api/v1/activation/confirm", { token })).status).toBe(200);
}

describe.skipIf(!distributed)("database outage: login's PostgreSQL unreachable for 10 s", () => {
  let deployment: Deployment;
  let proxy: CuttableProxy;
  let gateway: string;

  beforeAll(async () => {
    // login's connections go through the proxy; the other services connect directly.
    proxy = await CuttableProxy.before(postgresUrl!);
    deployment = await deploy({
      name: "database-outage",
      instances: { gateway: 1, accounts: 1, activation: 1, mailer: 1, login: 1 },
      env: { REQUEST_TIMEOUT_MS: "5000" },
      databaseUrlFor: (service, url) => (service === "login" ? proxy.through(url) : url),
    });
    gateway = deployment.gateways[0]!;
  }, 240_000);

  afterAll(async () => {
    await deployment?.stop();
    await proxy?.stop();
  }, 60_000);

  it("keeps the other services working, and login catches up once its database is back", async () => {
    const before = `${unique("before")}@example.test`;
    await signupAndActivate(gateway, before);
    await waitFor(
      "login before the outage",
      async () => {
        return (
          (await call(gateway, "POST", "/api/v1/login", { email: before, password: PASSWORD })).status === 200
        );
      },
      30_000,
    );

    await proxy.cut();
    const cutAt = Date.now();
    await new Promise((r) => setTimeout(r, 500));

    // login cannot work: its requests fail within the request timeout; it says it is not ready.
    const refused = await call(gateway, "POST", "/api/v1/login", { email: before, password: PASSWORD });
    expect([503, 504]).toContain(refused.status);
    expect(refused.ms).toBeLessThan(6_500);
    const login = deployment.member("login#1");
    const accounts = deployment.member("accounts#1");
    const loginReady = await call(`http://127.0.0.1:${login.port}`, "GET", "/readyz");
    expect(loginReady.status).toBe(503);
    expect((await call(`http://127.0.0.1:${accounts.port}`, "GET", "/readyz")).status).toBe(200);

    // Everything else goes on: a signup is accepted, mailed, and activated during the outage.
    const during = `${unique("during")}@example.test`;
    await signupAndActivate(gateway, during);
    const otherServicesMs = Date.now() - cutAt;
    console.log(
      `a signup was accepted, mailed and activated ${otherServicesMs} ms into login's database outage`,
    );

    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - cutAt))));
    await proxy.restore();
    const restoredAt = Date.now();

    // login catches up: the user activated during the outage can sign in, and so can the other.
    // Until its credentials view has caught up it answers 503 (or, between the user's two
    // credentials events, 403 not active), never a wrong 401: that counts toward a lock, and the
    // right password tried again and again locked the account.
    const answers = new Map<number, number>();
    await waitFor(
      "login of the user activated during the outage",
      async () => {
        const { status } = await call(gateway, "POST", "/api/v1/login", {
          email: during,
          password: PASSWORD,
        });
        answers.set(status, (answers.get(status) ?? 0) + 1);
        return status === 200;
      },
      60_000,
    );
    const tally = [...answers].map(([status, n]) => `${status}: ${n}`).join(", ");
    console.log(`login caught up ${Date.now() - restoredAt} ms after its database came back (${tally})`);
    expect(
      [...answers.keys()].filter((s) => s === 401 || s === 423),
      tally,
    ).toEqual([]);
    expect((await call(gateway, "POST", "/api/v1/login", { email: before, password: PASSWORD })).status).toBe(
      200,
    );
    expect((await call(`http://127.0.0.1:${login.port}`, "GET", "/readyz")).status).toBe(200);
    const metrics = await fetch(`http://127.0.0.1:${login.port}/metrics`).then((r) => r.text());
    expect(
      metricValue(metrics, "ledgerline_messages_handled_total", { outcome: "unavailable" }),
    ).toBeGreaterThan(0);
    // Consumer lag per group and topic, read from the broker at scrape time.
    expect(metrics).toMatch(/^ledgerline_consumer_lag\{group="login\.[a-z.-]+",topic="[a-z._-]+"\} \d+$/m);
    expect(metricValue(metrics, "ledgerline_outbox_backlog", { service: "login" })).toBe(0);

    // The messages that waited were not dead-lettered.
    const transport = new KafkaTransport({
      brokers: [deployment.broker.bootstrap],
      clientId: unique("dlq-check"),
      log: testLogger(),
      fetchWaitMs: MOCK_BROKER_FETCH_WAIT_MS,
    });
    await transport.start();
    try {
      const dlq = (await transport.listTopics()).filter((t) => isDlqTopic(t.topic));
      const counts = await Promise.all(
        dlq.map(async (t) => [t.topic, (await transport.read(t.topic)).length]),
      );
      expect(counts.filter(([, n]) => Number(n) > 0)).toEqual([]);
    } finally {
      await transport.stop();
    }
  }, 240_000);
});
