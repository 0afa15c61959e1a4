import type { Machine } from "./machine.ts";
import type { ProfileSummary } from "./profile.ts";
import type { Summary } from "./stats.ts";

/** A figure that could not be measured this run, and why. */
export interface Skipped {
  readonly skipped: string;
}

export const isSkipped = (v: unknown): v is Skipped =>
  typeof v === "object" && v !== null && "skipped" in (v as Record<string, unknown>);

export interface LimitResult {
  readonly params: string;
  readonly concurrency: number;
  readonly perSecond: number;
  readonly oneHash: Summary;
  readonly durationMs: number;
}

/** CPU the process under test used during a load run (every thread, from /proc). */
export interface ServerCpu {
  /** CPU time per answered request, µs. */
  readonly usPerRequest: number;
  /** CPU time over wall time: 1 is one core fully busy. */
  readonly busy: number;
}

export interface RateResult {
  readonly rate: number;
  readonly latency: Summary;
  readonly sent: number;
  /** Runs at several concurrencies, when the figure is the best of them. */
  readonly runs?: readonly { connections: number; rate: number; p99: number; server?: ServerCpu }[];
  /** The process under test's CPU in the (best) run, when measured. */
  readonly server?: ServerCpu;
  readonly ok: number;
  readonly failed: number;
  readonly statuses: Record<string, number>;
  readonly durationMs: number;
  readonly tool: string;
  /** Open-loop runs: the rate asked for. */
  readonly offered?: number;
}

export interface StackResults {
  readonly kind: "embedded" | "kafka+postgres";
  readonly note: string;
  readonly startMs: number;
  readonly users: number;
  readonly usersMs: number;
  /** Kafka only: the consumers' fetch wait (KAFKA_FETCH_WAIT_MS) in this run. */
  readonly fetchWaitMs?: number;
  /** Kafka only: the consumer groups (one consumer each) of the platform just after it started. */
  readonly consumerGroups?: number;
  loginSaturation?: RateResult | Skipped;
  loginHalf?: RateResult | Skipped;
  me?: RateResult | Skipped;
  propagation?: Summary | Skipped;
  requestReply?: Summary | Skipped;
  /** A logout reaching a second gateway that has the session cached, from the logout's answer. */
  revocation?: Summary | Skipped;
  invoices?: InvoiceResult | Skipped;
  cost?: CostResult | Skipped;
}

/** Database statements, transactions and CPU time per operation, idle polling subtracted. */
export interface CostRow {
  readonly name: string;
  readonly ops: number;
  readonly wallMs: number;
  readonly statements: number;
  readonly transactions: number;
  readonly cpuMs: number;
  /** cpuMs less the idle process's CPU over the same wall time. */
  readonly netCpuMs: number;
  readonly byKind: Record<string, number>;
}

export interface CostResult {
  /** Per second of an idle platform. */
  readonly idle: { statements: number; cpuShare: number; byKind: Record<string, number> };
  readonly rows: CostRow[];
}

export interface InvoiceResult {
  readonly perSecond: number;
  readonly accepted: number;
  readonly generated: number;
  readonly latency: Summary;
  readonly users: number;
  readonly connections: number;
  readonly windowMs: number;
  /** CPU ms of rendering this invoice's PDF alone (pdfkit, in the harness process), median of runs. */
  readonly renderCpuMs?: number;
}

export interface EnumerationResult {
  readonly samples: number;
  readonly known: Summary;
  readonly unknown: Summary;
  readonly gapMs: number;
}

export interface FootprintResult {
  /** The median of the warm starts. */
  readonly readyMs: number;
  readonly warmReadyMs: readonly number[];
  readonly coldReadyMs: number;
  readonly idleRssMiB: number;
  /** CPU time the idle process used per second of wall time (1 = one core busy). */
  readonly idleCpuShare: number;
  readonly loadRssMiB: number;
  readonly loadDescription: string;
  readonly pgliteAloneMiB: number;
  readonly emptyNodeMiB: number;
}

export interface Results {
  readonly mode: "full" | "quick";
  readonly command: string;
  readonly startedAt: string;
  durationS: number;
  readonly machine: Machine;
  readonly loadStart: string;
  loadEnd: string;
  limit?: LimitResult | Skipped;
  embedded?: StackResults | Skipped;
  kafka?: StackResults | Skipped;
  hello?: RateResult | Skipped;
  /** The same hello-world with the gateway's security headers. */
  helloSecure?: RateResult | Skipped;
  enumerationLogin?: EnumerationResult | Skipped;
  enumerationForgot?: EnumerationResult | Skipped;
  footprint?: FootprintResult | Skipped;
  profiles: { readonly name: string; readonly summary: ProfileSummary }[];
  readonly errors: string[];
  readonly settings: Record<string, string | number>;
}
