import type { Logger } from "./logger.ts";

export interface Part {
  readonly name: string;
  start?(): Promise<void>;
  /** Stop taking new work, finish what is in flight, release resources. */
  stop?(): Promise<void>;
}

/**
 * Starts parts in the order they were added and stops them in reverse, so a consumer stops
 * before the transport it reads from and the database it writes to. A stop that exceeds the
 * grace period is abandoned with a warning rather than hanging the process.
 */
export class Lifecycle {
  private readonly parts: Part[] = [];
  private readonly started: Part[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly log: Logger,
    private readonly graceMs: number,
  ) {}

  add(part: Part): this {
    this.parts.push(part);
    return this;
  }

  async start(): Promise<void> {
    for (const part of this.parts) {
      const begun = Date.now();
      await part.start?.();
      this.started.push(part);
      this.log.debug({ part: part.name, ms: Date.now() - begun }, "started");
    }
  }

  /** Adds and starts a part right away (for parts created after start). */
  async startPart(part: Part): Promise<void> {
    this.parts.push(part);
    await part.start?.();
    this.started.push(part);
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    const deadline = Date.now() + this.graceMs;
    for (const part of [...this.started].reverse()) {
      const remaining = Math.max(deadline - Date.now(), 100);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), remaining);
      });
      try {
        const outcome = await Promise.race([part.stop?.().then(() => "ok" as const), timedOut]);
        if (outcome === "timeout") this.log.warn({ part: part.name }, "stop exceeded the grace period");
      } catch (error) {
        this.log.error({ part: part.name, err: error }, "stop failed");
      } finally {
        clearTimeout(timer);
      }
    }
    this.started.length = 0;
  }

  /** Stops on SIGINT/SIGTERM; a second signal exits at once. */
  handleSignals(onStopped: () => void): void {
    let received = false;
    const handler = (signal: NodeJS.Signals): void => {
      if (received) process.exit(130);
      received = true;
      this.log.info({ signal }, "stopping");
      this.stop().then(onStopped, (error: unknown) => {
        this.log.error({ err: error }, "stop failed");
        process.exit(1);
      });
    };
    process.once("SIGINT", handler);
    process.once("SIGTERM", handler);
  }
}
