import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaTransport } from "../../src/messaging/kafka/kafka-transport.ts";
import { isDlqTopic } from "../../src/messaging/transport.ts";
import { MOCK_BROKER_FETCH_WAIT_MS, testLogger, unique, waitFor } from "../support/index.ts";
import type { Deployment } from "./support.ts";
import { call, deploy, distributed, findMail, metricValue, tokenIn } from "./support.ts";

const PASSWORD = "a ledger kept through outages";
const OUTAGE_MS = 10_000;

/** A minimal OTLP/HTTP (JSON) trace collector. */
async function startCollector() {
  const spans: { service: string; traceId: string; spanId: string; parentSpanId: string; name: string }[] =
    [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      try {
        const data = JSON.parse(body) as {
          resourceSpans?: {
            resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
            scopeSpans?: {
              spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string }[];
            }[];
          }[];
        };
        for (const rs of data.resourceSpans ?? []) {
          const service =
            rs.resource?.attributes?.find((a) => a.key === "service.name")?.value.stringValue ?? "?";
          for (const ss of rs.scopeSpans ?? [])
            for (const s of ss.spans ?? [])
              spans.push({
                service,
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? "",
                name: s.name,
              });
        }
      } catch {
        // not JSON: ignored
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Signs up, activates from the emailed link and signs in; returns the login answer. */
async function onboard(gateway: string, email: string, mailTimeoutMs = 60_000) {
  const mail = await findMail([gateway], email, /activ/i, mailTimeoutMs);
  expect(mail, `activation mail to ${email}`).toBeDefined();
  const token = tokenIn(mail![0]!.links, "/activate");
  expect((await call(gateway, "POST", "/api/v1/activation/confirm", { token })).status).toBe(200);
  const login = await waitFor(
    `login of ${email}`,
    async () => {
      const answer = await call(gateway, "POST", "/api/v1/login", { email, password: PASSWORD });
      return answer.status === 200 ? answer : undefined;
    },
    30_000,
  );
  return login;
}

describe.skipIf(!distributed)("broker outage: the mock broker down for 10 s", () => {
  let deployment: Deployment;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let gateway: string;

  beforeAll(async () => {
    collector = await startCollector();
    deployment = await deploy({
      name: "broker-outage",
      instances: { gateway: 1, accounts: 1, activation: 1, mailer: 1, login: 1 },
      env: { REQUEST_TIMEOUT_MS: "5000", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
    });
    gateway = deployment.gateways[0]!;
  }, 240_000);

  afterAll(async () => {
    await deployment?.stop();
    await collector?.close();
  }, 60_000);

  it("accepts signups during the outage, fails requests fast, and completes everything after", async () => {
    const before = `${unique("before")}@example.test`;
    expect(
      (await call(gateway, "POST", "/api/v1/signup", { email: before, password: PASSWORD })).status,
    ).toBe(202);
    await onboard(gateway, before);

    deployment.broker.down();
    const outageStarted = Date.now();
    await new Promise((r) => setTimeout(r, 500));

    // Fire-and-forget commands go to the gateway's outbox: accepted at once.
    const during = [1, 2, 3].map((i) => `${unique(`during${i}`)}@example.test`);
    for (const email of during) {
      const answer = await call(gateway, "POST", "/api/v1/signup", { email, password: PASSWORD });
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
      expect(answer.ms).toBeLessThan(2_000);
    }
    // Requests that need a reply fail fast (503 not sent, 504 unknown) instead of hanging.
    const logins = [];
    for (let i = 0; i < 3; i++) {
      const answer = await call(gateway, "POST", "/api/v1/login", { email: before, password: PASSWORD });
      logins.push({ status: answer.status, ms: answer.ms });
      expect([503, 504]).toContain(answer.status);
      expect(answer.ms).toBeLessThan(6_500);
    }
    console.log("logins during the outage:", JSON.stringify(logins));
    const ready = await call(gateway, "GET", "/readyz");
    expect(ready.status).toBe(503);
    expect(String((ready.body.checks as Record<string, string>)["transport:kafka"])).not.toBe("ok");
    const metrics = await fetch(`${gateway}/metrics`).then((r) => r.text());
    expect(metricValue(metrics, "ledgerline_outbox_backlog", { service: "gateway" })).toBeGreaterThanOrEqual(
      3,
    );

    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - outageStarted))));
    deployment.broker.up();
    const restored = Date.now();

    // Everything accepted during the outage completes once the broker is back.
    for (const email of during) await onboard(gateway, email, 90_000);
    console.log(
      `signups accepted during the outage activated and signed in ${Date.now() - restored} ms after it`,
    );
    expect((await call(gateway, "POST", "/api/v1/login", { email: before, password: PASSWORD })).status).toBe(
      200,
    );
    await waitFor("gateway outbox drained", async () => {
      const text = await fetch(`${gateway}/metrics`).then((r) => r.text());
      return metricValue(text, "ledgerline_outbox_backlog", { service: "gateway" }) === 0;
    });
    expect((await call(gateway, "GET", "/readyz")).status).toBe(200);

    // Nothing was dead-lettered: the outage cost time, not messages.
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

  it("follows one signup across services in one trace, in the exported spans and in every log", async () => {
    const traceId = randomBytes(16).toString("hex");
    const email = `${unique("traced")}@example.test`;
    const answer = await call(
      gateway,
      "POST",
      "/api/v1/signup",
      { email, password: PASSWORD },
      { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` },
    );
    expect(answer.status).toBe(202);
    await findMail([gateway], email, /activ/i, 60_000);
    const services = await waitFor(
      "spans of the gateway, accounts, activation and mailer",
      () => {
        const names = new Set(collector.spans.filter((s) => s.traceId === traceId).map((s) => s.service));
        return ["gateway", "accounts", "activation", "mailer"].every((s) => names.has(`ledgerline-${s}`))
          ? names
          : undefined;
      },
      20_000,
    );
    await new Promise((r) => setTimeout(r, 2_500)); // the exporters' batch delay: parents end last
    const spans = collector.spans.filter((s) => s.traceId === traceId);
    console.log(
      `trace ${traceId}: ${spans.length} spans from ${[...services].join(", ")}:\n` +
        spans
          .map((s) => `  ${s.service}: ${s.name} (${s.spanId} ← ${s.parentSpanId || "caller"})`)
          .join("\n"),
    );
    // One tree: every span's parent is another span of the trace, or the caller's.
    const ids = new Set(spans.map((s) => s.spanId));
    const roots = spans.filter((s) => !ids.has(s.parentSpanId));
    expect(roots.map((s) => s.service)).toEqual(["ledgerline-gateway"]);
    // Log lines written while handling it carry the trace id (the mailer logs every mail sent).
    expect(
      deployment.lines.some((l) => l.startsWith("[mailer#1]") && l.includes(`"traceId":"${traceId}"`)),
    ).toBe(true);
  }, 120_000);
});
