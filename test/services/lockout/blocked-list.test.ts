import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listBlocked } from "../../../src/contracts/lockout/index.ts";
import { accountLocked } from "../../../src/contracts/login/index.ts";
import { ident } from "../../../src/db/database.ts";
import { DatabaseProvider } from "../../../src/db/provider.ts";
import { createEnvelope } from "../../../src/messaging/envelope.ts";
import { Platform } from "../../../src/runtime/platform.ts";
import { lockoutService } from "../../../src/services/lockout/service.ts";
import { testConfig, unique, waitFor } from "../../support/index.ts";

describe("lockout: the blocked list", () => {
  let platform: Platform;

  beforeAll(async () => {
    const config = testConfig();
    const databases = new DatabaseProvider(config, { inMemory: true });
    platform = new Platform({ config, databases, services: [lockoutService], requester: true });
    await platform.start();
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
  });

  const lock = async (email: string, until: Date | null) => {
    const at = new Date(Math.min(Date.now(), until?.getTime() ?? Date.now()) - 60_000).toISOString();
    const payload = {
      email,
      userId: null,
      lockedAt: at,
      lockedUntil: until?.toISOString() ?? null,
      failures: 5,
      lockCount: until ? 1 : 4,
      permanent: until === null,
    };
    const envelope = createEnvelope({
      type: accountLocked.type,
      version: accountLocked.version,
      key: email,
      source: "test",
      payload,
    });
    await platform.transport.publish([{ topic: accountLocked.topic, key: email, envelope }]);
  };
  const rows = async () => {
    const db = await platform.databases.forService("lockout");
    const s = ident(platform.schemaOf("lockout"));
    return (await db.query<{ email: string }>(`select email from ${s}.blocked order by email`)).map(
      (r) => r.email,
    );
  };
  const listed = async () =>
    (await platform.requester!.request(listBlocked, "admin", {})).blocked.map((b) => b.email).sort();

  it("lists locks in force only, and sheds expired ones when the next lock comes, keeping permanent ones", async () => {
    const hour = 3_600_000;
    const [longAgo, justNow, current, forGood, next] = ["a", "b", "c", "d", "e"].map(
      (p) => `${p}-${unique("lock")}@example.test`,
    );
    await lock(justNow!, new Date(Date.now() - 60_000));
    await lock(current!, new Date(Date.now() + hour));
    await lock(forGood!, null);
    await lock(longAgo!, new Date(Date.now() - 2 * hour));
    await waitFor("the four locks to be recorded", async () => (await rows()).length === 4);
    // Expired locks are not listed, whether or not their owner has signed in since.
    expect(await listed()).toEqual([current, forGood].sort());

    await lock(next!, new Date(Date.now() + hour));
    await waitFor("the fifth lock to be recorded", async () => (await rows()).includes(next!));
    // Expired more than an hour ago: gone. Recently expired, in force, permanent: kept.
    expect(await rows()).toEqual([justNow, current, forGood, next].sort());
    expect(await listed()).toEqual([current, forGood, next].sort());
  });
});
