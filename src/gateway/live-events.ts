import type { ServerResponse } from "node:http";
import { invoiceFailed, invoiceGenerated } from "../contracts/invoicing/index.ts";
import { scoreCalculated } from "../contracts/scoring/index.ts";
import { subscribeInstance } from "./instance-subscription.ts";
import type { Envelope } from "../messaging/envelope.ts";
import type { Subscription } from "../messaging/transport.ts";
import type { Platform } from "../runtime/platform.ts";

/** Events a signed-in user's pages receive, keyed by user id on the log. */
const userTopics = [invoiceGenerated, invoiceFailed, scoreCalculated];
const BUFFER_PER_USER = 100;
const BUFFER_MS = 10 * 60_000;
const HEARTBEAT_MS = 15_000;

interface Buffered {
  readonly id: string;
  readonly event: string;
  readonly data: string;
  readonly at: number;
}

interface Connection {
  readonly userId: string;
  readonly sessionId: string;
  readonly raw: ServerResponse;
}

/**
 * Server-sent events per user: this gateway instance reads the user-facing events in a group of
 * its own and writes each to that user's open streams. The last events of each user are kept
 * for ten minutes so a reconnecting page (Last-Event-ID) misses nothing in between.
 */
export class LiveEvents {
  private readonly connections = new Map<string, Set<Connection>>();
  private readonly recent = new Map<string, Buffered[]>();
  private subscription: Subscription | undefined;
  private readonly abort = new AbortController();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly platform: Platform) {}

  async start(): Promise<void> {
    this.subscription = await subscribeInstance(
      this.platform,
      "events",
      userTopics.map((c) => c.topic),
      this.abort.signal,
      (envelope) => this.deliver(envelope),
    );
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    this.abort.abort();
    await this.subscription?.stop();
    for (const set of this.connections.values()) for (const c of set) c.raw.end();
    this.connections.clear();
  }

  /** Opens a stream; replays what the user missed after `lastEventId`. */
  open(raw: ServerResponse, userId: string, sessionId: string, lastEventId: string | undefined): void {
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    raw.write("retry: 3000\n\n");
    const connection: Connection = { userId, sessionId, raw };
    let set = this.connections.get(userId);
    if (!set) this.connections.set(userId, (set = new Set()));
    set.add(connection);
    raw.on("close", () => {
      set.delete(connection);
      if (set.size === 0) this.connections.delete(userId);
    });
    if (lastEventId) {
      // UUIDv7 ids sort by time: everything greater was published after.
      for (const item of this.recent.get(userId) ?? []) if (item.id > lastEventId) write(raw, item);
    }
  }

  /** A revoked session's streams get the event, then close. */
  sessionRevoked(userId: string, sessionId: string): void {
    const item: Buffered = {
      id: "",
      event: "session.revoked",
      data: JSON.stringify({ sessionId }),
      at: Date.now(),
    };
    for (const c of this.connections.get(userId) ?? []) {
      if (c.sessionId !== sessionId) continue;
      write(c.raw, item);
      c.raw.end();
    }
  }

  private deliver(envelope: Envelope): void {
    const userId = (envelope.payload as { userId?: string }).userId;
    if (!userId) return;
    const item: Buffered = {
      id: envelope.id,
      event: envelope.type,
      data: JSON.stringify(envelope.payload),
      at: Date.now(),
    };
    const buffer = (this.recent.get(userId) ?? []).filter((b) => b.at > Date.now() - BUFFER_MS);
    buffer.push(item);
    this.recent.set(userId, buffer.slice(-BUFFER_PER_USER));
    for (const c of this.connections.get(userId) ?? []) write(c.raw, item);
  }

  private beat(): void {
    const cutoff = Date.now() - BUFFER_MS;
    for (const [user, buffer] of this.recent) {
      const kept = buffer.filter((b) => b.at > cutoff);
      if (kept.length) this.recent.set(user, kept);
      else this.recent.delete(user);
    }
    for (const set of this.connections.values()) for (const c of set) c.raw.write(": heartbeat\n\n");
  }
}

function write(raw: ServerResponse, item: Buffered): void {
  raw.write(`${item.id ? `id: ${item.id}\n` : ""}event: ${item.event}\ndata: ${item.data}\n\n`);
}
