import { createServer, connect } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";

/**
 * A TCP proxy between one client and PostgreSQL that can be cut, in one of two ways a database
 * goes away: "reset" closes every connection and each new one as soon as it opens (a proxy or
 * balancer with no backend); "refuse" also stops listening, so connecting fails with
 * ECONNREFUSED (the server process down). Restoring listens on the same port again.
 */
export class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private cutOff = false;
  port = 0;

  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  /** A started proxy in front of the server a PostgreSQL URL names. */
  static async before(databaseUrl: string): Promise<CuttableProxy> {
    const { hostname, port } = new URL(databaseUrl);
    const proxy = new CuttableProxy(hostname || "127.0.0.1", Number(port || 5432));
    await proxy.start();
    return proxy;
  }

  async start(): Promise<void> {
    await this.listen(0);
  }

  /** The same PostgreSQL URL, connecting through this proxy. */
  through(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = "127.0.0.1";
    url.port = String(this.port);
    return url.toString();
  }

  async cut(mode: "reset" | "refuse" = "reset"): Promise<void> {
    this.cutOff = true;
    for (const s of this.sockets) s.destroy();
    if (mode === "refuse") await this.close();
  }

  async restore(): Promise<void> {
    this.cutOff = false;
    if (!this.server) await this.listen(this.port);
  }

  async stop(): Promise<void> {
    await this.cut("refuse");
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((client) => {
      if (this.cutOff) return void client.destroy();
      const upstream = connect(this.targetPort, this.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
