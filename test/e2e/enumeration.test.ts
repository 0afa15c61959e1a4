import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdmin } from "../../src/contracts/accounts/index.ts";
import { unique } from "../support/index.ts";
import type { Answer, Stack, StackKind } from "./stack.ts";
import { Client, stackKinds, startStack, until } from "./stack.ts";

/** What a client can compare between two answers: status and body (headers vary by request id only). */
const visible = (a: Answer) => ({ status: a.status, body: a.body });

/**
 * No account enumeration: signup, forgot, resend and login answer a known and an unknown
 * email with the same status and body.
 */
describe.each(stackKinds())("no account enumeration (%s)", (kind: StackKind) => {
  let stack: Stack;
  const known = `${unique("known")}@example.test`;
  const password = "a correct password, long";

  beforeAll(async () => {
    stack = await startStack(kind);
    const { platform } = stack;
    await platform.requester!.request(createAdmin, known, {
      email: known,
      password: platform.sealer.seal(password),
    });
    const probe = new Client(stack.url);
    await until(
      () => probe.post("/api/v1/login", { email: known, password }),
      (a) => a.status === 200,
    );
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const unknown = () => `${unique("nobody")}@example.test`;

  it("signup", async () => {
    const c = new Client(stack.url);
    const body = (email: string) => ({ email, password: "a brand new long password" });
    expect(visible(await c.post("/api/v1/signup", body(known)))).toEqual(
      visible(await c.post("/api/v1/signup", body(unknown()))),
    );
  });

  it("forgot password", async () => {
    const c = new Client(stack.url);
    const a = await c.post("/api/v1/password/forgot", { email: known });
    const b = await c.post("/api/v1/password/forgot", { email: unknown() });
    expect(visible(a)).toEqual(visible(b));
    expect(a.status).toBe(202);
  });

  it("resend activation", async () => {
    const c = new Client(stack.url);
    const a = await c.post("/api/v1/activation/resend", { email: known });
    const b = await c.post("/api/v1/activation/resend", { email: unknown() });
    expect(visible(a)).toEqual(visible(b));
    expect(a.status).toBe(202);
  });

  it("login: wrong password and unknown email", async () => {
    const c = new Client(stack.url);
    const a = await c.post("/api/v1/login", { email: known, password: "not the password at all" });
    const b = await c.post("/api/v1/login", { email: unknown(), password: "not the password at all" });
    expect(visible(a)).toEqual(visible(b));
    expect(a.status).toBe(401);
    expect(a.body.error?.code).toBe("INVALID_CREDENTIALS");
  });

  it("login: a locked unknown email looks like a locked known one", { timeout: 120_000 }, async () => {
    const c = new Client(stack.url);
    const ghost = unknown();
    const target = `${unique("locked")}@example.test`;
    const { platform } = stack;
    await platform.requester!.request(createAdmin, target, {
      email: target,
      password: platform.sealer.seal(password),
    });
    for (let i = 0; i < 5; i++) {
      await c.post("/api/v1/login", { email: ghost, password: `guess ${i} wrong` });
      await c.post("/api/v1/login", { email: target, password: `guess ${i} wrong` });
    }
    const a = await c.post("/api/v1/login", { email: target, password: "guess again wrong" });
    const b = await c.post("/api/v1/login", { email: ghost, password: "guess again wrong" });
    expect(a.status).toBe(423);
    expect(visible(a)).toEqual(visible(b));
  });
});
