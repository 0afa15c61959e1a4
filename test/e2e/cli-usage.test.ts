import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announceSkip, embeddedEnv, TEST_SECRET } from "../support/index.ts";

const bin = resolve("bin/ledgerline.js");
const hasScript = spawnSync("script", ["--version"]).status === 0;
if (!hasScript)
  announceSkip("the password prompt on a terminal", "it needs script(1) (util-linux) for a pty.");

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `ledgerline <args>` as a process of its own, `stdin` written to it (then closed). */
function ledgerline(args: string[], env: NodeJS.ProcessEnv, stdin = ""): Promise<Outcome> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.once("error", fail);
    child.once("exit", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

describe("the command line, given what it cannot use", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const password = "Quiet-Harbour-Lantern-71";

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "ledgerline-cli-"));
    env = { ...embeddedEnv(), LEDGERLINE_SECRET: TEST_SECRET, LOG_LEVEL: "warn", ARGON2_MEMORY_KIB: "8192" };
    delete env.LEDGERLINE_ADMIN_PASSWORD;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** `ledgerline admin create --email <email>` on a data directory of its own under `dir`. */
  const adminCreate = (email: string, data: string, stdin?: string) =>
    ledgerline(["admin", "create", "--email", email], { ...env, DATA_DIR: join(dir, data) }, stdin);

  it.each([
    [
      ["start", "--service", "nope"],
      '--service: no service is called "nope" (services: gateway, mailer, accounts, activation, login, lockout, password, invoicing, scoring)',
    ],
    [["start", "--service"], "Option '--service <value>' argument missing"],
    [["migrate", "--bogus"], "Unknown option '--bogus'"],
    [["cluster", "--port", "abc"], '--port: "abc" is not a port (0 to 65535)'],
    [["cluster", "--ops-port", "70000"], '--ops-port: "70000" is not a port (0 to 65535)'],
    [["dlq", "purge"], 'unknown dlq command "purge"'],
    [["dlq", "replay"], "dlq replay needs --topic <topic>.dlq"],
    [
      ["dlq", "list", "--topic", "send-email"],
      '--topic: "send-email" is not a dead-letter topic (their names end in .dlq; `ledgerline dlq list` lists them)',
    ],
    [["dlq", "replay", "--topic", "send-email"], '--topic: "send-email" is not a dead-letter topic'],
  ])("refuses %j in one line and the usage, exit 2", async (args, line) => {
    const data = join(dir, `usage-${Math.random().toString(36).slice(2)}`);
    const outcome = await ledgerline(args, {
      ...env,
      DATA_DIR: data,
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
    });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.split("\n")[0]).toContain(line);
    expect(outcome.stderr).toContain("Usage:");
    expect(outcome.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(data)).toBe(false);
  });

  it("admin create refuses an address that is not one, before it opens anything", async () => {
    const outcome = await adminCreate("not-an-email", "bad-email", password);
    expect(outcome).toMatchObject({ code: 2, stderr: '--email: "not-an-email" is not an email address\n' });
    expect(existsSync(join(dir, "bad-email"))).toBe(false);
  });

  it("admin create says how to give a password when standard input ends without one", async () => {
    const outcome = await adminCreate("a@example.test", "no-password");
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(
      "standard input ended before a password: type the admin's password, pipe it on standard input, or set LEDGERLINE_ADMIN_PASSWORD\n",
    );
    expect(existsSync(join(dir, "no-password"))).toBe(false);
  });

  it("admin create takes a piped password without printing it; a second time changes nothing", async () => {
    const outcome = await adminCreate("piped@example.test", "piped", `${password}\n`);
    expect(outcome.stderr).toBe("");
    expect(outcome).toMatchObject({ code: 0, stdout: "admin piped@example.test created\n" });
    // Again: the address is taken, nothing changes.
    const again = await adminCreate("piped@example.test", "piped", `${password}\n`);
    expect(again).toMatchObject({
      code: 0,
      stdout: "piped@example.test is already registered; nothing changed\n",
    });
  });

  it.skipIf(!hasScript)("admin create on a terminal does not echo the password typed", async () => {
    const data = join(dir, "tty");
    const transcript = join(dir, "tty.transcript");
    // script(1) gives the command a pty; the password is typed once the prompt is up.
    const child = spawn(
      "script",
      ["-qfec", `${process.execPath} ${bin} admin create --email tty@example.test`, transcript],
      { env: { ...env, DATA_DIR: data }, stdio: ["pipe", "ignore", "ignore"] },
    );
    const exited = new Promise<number | null>((done) => child.once("exit", done));
    for (let i = 0; i < 200 && !readIfAny(transcript).includes("Password for the new admin:"); i++)
      await new Promise((r) => setTimeout(r, 100));
    child.stdin.write(`${password}\r`);
    expect(await exited).toBe(0);
    const shown = readIfAny(transcript);
    expect(shown).toContain("admin tty@example.test created");
    expect(shown).not.toContain(password);
    child.stdin.end();
  });
});

function readIfAny(path: string): string {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}
