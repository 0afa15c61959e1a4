import type { ChildProcess } from "node:child_process";
import { fork } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";

/** What a bench child sends back over IPC. */
export type ChildMessage =
  | { type: "ready"; url: string; startedMs: number }
  | { type: "fatal"; error: string }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };

/**
 * A TypeScript child process (run through tsx) that the harness drives over IPC: the system
 * under test runs there, the load generator in the harness, so neither measures the other's
 * event loop. Its stdout and stderr go to a log file that is shown when it fails.
 */
export class BenchChild {
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private seq = 0;
  private exited = false;
  readonly ready: Promise<{ url: string; startedMs: number }>;

  private constructor(
    readonly process: ChildProcess,
    readonly logFile: string,
  ) {
    this.ready = new Promise((resolve, reject) => {
      process.on("message", (raw) => {
        const message = raw as ChildMessage;
        if ("type" in message) {
          if (message.type === "ready") resolve({ url: message.url, startedMs: message.startedMs });
          else reject(new Error(`child failed: ${message.error}\n${this.tail()}`));
          return;
        }
        const waiting = this.pending.get(message.id);
        if (!waiting) return;
        this.pending.delete(message.id);
        if (message.ok) waiting.resolve(message.result);
        else waiting.reject(new Error(message.error));
      });
      process.on("exit", (code, signal) => {
        this.exited = true;
        const error = new Error(`child exited (${code ?? signal})\n${this.tail()}`);
        reject(error);
        for (const waiting of this.pending.values()) waiting.reject(error);
        this.pending.clear();
      });
    });
    // An unhandled rejection of `ready` would crash the harness before anyone awaits it.
    this.ready.catch(() => undefined);
  }

  static start(script: string, env: NodeJS.ProcessEnv, logFile: string, execArgv: string[] = []): BenchChild {
    const fd = openSync(logFile, "a");
    try {
      const child = fork(script, [], {
        execArgv: ["--import", "tsx", ...execArgv],
        env,
        stdio: ["ignore", fd, fd, "ipc"],
        serialization: "advanced",
      });
      return new BenchChild(child, logFile);
    } finally {
      closeSync(fd);
    }
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  /** Runs one operation in the child and resolves with its result. */
  call<T>(op: string, args: Record<string, unknown> = {}, timeoutMs = 300_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`child has exited\n${this.tail()}`));
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`child operation ${op} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.process.send({ id, op, args });
    });
  }

  /** Asks the child to stop cleanly, then kills it (this pid only) if it does not. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.process.once("exit", () => resolve()));
    try {
      await this.call("stop", {}, timeoutMs);
    } catch {
      // It may exit before answering.
    }
    const timer = setTimeout(() => {
      if (!this.exited) this.process.kill("SIGKILL");
    }, timeoutMs);
    await gone;
    clearTimeout(timer);
  }

  tail(lines = 30): string {
    try {
      return readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }
}

/** Operations added from outside a child's own script (instrumented runs, experiments). */
export const extraOperations: Record<string, (args: Record<string, unknown>) => Promise<unknown>> = {};

/** The child side: answers the harness's operations. */
export function serveOperations(
  handlers: Record<string, (args: Record<string, unknown>) => Promise<unknown>>,
): void {
  process.on("message", (raw) => {
    const { id, op, args } = raw as { id: number; op: string; args: Record<string, unknown> };
    const handler = handlers[op] ?? extraOperations[op];
    if (!handler) {
      process.send?.({ id, ok: false, error: `unknown operation ${op}` });
      return;
    }
    handler(args).then(
      (result) => process.send?.({ id, ok: true, result }),
      (error: unknown) =>
        process.send?.({
          id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        }),
    );
  });
}
