import type { Logger } from "../../platform/logger.ts";
import type { PartitionRef } from "./group.ts";

/** One group's position on one partition: the next offset it will read. */
export interface OffsetCommit {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: number;
}

/**
 * The offsets the embedded log's readers handled and have not committed yet, written for every
 * group and partition at once: one statement per commit window, however many readers moved.
 *
 * A login touches about a dozen (group, partition) pairs (the command, its reply, the events and
 * their consumers). Committed one reader at a time, each window cost as many statements, 1.7 per
 * login under load; in one statement it is one per window for the whole process.
 *
 * Commits are at-least-once, as before: a crash inside the window redelivers what was handled in
 * it, which the inbox absorbs. Writes run one at a time, in order, so a partition's committed
 * offset never moves back.
 */
export class OffsetCommits {
  private pending = new Map<string, OffsetCommit>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (commits: readonly OffsetCommit[]) => Promise<void>,
    private readonly delayMs: number,
    private readonly log: Logger,
  ) {}

  /** Commits `nextOffset` for the group on ref within the window, with every other pending one. */
  schedule(groupId: string, ref: PartitionRef, nextOffset: number): void {
    const { topic, partition } = ref;
    this.pending.set(`${groupId}\u0000${topic}\u0000${partition}`, { groupId, topic, partition, nextOffset });
    this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
  }

  /**
   * Writes everything pending now (a reader that stops or hands its partition over) and resolves
   * once it and every earlier write are done. A failed write is logged, not thrown: the offsets
   * stay where they were and the next commit of those partitions carries them further.
   */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const commits = [...this.pending.values()];
    this.pending = new Map();
    this.writing = this.writing.then(async () => {
      if (commits.length === 0) return;
      try {
        await this.write(commits);
      } catch (error) {
        // An uncommitted offset means redelivery, which the inbox absorbs.
        this.log.warn({ err: error, partitions: commits.length }, "offset commit failed");
      }
    });
    return this.writing;
  }
}
