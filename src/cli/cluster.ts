import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { serviceNames } from "../platform/config.ts";
import { freePort } from "./free-port.ts";

const binPath = fileURLToPath(new URL("../../bin/ledgerline.js", import.meta.url));

/** One process of the cluster: one instance of one service, restarted under the same identity. */
export interface Member {
  readonly service: string;
  /** 1-based instance number. */
  readonly index: number;
  /** `login#2`: the prefix of its log lines. */
  readonly label: string;
  readonly instanceId: string;
  /** The gateway's HTTP port, or the operations port (/healthz, /readyz, /metrics) of a service. */
  readonly port: number;
  /** The running process, if any. */
  child: ChildProcess | undefined;
  /** How often it was started. */
  starts: number;
  /** When it was last started (ms since the epoch). */
  startedAt: number;
  /** How many times in a row it exited on its own within STABLE_MS of its start. */
  quickExits: number;
  /** How it last exited (`exit code 1`, `SIGKILL`), if it did. */
  lastExit: string | undefined;
  /** What its /readyz last said (`503 {...}`, a connection error), for a member that is not ready. */
  lastReadiness: string | undefined;
  /** Its last RECENT_LINES lines of output, to say why it is not ready. */
  readonly recent: string[];
}

/** Lines of each member's output kept for a readiness failure's message. */
const RECENT_LINES = 15;

/** A process that ran this long before it exited was up; an exit sooner counts toward a loop. */
export const STABLE_MS = 30_000;
/** The longest wait before a start again, however often a process keeps failing. */
export const MAX_RESTART_DELAY_MS = 30_000;

/**
 * How long to wait before starting a process again: `baseMs` after a crash or a kill, then twice
 * as long for each further exit in a row soon after its start (a configuration error, a port
 * taken), up to MAX_RESTART_DELAY_MS, so a process that cannot start does not fill the log
 * with a start a second.
 */
export function restartDelay(baseMs: number, quickExits: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, quickExits - 1), Math.max(baseMs, MAX_RESTART_DELAY_MS));
}

export interface ClusterOptions {
  /** Instances per service (`gateway` included); services not named are not started. */
  readonly instances: ReadonlyMap<string, number>;
  /** Environment of every process (KAFKA_BROKERS, DATABASE_URL…, LEDGERLINE_SECRET, tuning). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly host?: string;
  /** First gateway port (the next gateways take the next ports); 0: free ports. */
  readonly gatewayPort?: number;
  /** First operations port of the services; 0: free ports. */
  readonly opsPort?: number;
  /** Prefix of every instance id (default none): `<prefix>login-2`. */
  readonly instancePrefix?: string;
  /** Give each process only its own DATABASE_URL_<SERVICE> (least privilege; default true). */
  readonly ownDatabaseUrlOnly?: boolean;
  /** Start a process again when it exits on its own (default true), after this long. */
  readonly restart?: boolean;
  readonly restartDelayMs?: number;
  /** Where prefixed log lines go (default stdout). */
  readonly output?: (line: string) => void;
  /** Told of every exit (tests count crashes). */
  readonly onExit?: (member: Member, code: number | null, signal: NodeJS.Signals | null) => void;
}

/** `login=2,invoicing=2,gateway=2` over the default of one of each; `scoring=0` leaves one out. */
export function parseInstances(spec: string | undefined): Map<string, number> {
  const counts = new Map<string, number>(serviceNames.map((name) => [name, 1]));
  for (const part of (spec ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([a-z]+)=(\d{1,2})$/.exec(part);
    if (!match || !counts.has(match[1] ?? "")) {
      throw new Error(
        `--instances: "${part}" is not <service>=<count> (services: ${serviceNames.join(", ")})`,
      );
    }
    counts.set(match[1] ?? "", Number(match[2]));
  }
  return counts;
}

/**
 * Several processes of the platform on one machine, each `ledgerline start --service <name>` in
 * its own process group, with a stable instance id and port, its output prefixed `[login#2]`.
 * A process that exits on its own is started again (the supervisor's job in production).
 */
export class Cluster {
  readonly members: Member[] = [];
  private stopping = false;
  private readonly host: string;
  private readonly restartTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: ClusterOptions) {
    this.host = options.host ?? "127.0.0.1";
  }

  /** Gateways' base URLs, in instance order. */
  get gatewayUrls(): string[] {
    return this.members.filter((m) => m.service === "gateway").map((m) => `http://${this.host}:${m.port}`);
  }

  async start(): Promise<void> {
    let gatewayPort = this.options.gatewayPort ?? 3000;
    let opsPort = this.options.opsPort ?? 9100;
    // Services first, gateways last: consumers subscribe before requests can come.
    const order = [...serviceNames.filter((s) => s !== "gateway"), "gateway"];
    for (const service of order) {
      const count = this.options.instances.get(service) ?? 0;
      for (let index = 1; index <= count; index++) {
        const isGateway = service === "gateway";
        const port = isGateway
          ? this.options.gatewayPort === 0
            ? await freePort(this.host)
            : gatewayPort++
          : this.options.opsPort === 0
            ? await freePort(this.host)
            : opsPort++;
        this.members.push({
          service,
          index,
          label: `${service}#${index}`,
          instanceId: `${this.options.instancePrefix ?? ""}${service}-${index}`,
          port,
          child: undefined,
          starts: 0,
          startedAt: 0,
          quickExits: 0,
          lastExit: undefined,
          lastReadiness: undefined,
          recent: [],
        });
      }
    }
    for (const member of this.members) this.spawn(member);
  }

  /**
   * Polls every member's /readyz until all answer 200. A member still not ready at the deadline
   * fails it with what is known of it: running or not, its starts and last exit, its last
   * /readyz answer and its last lines of output.
   */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const member of this.members) {
      for (;;) {
        if (await this.isReady(member)) break;
        if (Date.now() > deadline) throw new Error(notReady(member, timeoutMs));
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  async isReady(member: Member): Promise<boolean> {
    try {
      const response = await fetch(`http://${this.host}:${member.port}/readyz`, {
        signal: AbortSignal.timeout(3_000),
      });
      const body = (await response.text()).slice(0, 300);
      member.lastReadiness = `${response.status} ${body}`;
      return response.ok;
    } catch (error) {
      member.lastReadiness = String((error as Error & { cause?: unknown }).cause ?? error).slice(0, 300);
      return false;
    }
  }

  /** Sends a signal to a member's process group (SIGKILL: `kill -9`); it is restarted if so configured. */
  kill(member: Member, signal: NodeJS.Signals = "SIGKILL"): boolean {
    const pid = member.child?.pid;
    if (!pid || !isRunning(member)) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** Stops every process: SIGTERM, then SIGKILL for those still running after graceMs. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    const running = this.members.filter(isRunning);
    const exits = running.map(
      (m) => new Promise<void>((resolve) => (m.child ? m.child.once("exit", () => resolve()) : resolve())),
    );
    for (const member of running) this.kill(member, "SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(exits),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    for (const member of running) this.kill(member, "SIGKILL");
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 2_000))]);
  }

  private spawn(member: Member): void {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.options.env)) {
      if (value === undefined) continue;
      if ((this.options.ownDatabaseUrlOnly ?? true) && /^DATABASE_URL_/.test(key)) {
        if (key !== `DATABASE_URL_${member.service.toUpperCase()}`) continue;
      }
      env[key] = value;
    }
    env.LEDGERLINE_INSTANCE_ID = member.instanceId;
    env.HOST = this.host;
    if (member.service === "gateway") env.PORT = String(member.port);
    else env.OPS_PORT = String(member.port);
    const firstGateway = this.members.find((m) => m.service === "gateway");
    if (!env.PUBLIC_URL && firstGateway) env.PUBLIC_URL = `http://${this.host}:${firstGateway.port}`;

    const child = spawn(process.execPath, [binPath, "start", "--service", member.service, "--supervised"], {
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    member.child = child;
    member.starts++;
    member.startedAt = Date.now();
    const write = this.options.output ?? ((line: string) => process.stdout.write(`${line}\n`));
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
        member.recent.push(line.slice(0, 500));
        if (member.recent.length > RECENT_LINES) member.recent.shift();
        write(`[${member.label}] ${line}`);
      });
    }
    child.once("exit", (code, signal) => {
      member.lastExit = signal ?? `exit code ${code}`;
      this.options.onExit?.(member, code, signal);
      if (this.stopping || !(this.options.restart ?? true)) return;
      // A signal (kill -9, the OOM killer) is no loop: only exits on its own soon after start are.
      const quick = signal === null && Date.now() - member.startedAt < STABLE_MS;
      member.quickExits = quick ? member.quickExits + 1 : 0;
      const delay = restartDelay(this.options.restartDelayMs ?? 1_000, member.quickExits);
      const loop =
        member.quickExits > 1
          ? ` (it exited within ${STABLE_MS / 1000} s of its start ${member.quickExits} times in a row)`
          : "";
      write(`[${member.label}] exited (${signal ?? code}); starting it again in ${seconds(delay)}${loop}`);
      const timer = setTimeout(() => {
        this.restartTimers.delete(timer);
        if (!this.stopping) this.spawn(member);
      }, delay);
      this.restartTimers.add(timer);
    });
  }
}

/** Whether the member's process is started and has not exited. */
function isRunning(member: Member): boolean {
  return member.child !== undefined && member.child.exitCode === null && member.child.signalCode === null;
}

/** 1 s, 2.5 s: a delay as the log line says it. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** Why a member is not ready, in a few lines: its state, its last /readyz answer, its output. */
function notReady(member: Member, timeoutMs: number): string {
  const state = isRunning(member) ? `running (pid ${member.child?.pid})` : "not running";
  const exits = member.lastExit ? `, last exit: ${member.lastExit}` : "";
  const lines = member.recent.length ? member.recent.map((l) => `  ${l}`).join("\n") : "  (none)";
  return (
    `${member.label} not ready within ${timeoutMs} ms: ${state}, started ${member.starts} times${exits}; ` +
    `/readyz: ${member.lastReadiness ?? "never asked"}\nits last lines:\n${lines}`
  );
}
