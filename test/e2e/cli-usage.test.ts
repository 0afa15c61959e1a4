import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendEmail } from "../../src/contracts/mailer/index.ts";
import { dlqTopic } from "../../src/messaging/transport.ts";
import type { ExternalSmtp } from "../services/mailer/support.ts";
import {
  activation,
  recipient,
  sendEmailEnvelope,
  startExternalSmtp,
  startMailer,
} from "../services/mailer/support.ts";
import { announceSkip, embeddedEnv, TEST_SECRET, waitFor } from "../support/index.ts";

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

describe("ledgerline dlq, on a data directory holding dead letters", () => {
  let dir: string;
  let smtp: ExternalSmtp;
  let env: NodeJS.ProcessEnv;
  const refused = [recipient("reject"), recipient("reject")];
  const ids: string[] = [];
  const dlq = (...args: string[]) => ledgerline(["dlq", ...args], env);
  /** The last line a replay printed (its progress lines end in a carriage return). */
  const replayed = (stdout: string) => stdout.split("\r").at(-1);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ledgerline-dlq-"));
    smtp = await startExternalSmtp();
    const smtpEnv = { DATA_DIR: dir, SMTP_URL: `smtp://127.0.0.1:${smtp.port}` };
    env = { ...embeddedEnv(), ...smtpEnv, LEDGERLINE_SECRET: TEST_SECRET, LOG_LEVEL: "warn" };
    // The relay refuses both recipients for good (550): the mailer parks each mail on send-email.dlq.
    const mailer = await startMailer({ env: smtpEnv, inMemory: false });
    try {
      for (const to of refused) {
        const envelope = sendEmailEnvelope(activation(to));
        ids.push(envelope.id);
        await mailer.publish(envelope);
      }
      await waitFor("both dead letters", async () => {
        const dead = await mailer.platform.transport.read(dlqTopic(sendEmail.topic));
        return dead.length === refused.length || undefined;
      });
    } finally {
      await mailer.stop();
    }
  });
  afterAll(async () => {
    await smtp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the dead-letter topics with their counts, then each message with its error", async () => {
    expect(await dlq("list")).toMatchObject({ code: 0, stdout: "send-email.dlq\t2\n" });
    const listed = await dlq("list", "--topic", "send-email.dlq");
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split("\n");
    expect(lines.map((line) => line.split("  ")[0])).toEqual(ids);
    for (const line of lines) {
      expect(line).toContain("  send-email  ");
      expect(line).toContain("  attempts=1  ");
      expect(line).toContain("  error=MAIL_PERMANENT_FAILURE: ");
    }
  });

  it("refuses a topic the log does not hold, in one line, and creates nothing", async () => {
    for (const command of ["list", "replay"]) {
      const outcome = await dlq(command, "--topic", "sendemail.dlq");
      expect(outcome).toMatchObject({
        code: 2,
        stderr:
          "--topic: the log holds no topic sendemail.dlq (`ledgerline dlq list` lists the dead-letter topics)\n",
      });
    }
    expect((await dlq("list")).stdout).toBe("send-email.dlq\t2\n");
  });

  it("refuses an id the topic does not hold", async () => {
    const outcome = await dlq("replay", "--topic", "send-email.dlq", "--id", "no-such-message");
    expect(outcome).toMatchObject({
      code: 2,
      stderr: "--id: send-email.dlq holds no message no-such-message\n",
    });
  });

  it("replays one message, then the rest once; the mailer sends each mail once the cause is fixed", async () => {
    smtp.refusing = false;
    const one = await dlq("replay", "--topic", "send-email.dlq", "--id", ids[0] ?? "");
    expect(one.code).toBe(0);
    expect(replayed(one.stdout)).toBe("replayed 1 message from send-email.dlq\n");
    // Replaying one left the replay group where it was: the whole topic is still to replay.
    const all = await dlq("replay", "--topic", "send-email.dlq");
    expect(replayed(all.stdout)).toBe("replayed 2 messages from send-email.dlq\n");
    const again = await dlq("replay", "--topic", "send-email.dlq");
    expect(replayed(again.stdout)).toBe("replayed 0 messages from send-email.dlq\n");

    // The mailer, started again, sends each refused mail once: the first one's second replay is
    // a redelivery it skips.
    const mailer = await startMailer({
      env: { DATA_DIR: dir, SMTP_URL: `smtp://127.0.0.1:${smtp.port}` },
      inMemory: false,
    });
    try {
      for (const [i, to] of refused.entries()) {
        await waitFor(`the mail to ${to}`, () => smtp.receivedBy(to).length > 0 || undefined);
        expect(await mailer.outgoing(ids[i] ?? "")).toMatchObject({ status: "sent", attempts: 2 });
      }
      await new Promise((settle) => setTimeout(settle, 500));
      expect(refused.map((to) => smtp.receivedBy(to).length)).toEqual([1, 1]);
    } finally {
      await mailer.stop();
    }
  });
});

function readIfAny(path: string): string {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}
