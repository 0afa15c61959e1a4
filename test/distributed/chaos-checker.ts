import postgres from "postgres";
import { KafkaTransport } from "../../src/messaging/kafka/kafka-transport.ts";
import { isDlqTopic } from "../../src/messaging/transport.ts";
import { MOCK_BROKER_FETCH_WAIT_MS, testLogger, unique } from "../support/index.ts";
import type { UserRecord } from "./chaos-workload.ts";

/** One line of the report: what the clients were told, and what the services' tables hold. */
export interface Category {
  readonly name: string;
  /** Acknowledged to a client (2xx); for emails: send-email commands on the log. */
  acknowledged: number;
  /** Acknowledged and present exactly once. */
  confirmed: number;
  lost: number;
  duplicated: number;
  /** Never acknowledged (every answer was lost), and present: the acknowledgement was lost, not the effect. */
  unacknowledgedButDone: number;
  /** Never acknowledged, and absent. */
  unacknowledgedNotDone: number;
  readonly problems: string[];
}

export interface Report {
  readonly categories: Category[];
  readonly deadLetters: { topic: string; count: number; ids: string[] }[];
  clean(): boolean;
}

function category(name: string): Category {
  return {
    name,
    acknowledged: 0,
    confirmed: 0,
    lost: 0,
    duplicated: 0,
    unacknowledgedButDone: 0,
    unacknowledgedNotDone: 0,
    problems: [],
  };
}

/**
 * Proves the workload's effects against each service's own tables (read with the admin URL):
 * every acknowledged signup is in `accounts` and in login's credentials view; every activated
 * user is ACTIVE in accounts and in every view of users (login, password, invoicing, scoring);
 * every invoice request made exactly one invoice, numbered, with its PDF; every send-email
 * command on the log was sent once (one `sent` outgoing row) and caught once (one mailbox row
 * per Message-ID), and each user got exactly one mail per activation or reset token issued; no
 * dead-letter topic holds a message.
 */
export async function checkConsistency(options: {
  adminUrl: string;
  brokers: string;
  users: readonly UserRecord[];
}): Promise<Report> {
  const sql = postgres(options.adminUrl, { max: 2, onnotice: () => {} });
  const transport = new KafkaTransport({
    brokers: [options.brokers],
    clientId: unique("chaos-check"),
    log: testLogger(),
    fetchWaitMs: MOCK_BROKER_FETCH_WAIT_MS,
  });
  await transport.start();
  try {
    const emails = options.users.map((u) => u.email);
    const accounts = await sql<{ id: string; email: string; status: string }[]>`
      select id, email, status from accounts.users where email = any(${emails})`;
    const byEmail = new Map<string, { id: string; email: string; status: string }[]>();
    for (const row of accounts) byEmail.set(row.email, [...(byEmail.get(row.email) ?? []), row]);
    const ids = accounts.map((a) => a.id);
    const views = {
      login: await statuses(
        sql`select user_id as id, status from login.credentials where user_id = any(${ids})`,
      ),
      password: await statuses(sql`select id, status from password.users where id = any(${ids})`),
      invoicing: await statuses(
        sql`select user_id as id, status from invoicing.sellers where user_id = any(${ids})`,
      ),
      scoring: await statuses(
        sql`select user_id as id, status from scoring.users where user_id = any(${ids})`,
      ),
    };

    // Signups.
    const signups = category("signups");
    for (const user of options.users) {
      if (user.signup.attempts === 0) continue;
      const rows = byEmail.get(user.email) ?? [];
      const inLogin = rows.length === 1 && views.login.has(rows[0]!.id);
      if (user.signup.acked) {
        signups.acknowledged++;
        if (rows.length > 1) {
          signups.duplicated++;
          signups.problems.push(`${user.email}: ${rows.length} users`);
        } else if (rows.length === 0 || !inLogin) {
          signups.lost++;
          signups.problems.push(
            `${user.email}: ${rows.length === 0 ? "not in accounts" : "not in login's view"}`,
          );
        } else signups.confirmed++;
      } else if (rows.length > 0) signups.unacknowledgedButDone++;
      else signups.unacknowledgedNotDone++;
    }

    // Activations: ACTIVE in accounts and in every view.
    const activations = category("activations");
    for (const user of options.users) {
      if (user.activation.attempts === 0) continue;
      const row = (byEmail.get(user.email) ?? [])[0];
      const everywhere =
        row?.status === "ACTIVE" && Object.values(views).every((view) => view.get(row.id) === "ACTIVE");
      if (user.activation.acked) {
        activations.acknowledged++;
        if (everywhere) activations.confirmed++;
        else {
          activations.lost++;
          const where = row
            ? Object.entries({ accounts: row.status, ...mapViews(views, row.id) })
                .filter(([, s]) => s !== "ACTIVE")
                .map(([k, s]) => `${k}=${s ?? "absent"}`)
            : ["no user"];
          activations.problems.push(`${user.email}: not ACTIVE in ${where.join(", ")}`);
        }
      } else if (row?.status === "ACTIVE") activations.unacknowledgedButDone++;
      else activations.unacknowledgedNotDone++;
    }

    // Invoices: one per request, numbered, with its PDF.
    const invoices = category("invoices");
    const keys = options.users.flatMap((u) => u.invoices.map((i) => i.key));
    const invoiceRows = await sql<{ request_id: string; number: string; status: string; has_pdf: boolean }[]>`
      select request_id, number, status, pdf is not null as has_pdf from invoicing.invoices
      where request_id = any(${keys})`;
    const byKey = new Map<
      string,
      { request_id: string; number: string; status: string; has_pdf: boolean }[]
    >();
    for (const row of invoiceRows) byKey.set(row.request_id, [...(byKey.get(row.request_id) ?? []), row]);
    for (const user of options.users) {
      for (const invoice of user.invoices) {
        const rows = byKey.get(invoice.key) ?? [];
        if (rows.length > 1) {
          invoices.duplicated++;
          invoices.problems.push(
            `${invoice.key}: ${rows.length} invoices (${rows.map((r) => r.number).join(", ")})`,
          );
          continue;
        }
        const done =
          rows.length === 1 && rows[0]!.status === "generated" && rows[0]!.has_pdf && !!rows[0]!.number;
        if (invoice.acked) {
          invoices.acknowledged++;
          if (done) invoices.confirmed++;
          else {
            invoices.lost++;
            invoices.problems.push(
              `${invoice.key}: ${rows.length === 0 ? "no invoice" : `status ${rows[0]!.status}`}`,
            );
          }
        } else if (rows.length > 0) {
          invoices.unacknowledgedButDone++;
          if (!done)
            invoices.problems.push(`${invoice.key}: unacknowledged invoice stuck in ${rows[0]!.status}`);
        } else invoices.unacknowledgedNotDone++;
      }
    }
    const numbers = await sql<{ n: number }[]>`
      select count(*)::int as n from (select user_id, number from invoicing.invoices group by 1, 2 having count(*) > 1) d`;
    if ((numbers[0]?.n ?? 0) > 0) {
      invoices.duplicated += numbers[0]!.n;
      invoices.problems.push(`${numbers[0]!.n} invoice numbers given twice`);
    }

    // Emails: every send-email command on the log sent once and caught once.
    const emailsCategory = category("emails");
    const commands = new Map<string, string>(); // envelope id → recipient
    for (const d of await transport.read("send-email", { limit: 100_000 })) {
      commands.set(d.envelope.id, String((d.envelope.payload as { to?: string }).to ?? "").toLowerCase());
    }
    const outgoing = await sql<{ envelope_id: string; status: string }[]>`
      select envelope_id, status from mailer.outgoing`;
    const outgoingById = new Map(outgoing.map((o) => [o.envelope_id, o.status]));
    const caught = await sql<{ message_id: string; recipient: string; n: number }[]>`
      select message_id, recipient, count(*)::int as n from mailer.mailbox group by 1, 2`;
    const caughtById = new Map(caught.map((c) => [c.message_id, c.n]));
    for (const [id, to] of commands) {
      emailsCategory.acknowledged++;
      const copies = caughtById.get(`<${id}@ledgerline>`) ?? 0;
      if (outgoingById.get(id) !== "sent" || copies === 0) {
        emailsCategory.lost++;
        emailsCategory.problems.push(
          `${id} to ${to}: outgoing ${outgoingById.get(id) ?? "absent"}, ${copies} caught`,
        );
      } else if (copies > 1) {
        emailsCategory.duplicated++;
        emailsCategory.problems.push(`${id} to ${to}: caught ${copies} times`);
      } else emailsCategory.confirmed++;
    }
    for (const id of outgoingById.keys()) {
      if (!commands.has(id))
        emailsCategory.problems.push(`${id}: sent, but no send-email command on the log`);
    }
    // Per user: exactly one mail per token the owning service issued (activation: one per
    // signup; reset: one per reset request the password service granted), no more, no fewer.
    const perUser = await sql<{ recipient: string; subject: string; n: number }[]>`
      select recipient, subject, count(*)::int as n from mailer.mailbox where recipient = any(${emails}) group by 1, 2`;
    const activationTokens = await counts(
      sql`select user_id as id, count(*)::int as n from activation.tokens where user_id = any(${ids}) group by 1`,
    );
    const resetTokens = await counts(
      sql`select user_id as id, count(*)::int as n from password.reset_tokens where user_id = any(${ids}) group by 1`,
    );
    for (const user of options.users) {
      const row = (byEmail.get(user.email) ?? [])[0];
      if (!row) continue;
      const mails = perUser.filter((m) => m.recipient === user.email);
      const count = (subject: RegExp) =>
        mails.filter((m) => subject.test(m.subject)).reduce((a, m) => a + m.n, 0);
      for (const [what, mailed, issued] of [
        ["activation", count(/^Activate/), activationTokens.get(row.id) ?? 0],
        ["reset", count(/^Reset/), resetTokens.get(row.id) ?? 0],
      ] as const) {
        if (mailed === issued && (what !== "activation" || issued === 1)) continue;
        (mailed > issued ? () => emailsCategory.duplicated++ : () => emailsCategory.lost++)();
        emailsCategory.problems.push(`${user.email}: ${mailed} ${what} mails for ${issued} tokens issued`);
      }
    }

    // Dead letters.
    const deadLetters: Report["deadLetters"] = [];
    for (const { topic } of (await transport.listTopics()).filter((t) => isDlqTopic(t.topic))) {
      const messages = await transport.read(topic, { limit: 100_000 });
      if (messages.length > 0) {
        deadLetters.push({ topic, count: messages.length, ids: messages.map((m) => m.envelope.id) });
      }
    }

    const categories = [signups, activations, invoices, emailsCategory];
    return {
      categories,
      deadLetters,
      clean: () =>
        categories.every((c) => c.lost === 0 && c.duplicated === 0 && c.problems.length === 0) &&
        deadLetters.length === 0,
    };
  } finally {
    await transport.stop();
    await sql.end();
  }
}

async function counts(query: Promise<{ id: string; n: number }[]>): Promise<Map<string, number>> {
  return new Map((await query).map((r) => [r.id, r.n]));
}

async function statuses(query: Promise<{ id: string; status: string }[]>): Promise<Map<string, string>> {
  return new Map((await query).map((r) => [r.id, r.status]));
}

function mapViews(
  views: Record<string, Map<string, string>>,
  id: string,
): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(views).map(([k, v]) => [k, v.get(id)]));
}

export function formatReport(report: Report): string {
  const head = [
    "category",
    "acknowledged",
    "confirmed",
    "lost",
    "duplicated",
    "ack lost, done",
    "ack lost, not done",
  ];
  const rows = report.categories.map((c) => [
    c.name,
    c.acknowledged,
    c.confirmed,
    c.lost,
    c.duplicated,
    c.unacknowledgedButDone,
    c.unacknowledgedNotDone,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart(widths[i]!)).join("  ");
  const problems = report.categories.flatMap((c) => c.problems.map((p) => `  ${c.name}: ${p}`));
  return [
    line(head),
    ...rows.map(line),
    `dead letters: ${report.deadLetters.length === 0 ? "none" : report.deadLetters.map((d) => `${d.topic} ${d.count}`).join(", ")}`,
    ...(problems.length ? ["problems:", ...problems.slice(0, 50)] : []),
  ].join("\n");
}
