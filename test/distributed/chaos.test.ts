import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Member } from "../../src/cli/cluster.ts";
import { checkConsistency, formatReport } from "./chaos-checker.ts";
import type { Report } from "./chaos-checker.ts";
import { Workload } from "./chaos-workload.ts";
import type { Deployment } from "./support.ts";
import { deploy, distributed } from "./support.ts";

/**
 * Chaos: every service as its own processes (two gateways, two of login and of invoicing, one of
 * each other service) on the mock broker and PostgreSQL, each service as its own database role.
 * Virtual users sign up, activate, sign in, issue invoices and reset their password against both
 * gateways while a driver `kill -9`s a random process every few seconds (the supervisor starts
 * it again a second later). Then the workload drains and a checker reads every service's tables.
 *
 * Timings: on the mock broker a consumer group whose member died waits the session timeout (6 s)
 * before it rebalances, and a restarted process takes a few seconds to start on two cores; so a
 * kill every ~6 s keeps part of the platform always recovering, and steps retry for up to 60 s.
 */
const CHAOS_MS = Number(process.env.CHAOS_SECONDS ?? 90) * 1_000;
const KILL_EVERY_MS = Number(process.env.CHAOS_KILL_EVERY_MS ?? 6_000);
const USERS = Number(process.env.CHAOS_USERS ?? 10);

describe.skipIf(!distributed)("chaos: kill -9 a random process every few seconds", () => {
  let deployment: Deployment;

  beforeAll(async () => {
    deployment = await deploy({
      name: "chaos",
      instances: {
        gateway: 2,
        accounts: 1,
        activation: 1,
        login: 2,
        lockout: 1,
        password: 1,
        mailer: 1,
        invoicing: 2,
        scoring: 1,
      },
      // Sign-ins retried while login's view catches up answer INVALID_CREDENTIALS: no lockout here.
      env: { LOG_LEVEL: "warn", REQUEST_TIMEOUT_MS: "8000", LOCKOUT_THRESHOLD: "100" },
    });
  }, 240_000);

  afterAll(async () => {
    await deployment?.stop();
  }, 60_000);

  it("loses and duplicates nothing", async () => {
    const workload = new Workload({
      gateways: deployment.gateways,
      tag: randomBytes(4).toString("hex"),
      stepTimeoutMs: 60_000,
      invoicesPerUser: 2,
    });

    // Virtual users run journeys until the chaos ends; journeys under way finish afterwards.
    const started = Date.now();
    const chaosOver = () => Date.now() - started > CHAOS_MS;
    const runners = Array.from({ length: USERS }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 700));
      while (!chaosOver()) await workload.journey();
    });

    // The driver: kill -9 one process (its whole process group) every few seconds.
    const kills: string[] = [];
    const driver = (async () => {
      await new Promise((r) => setTimeout(r, 3_000));
      while (!chaosOver()) {
        const candidates = deployment.cluster.members.filter(
          (m: Member) => m.child?.exitCode === null && m.child.signalCode === null,
        );
        const victim = candidates[Math.floor(Math.random() * candidates.length)];
        if (victim && deployment.cluster.kill(victim, "SIGKILL")) {
          kills.push(`${((Date.now() - started) / 1000).toFixed(0)}s ${victim.label}`);
        }
        await new Promise((r) => setTimeout(r, KILL_EVERY_MS * (0.75 + Math.random() * 0.5)));
      }
    })();

    await driver;
    console.log(`chaos over after ${Date.now() - started} ms: ${kills.length} kill -9s: ${kills.join(", ")}`);
    await Promise.all(runners);
    console.log(`workload drained ${Date.now() - started} ms after the start`);

    // Let what was acknowledged finish (renders, mails), then check; re-check while it converges.
    let report: Report | undefined;
    const deadline = Date.now() + 120_000;
    for (;;) {
      report = await checkConsistency({
        adminUrl: deployment.adminUrl,
        brokers: deployment.broker.bootstrap,
        users: workload.users,
      });
      if (report.clean() || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 5_000));
    }

    const stopped = workload.users.filter((u) => u.stoppedAt);
    const statuses = [...workload.statuses]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([s, n]) => `${s}: ${n}`);
    const stepNames = [...new Set(workload.users.flatMap((u) => Object.keys(u.steps)))];
    const stepTimes = stepNames.map((name) => {
      const times = workload.users.map((u) => u.steps[name]).filter((t): t is number => t !== undefined);
      return `${name} ${Math.round(times.reduce((a, b) => a + b, 0) / times.length / 100) / 10}s`;
    });
    console.log(
      [
        `chaos report: ${workload.users.length} journeys (${stopped.length} stopped early: ` +
          `${stopped.map((u) => u.stoppedAt).join(", ") || "none"}), ${kills.length} processes killed`,
        `answers: ${statuses.join(", ")}`,
        `mean step times: ${stepTimes.join(", ")}`,
        formatReport(report),
      ].join("\n"),
    );
    for (const c of report.categories) {
      expect(c.lost, `${c.name} lost`).toBe(0);
      expect(c.duplicated, `${c.name} duplicated`).toBe(0);
      expect(c.problems, `${c.name} problems`).toEqual([]);
    }
    expect(report.deadLetters).toEqual([]);
    expect(kills.length).toBeGreaterThanOrEqual(Math.floor(CHAOS_MS / KILL_EVERY_MS / 2));
    // The workload made progress through the chaos.
    expect(report.categories.find((c) => c.name === "invoices")!.confirmed).toBeGreaterThan(0);
  }, 600_000);
});
