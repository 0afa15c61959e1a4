import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialsChanged } from "../../../src/contracts/accounts/index.ts";
import { login } from "../../../src/contracts/login/index.ts";
import type { Database } from "../../../src/db/database.ts";
import { DatabaseProvider } from "../../../src/db/provider.ts";
import { createEnvelope } from "../../../src/messaging/envelope.ts";
import type { ServiceName } from "../../../src/platform/config.ts";
import { newId, newToken } from "../../../src/platform/ids.ts";
import { hashToken } from "../../../src/platform/secrets.ts";
import { Platform } from "../../../src/runtime/platform.ts";
import { loginService } from "../../../src/services/login/service.ts";
import { testConfig, unique, waitFor } from "../../support/index.ts";

/**
 * login's database, with its credentials writes made to fail as an unreachable database fails,
 * while everything else goes through: the moment after an outage when login's commands run
 * again before its credentials handler has caught up.
 */
class CredentialsWritesDown extends DatabaseProvider {
  down = false;

  override async forService(service: ServiceName | "log"): Promise<Database> {
    const db = await super.forService(service);
    if (service !== "login") return db;
    const refuse = (text: string): void => {
      if (this.down && /insert into \S+\.credentials/.test(text)) {
        throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
      }
    };
    return {
      ...db,
      query: (text, params) => (refuse(text), db.query(text, params)),
      transaction: (fn) =>
        db.transaction((tx) => fn({ query: async (text, params) => (refuse(text), tx.query(text, params)) })),
    };
  }
}

describe("login while its credentials view is behind", () => {
  const password = "a right password, early";
  const email = `${unique("early")}@example.test`;
  let platform: Platform;
  let databases: CredentialsWritesDown;

  beforeAll(async () => {
    const config = testConfig({ ARGON2_MEMORY_KIB: "8192", ARGON2_ITERATIONS: "1", LOCKOUT_THRESHOLD: "3" });
    databases = new CredentialsWritesDown(config, { inMemory: true });
    platform = new Platform({ config, services: [loginService], databases, requester: true });
    await platform.start();
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
  });

  const attempt = () =>
    platform.requester!.request(login, email, {
      email,
      password: platform.sealer.seal(password),
      sessionTokenHash: hashToken(newToken()),
      ip: "127.0.0.1",
      userAgent: "test",
    });

  it("answers UNAVAILABLE without judging or counting, then signs in once the view caught up", async () => {
    const ctx = platform.contexts.get("login")!;
    databases.down = true;
    const event = createEnvelope({
      type: credentialsChanged.type,
      version: credentialsChanged.version,
      key: email,
      source: "test",
      payload: {
        userId: newId(),
        email,
        role: "user",
        status: "ACTIVE",
        fullName: null,
        passwordHash: await platform.hasher.hash(password),
        version: 1,
        revokeSessions: "none",
        keepSessionId: null,
        reason: "registered",
      },
    });
    await platform.transport.publish([{ topic: credentialsChanged.topic, key: email, envelope: event }]);
    await waitFor(
      "the credentials handler to wait on the database",
      () => ctx.isBehind("on-credentials-changed"),
      10_000,
    );

    // More tries than the lock threshold: none is judged, so none counts.
    for (let i = 0; i < 5; i++) {
      await expect(attempt()).rejects.toMatchObject({ code: "UNAVAILABLE", status: 503 });
    }

    databases.down = false;
    await waitFor(
      "the credentials handler to catch up",
      () => !ctx.isBehind("on-credentials-changed"),
      30_000,
    );
    const result = await attempt();
    expect(result.user.email).toBe(email);
  }, 60_000);
});
