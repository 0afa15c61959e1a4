import type { Executor } from "../../../db/database.ts";
import { ident } from "../../../db/database.ts";
import type { Customer, InvoiceStatus } from "../../../contracts/invoicing/index.ts";
import type { Invoice, InvoiceLine } from "../domain/invoice.ts";
import type { Seller } from "../pdf/render-invoice.ts";
import type { Keyset } from "../../../platform/cursor.ts";

interface InvoiceRow {
  [column: string]: unknown;
  id: string;
  user_id: string;
  request_id: string;
  number: string;
  year: number;
  sequence: number;
  status: InvoiceStatus;
  customer: Customer;
  items: InvoiceLine[];
  currency: string;
  tax_basis_points: number;
  subtotal_cents: number | string;
  tax_cents: number | string;
  total_cents: number | string;
  issue_date: string;
  due_date: string | null;
  created_at: Date;
  generated_at: Date | null;
  failure_reason: string | null;
}

const columns = `id, user_id, request_id, number, year, sequence, status, customer, items, currency,
  tax_basis_points, subtotal_cents, tax_cents, total_cents, issue_date::text as issue_date,
  due_date::text as due_date, created_at, generated_at, failure_reason`;

const toInvoice = (r: InvoiceRow): Invoice => ({
  id: r.id,
  userId: r.user_id,
  requestId: r.request_id,
  number: r.number,
  year: r.year,
  sequence: r.sequence,
  status: r.status,
  customer: r.customer,
  items: r.items,
  currency: r.currency,
  taxBasisPoints: r.tax_basis_points,
  subtotalCents: Number(r.subtotal_cents),
  taxCents: Number(r.tax_cents),
  totalCents: Number(r.total_cents),
  issueDate: r.issue_date,
  dueDate: r.due_date,
  createdAt: new Date(r.created_at),
  generatedAt: r.generated_at && new Date(r.generated_at),
  failureReason: r.failure_reason,
});

/** SQL of the invoicing schema. Every read of an invoice is scoped by its owner. */
export class InvoicingRepository {
  private readonly s: string;

  constructor(schema: string) {
    this.s = ident(schema);
  }

  /** Applies a user.changed state if it is newer than the one held; false when it was not. */
  async upsertSeller(
    tx: Executor,
    seller: Seller & { userId: string; status: string; version: number },
  ): Promise<boolean> {
    const rows = await tx.query(
      `insert into ${this.s}.sellers (user_id, email, full_name, address, status, version) values ($1, $2, $3, $4, $5, $6)
       on conflict (user_id) do update set email = excluded.email, full_name = excluded.full_name,
         address = excluded.address, status = excluded.status, version = excluded.version, updated_at = now()
       where ${this.s}.sellers.version < excluded.version
       returning user_id`,
      [seller.userId, seller.email, seller.fullName, seller.address, seller.status, seller.version],
    );
    return rows.length === 1;
  }

  /** The invoice an earlier delivery of the same request made, if any. */
  async byRequest(
    tx: Executor,
    userId: string,
    requestId: string,
  ): Promise<{ id: string; status: InvoiceStatus } | undefined> {
    const rows = await tx.query<{ id: string; status: InvoiceStatus }>(
      `select id, status from ${this.s}.invoices where user_id = $1 and request_id = $2`,
      [userId, requestId],
    );
    return rows[0];
  }

  /** The next number of a user's year; the counter row stays locked until the transaction ends. */
  async nextSequence(tx: Executor, userId: string, year: number): Promise<number> {
    const rows = await tx.query<{ last_number: number }>(
      `insert into ${this.s}.counters (user_id, year, last_number) values ($1, $2, 1)
       on conflict (user_id, year) do update set last_number = ${this.s}.counters.last_number + 1
       returning last_number`,
      [userId, year],
    );
    const next = rows[0]?.last_number;
    if (next === undefined) throw new Error("counter returned no row");
    return next;
  }

  async insert(tx: Executor, i: Omit<Invoice, "status" | "generatedAt" | "failureReason">): Promise<void> {
    await tx.query(
      `insert into ${this.s}.invoices (id, user_id, request_id, number, year, sequence, status, customer, items,
         currency, tax_basis_points, subtotal_cents, tax_cents, total_cents, issue_date, due_date, created_at)
       values ($1, $2, $3, $4, $5, $6, 'pending', $7::jsonb, $8::jsonb, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [
        i.id,
        i.userId,
        i.requestId,
        i.number,
        i.year,
        i.sequence,
        i.customer,
        i.items,
        i.currency,
        i.taxBasisPoints,
        i.subtotalCents,
        i.taxCents,
        i.totalCents,
        i.issueDate,
        i.dueDate,
        i.createdAt,
      ],
    );
  }

  /** One invoice; scoped to its owner when `userId` is given. */
  async find(db: Executor, invoiceId: string, userId?: string): Promise<Invoice | undefined> {
    const rows = await db.query<InvoiceRow>(
      `select ${columns} from ${this.s}.invoices where id = $1 and ($2::uuid is null or user_id = $2)`,
      [invoiceId, userId ?? null],
    );
    return rows[0] && toInvoice(rows[0]);
  }

  /** An invoice and its seller as invoicing knows them (undefined: no user.changed yet), in one read. */
  async withSeller(
    db: Executor,
    invoiceId: string,
  ): Promise<{ invoice: Invoice; seller: Seller | undefined } | undefined> {
    const rows = await db.query<InvoiceRow & { seller: Seller | null }>(
      `select ${columns},
         (select json_build_object('email', s.email, 'fullName', s.full_name, 'address', s.address)
            from ${this.s}.sellers s where s.user_id = invoices.user_id) as seller
       from ${this.s}.invoices where id = $1`,
      [invoiceId],
    );
    const r = rows[0];
    return r && { invoice: toInvoice(r), seller: r.seller ?? undefined };
  }

  /**
   * Newest first, after a keyset (created_at, sequence): unique per user, since an invoice's
   * number counts within the UTC year of its created_at.
   */
  async list(
    db: Executor,
    userId: string,
    page: { after?: Keyset<number> | undefined; limit: number },
  ): Promise<Invoice[]> {
    const rows = await db.query<InvoiceRow>(
      `select ${columns} from ${this.s}.invoices
        where user_id = $1 and ($2::timestamptz is null or (created_at, sequence) < ($2::timestamptz, $3::integer))
        order by created_at desc, sequence desc limit $4`,
      [userId, page.after?.[0] ?? null, page.after?.[1] ?? null, page.limit],
    );
    return rows.map(toInvoice);
  }

  async pdf(
    db: Executor,
    userId: string,
    invoiceId: string,
  ): Promise<{ status: InvoiceStatus; number: string; pdf: Uint8Array | null } | undefined> {
    const rows = await db.query<{ status: InvoiceStatus; number: string; pdf: Uint8Array | null }>(
      `select status, number, pdf from ${this.s}.invoices where id = $1 and user_id = $2`,
      [invoiceId, userId],
    );
    return rows[0];
  }

  /** pending → generated with its PDF; false when it was not pending (someone else finished it). */
  async markGenerated(
    tx: Executor,
    invoiceId: string,
    pdf: Buffer,
    seller: Seller,
    at: Date,
  ): Promise<boolean> {
    const rows = await tx.query(
      `update ${this.s}.invoices set status = 'generated', pdf = $2, seller = $3::jsonb, generated_at = $4
       where id = $1 and status = 'pending' returning id`,
      [invoiceId, pdf, seller, at],
    );
    return rows.length === 1;
  }

  /** pending → failed; false when it was not pending. */
  async markFailed(tx: Executor, invoiceId: string, reason: string): Promise<boolean> {
    const rows = await tx.query(
      `update ${this.s}.invoices set status = 'failed', failure_reason = $2 where id = $1 and status = 'pending' returning id`,
      [invoiceId, reason],
    );
    return rows.length === 1;
  }

  /** Pending invoices created at or before `before`, oldest first. */
  async pendingIds(db: Executor, before: Date, limit: number): Promise<string[]> {
    const rows = await db.query<{ id: string }>(
      `select id from ${this.s}.invoices where status = 'pending' and created_at <= $1 order by created_at limit $2`,
      [before, limit],
    );
    return rows.map((r) => r.id);
  }
}
