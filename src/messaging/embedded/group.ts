/**
 * In-process consumer-group coordination for the embedded log: members of one group share
 * each topic's partitions round-robin in join order. When a member joins or leaves, partitions
 * that change hands are released by their old owner (after its message in flight) before the
 * new owner starts, so a partition never has two readers.
 */
export interface GroupMember {
  readonly id: number;
  readonly topics: readonly string[];
  /** Stops reading every partition not in `keep` (after the message in flight). */
  release(keep: readonly PartitionRef[]): Promise<void>;
  /** Starts reading every partition in `partitions` it does not read yet. */
  acquire(partitions: readonly PartitionRef[]): Promise<void>;
}

export interface PartitionRef {
  readonly topic: string;
  readonly partition: number;
}

export class ConsumerGroup {
  private readonly members: GroupMember[] = [];
  private rebalancing: Promise<void> = Promise.resolve();

  constructor(private readonly partitionsOf: (topic: string) => Promise<number>) {}

  get size(): number {
    return this.members.length;
  }

  join(member: GroupMember): Promise<void> {
    this.members.push(member);
    return this.rebalance();
  }

  leave(member: GroupMember): Promise<void> {
    const index = this.members.indexOf(member);
    if (index >= 0) this.members.splice(index, 1);
    return this.rebalance();
  }

  private rebalance(): Promise<void> {
    this.rebalancing = this.rebalancing.then(
      () => this.assignAll(),
      () => this.assignAll(),
    );
    return this.rebalancing;
  }

  private async assignAll(): Promise<void> {
    const plan = new Map<GroupMember, PartitionRef[]>(this.members.map((m) => [m, []]));
    const topics = [...new Set(this.members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const holders = this.members.filter((m) => m.topics.includes(topic));
      const count = await this.partitionsOf(topic);
      for (let partition = 0; partition < count; partition++) {
        const holder = holders[partition % holders.length];
        if (holder) plan.get(holder)?.push({ topic, partition });
      }
    }
    // Every member releases what it lost before any member starts what it gained.
    await Promise.all([...plan].map(([member, refs]) => member.release(refs)));
    await Promise.all([...plan].map(([member, refs]) => member.acquire(refs)));
  }
}
