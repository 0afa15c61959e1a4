/** The shapes of API.md the web app reads. */

export type Role = "user" | "admin";
export type UserStatus = "PENDING" | "ACTIVE" | "SUSPENDED" | "EXPIRED";

export interface SignedInUser {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
  readonly fullName: string | null;
}

export interface Profile extends SignedInUser {
  readonly status: UserStatus;
  readonly phone: string | null;
  readonly address: string | null;
  readonly createdAt: string;
}

export interface LoginAnswer {
  readonly user: SignedInUser;
  readonly token: string;
  readonly csrfToken?: string;
}

export interface Session {
  readonly id: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly ip: string;
  readonly userAgent: string;
  readonly current: boolean;
}

export interface LoginRecord {
  readonly at: string;
  readonly ip: string;
  readonly userAgent: string;
  readonly outcome: string;
}

export interface BlockedEntry {
  readonly email: string;
  readonly userId: string | null;
  readonly lockedAt: string;
  readonly lockedUntil: string | null;
  readonly failures: number;
  readonly reason: string;
}

export type InvoiceStatus = "pending" | "generated" | "failed";

export interface Customer {
  readonly name: string;
  readonly email?: string;
  readonly taxId?: string;
  readonly address?: string;
}

export interface InvoiceSummary {
  readonly id: string;
  readonly number: string | null;
  readonly status: InvoiceStatus;
  readonly customer: Customer;
  readonly totalCents: number;
  readonly currency: string;
  readonly createdAt: string;
  readonly generatedAt: string | null;
}

/** A page of GET /api/v1/invoices; `nextCursor` fetches the next one (null: this is the last). */
export interface InvoicePage {
  readonly invoices: readonly InvoiceSummary[];
  readonly nextCursor: string | null;
}

export interface InvoiceItem {
  readonly description: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

export interface InvoiceDraft {
  readonly customer: Customer;
  readonly items: readonly InvoiceItem[];
  readonly currency: string;
  readonly taxRatePercent?: number;
  readonly dueDate?: string;
}

export interface ScoreFactor {
  readonly name: string;
  readonly value: number;
  readonly weight: number;
}

export type ScoreTier = "Starter" | "Established" | "Trusted" | "Exemplary";

export interface ScorePoint {
  readonly score: number;
  readonly tier: ScoreTier;
  readonly calculatedAt: string;
}

export interface Score {
  readonly score: number | null;
  readonly tier: ScoreTier | null;
  readonly factors: readonly ScoreFactor[];
  readonly calculatedAt: string | null;
  readonly history: readonly ScorePoint[];
}

export interface MailboxMessage {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly links: readonly string[];
  readonly receivedAt: string;
}

export interface FlowMessage {
  readonly id: string;
  readonly type: string;
  readonly topic: string;
  /** The service that published it (null when the envelope did not say). */
  readonly source: string | null;
  readonly key: string | null;
  readonly occurredAt: string;
  readonly causationId: string | null;
}

export interface Flow {
  readonly correlationId: string;
  readonly startedAt: string;
  readonly messages: readonly FlowMessage[];
}

/** Named events of GET /api/v1/events. */
export interface ServerEvents {
  "invoice.generated": {
    invoiceId: string;
    userId: string;
    number: string;
    totalCents: number;
    currency: string;
    generatedAt: string;
  };
  "invoice.failed": { invoiceId: string; reason: string };
  "score.calculated": {
    score: number;
    tier: ScoreTier;
    factors: ScoreFactor[];
    calculatedAt: string;
    requestId: string;
  };
  "session.revoked": { sessionId: string };
}
