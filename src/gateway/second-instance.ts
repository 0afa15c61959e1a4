import type { AddressInfo } from "node:net";
import { Platform } from "../runtime/platform.ts";
import type { Gateway } from "./gateway.ts";
import { buildGateway } from "./gateway.ts";

/** A gateway started beside a running platform by `startGatewayBeside`. */
export interface GatewayBeside {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * A further gateway instance in this process, as a second gateway process would be: its own
 * requester, reply topic and revocation subscription, listening on 127.0.0.1 and a port of its
 * own. On the embedded log it shares the platform's log and databases (one process owns a data
 * directory); on Kafka it has a transport of its own. Tests and the bench use it to see what
 * reaches every instance (a revocation); `stop` stops only what is this instance's.
 */
export async function startGatewayBeside(platform: Platform): Promise<GatewayBeside> {
  const embedded = platform.transport.kind === "embedded";
  const second = new Platform({
    config: platform.config,
    services: [],
    requester: true,
    ...(embedded ? { transport: platform.transport, databases: platform.databases } : { inMemory: true }),
  });
  let gateway: Gateway | undefined;
  const stop = async () => {
    await gateway?.stop();
    if (embedded) await second.requester?.stop();
    else await second.stop();
  };
  try {
    await second.start();
    gateway = await buildGateway(second);
    await gateway.start();
    await gateway.app.listen({ host: "127.0.0.1", port: 0 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${(gateway.app.server.address() as AddressInfo).port}`, stop };
}
