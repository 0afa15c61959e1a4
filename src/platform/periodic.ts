import type { Logger } from "./logger.ts";

export const HOUR_MS = 60 * 60 * 1000;

/**
 * Housekeeping on a timer (retention deletes): `task` every `everyMs`, and once at start when
 * asked, one run at a time. A run that fails is logged and the next one comes on schedule;
 * `stop` waits for a run under way, so nothing is cut off when the database closes after it.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly options: {
      /** Names the work in the log line of a failed run. */
      readonly name: string;
      readonly everyMs: number;
      readonly runAtStart?: boolean;
      readonly log: Logger;
      readonly task: () => Promise<void>;
    },
  ) {}

  start(): void {
    if (this.options.runAtStart) this.run();
    this.timer = setInterval(() => this.run(), this.options.everyMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private run(): void {
    if (this.running) return;
    const { name, log, task } = this.options;
    this.running = task()
      .catch((error: unknown) => log.warn({ err: error }, `${name} failed; it runs again on schedule`))
      .finally(() => {
        this.running = undefined;
      });
  }
}
