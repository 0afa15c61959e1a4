import type {
  ConsumerLag,
  Delivery,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
  TopicInfo,
  Transport,
} from "./transport.ts";

/**
 * Puts every topic and consumer group of one deployment under a prefix, so several
 * deployments (or test stacks) can share one Kafka cluster without joining each other's
 * groups. Services see the plain names; only the cluster sees `<namespace>.<name>`.
 */
export class NamespacedTransport implements Transport {
  private readonly prefix: string;

  constructor(
    private readonly inner: Transport,
    namespace: string,
  ) {
    this.prefix = `${namespace}.`;
  }

  get kind(): Transport["kind"] {
    return this.inner.kind;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  ensureTopics(topics: readonly string[]): Promise<void> {
    return this.inner.ensureTopics(topics.map((t) => this.in(t)));
  }

  publish(messages: readonly OutgoingMessage[]): Promise<void> {
    return this.inner.publish(messages.map((m) => ({ ...m, topic: this.in(m.topic) })));
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    return this.inner
      .subscribe({
        ...options,
        groupId: this.in(options.groupId),
        topics: options.topics.map((t) => this.in(t)),
        handler: (delivery) => options.handler(this.out(delivery)),
      })
      .then((subscription) => ({
        ready: subscription.ready,
        stop: () => subscription.stop(),
        assignment: () => subscription.assignment().map((slot) => this.strip(slot)),
      }));
  }

  async read(topic: string, options?: { limit?: number; fromTimestamp?: Date }): Promise<Delivery[]> {
    return (await this.inner.read(this.in(topic), options)).map((d) => this.out(d));
  }

  async listTopics(): Promise<TopicInfo[]> {
    return (await this.inner.listTopics())
      .filter((t) => t.topic.startsWith(this.prefix))
      .map((t) => ({ ...t, topic: this.strip(t.topic) }));
  }

  async consumerLag(): Promise<ConsumerLag[]> {
    const lags = (await this.inner.consumerLag?.()) ?? [];
    return lags.map((l) => ({ ...l, group: this.strip(l.group), topic: this.strip(l.topic) }));
  }

  private in(name: string): string {
    return this.prefix + name;
  }

  private strip(name: string): string {
    return name.startsWith(this.prefix) ? name.slice(this.prefix.length) : name;
  }

  private out(delivery: Delivery): Delivery {
    return { ...delivery, topic: this.strip(delivery.topic) };
  }
}
